import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disagreementLogE, initDisagreement, initMeanAbsDiff, updateDisagreement, updateMeanAbsDiff } from './mirrored.js';

const rates = [0.02, 0.04, 0.08, 0.16];

test('disagreement LR follows the product formula; Infinity and NaN are disagreements', () => {
  const state = updateDisagreement(initDisagreement(rates), 0.01, rates, 0.001, [0, 0.0005, 0.5, Infinity, Number.NaN, -0.002]);
  assert.equal(state.pairs, 6);
  assert.equal(state.disagreements, 4);
  rates.forEach((d1, i) => {
    const expected = 4 * Math.log(d1 / 0.01) + 2 * Math.log((1 - d1) / 0.99);
    assert.ok(Math.abs((state.logs[i] as number) - expected) < 1e-12);
  });
  assert.equal(updateDisagreement(state, 0.01, rates, 0, []), state, 'no pairs, no update');
});

test('disagreement: expected factor is at most 1 when the rate is at most d0', () => {
  for (const rate of [0, 0.005, 0.01]) {
    for (const d1 of rates) {
      const expectation = rate * (d1 / 0.01) + (1 - rate) * ((1 - d1) / 0.99);
      assert.ok(expectation <= 1 + 1e-12, `rate ${rate} d1 ${d1}`);
    }
  }
  let bad = initDisagreement(rates);
  for (let i = 0; i < 20; i++) bad = updateDisagreement(bad, 0.01, rates, 0, Array.from({ length: 20 }, (_, j) => (j === 0 ? 1 : 0)));
  assert.ok(disagreementLogE(bad) > Math.log(400), '5% disagreement against 1% acceptable is caught in 400 pairs');
});

test('mean absolute difference: identical answers confirm "not worse", large ones raise the alarm', () => {
  const same = updateMeanAbsDiff(initMeanAbsDiff(), 0.01, 0.1, new Array<number>(300).fill(0));
  assert.ok(same.logNotWorse > Math.log(20), `ln K' = ${same.logNotWorse}`);
  assert.ok(same.logWorse <= 0);
  const far = updateMeanAbsDiff(initMeanAbsDiff(), 0.01, 0.1, Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 0.05 : -0.05)));
  assert.ok(far.logWorse > Math.log(400), `ln K = ${far.logWorse}`);
  assert.ok(Math.abs(far.mean - 0.5) < 1e-12, 'Z is |d| clipped and scaled by B');
});

test('the bet never loses more than half per pair, even on a run of adversarial answers', () => {
  // Build confidence on large differences, then feed exact agreement: each factor stays ≥ ½.
  let state = updateMeanAbsDiff(initMeanAbsDiff(), 0.01, 0.1, new Array<number>(50).fill(Infinity));
  const before = state.logWorse;
  state = updateMeanAbsDiff(state, 0.01, 0.1, [0]);
  assert.ok(state.logWorse - before >= Math.log(0.5) - 1e-12);
  assert.ok(Number.isFinite(state.logWorse) && Number.isFinite(state.logNotWorse));
});
