import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initRatioLogs, mixtureLog, updateRatioLogs } from './rate-ratio.js';

const ratios = [2, 4, 8, 16];

test('one tick adds x_c·ln r − x·ln(1 + ρ(r − 1)) to each ratio', () => {
  const logs = updateRatioLogs(initRatioLogs(ratios), ratios, { canary: 3, primary: 5, share: 0.2 });
  ratios.forEach((r, i) => assert.ok(Math.abs((logs[i] as number) - (3 * Math.log(r) - 8 * Math.log(1 + 0.2 * (r - 1)))) < 1e-12));
  assert.ok(Math.abs(mixtureLog(logs) - Math.log(logs.reduce((s, l) => s + Math.exp(l), 0) / 4)) < 1e-12);
});

test('no events, or a share with nothing to compare, change nothing', () => {
  const start = updateRatioLogs(initRatioLogs(ratios), ratios, { canary: 1, primary: 1, share: 0.5 });
  for (const events of [{ canary: 0, primary: 0, share: 0.2 }, { canary: 2, primary: 0, share: 1 }, { canary: 0, primary: 3, share: 0 }]) {
    assert.equal(updateRatioLogs(start, ratios, events), start);
  }
});

test('under "alike" the expected likelihood-ratio factor is exactly 1 (a martingale)', () => {
  // x errors in a tick, canary's share binomial(x, ρ): E[r^x_c / (1 + ρ(r − 1))^x] = 1.
  for (const share of [0.05, 0.2, 0.5, 0.9]) {
    for (const x of [1, 3, 10]) {
      for (const r of ratios) {
        let expectation = 0;
        let choose = 1;
        for (let k = 0; k <= x; k++) {
          if (k > 0) choose = (choose * (x - k + 1)) / k;
          const probability = choose * share ** k * (1 - share) ** (x - k);
          expectation += probability * Math.exp(updateRatioLogs([0], [r], { canary: k, primary: x - k, share })[0] as number);
        }
        assert.ok(Math.abs(expectation - 1) < 1e-9, `ρ=${share} x=${x} r=${r}: ${expectation}`);
      }
    }
  }
});

test('evidence grows when the canary takes more than its share of events, falls otherwise', () => {
  const worse = updateRatioLogs(initRatioLogs(ratios), ratios, { canary: 20, primary: 8, share: 0.2 });
  const better = updateRatioLogs(initRatioLogs(ratios), ratios, { canary: 0, primary: 40, share: 0.2 });
  assert.ok(mixtureLog(worse) > Math.log(100));
  assert.ok((better[0] as number) < Math.log(0.05));
});
