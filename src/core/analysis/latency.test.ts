import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BUCKET_BOUNDS } from './config.js';
import { initLatency, latencyLogE, updateLatency, type LatencyGrid } from './latency.js';
import { lognormalBuckets } from './simulation/samplers.js';

const bounds = DEFAULT_BUCKET_BOUNDS;
const grid: LatencyGrid = { bounds, factors: [1.1, 1.2, 1.35, 1.5, 2, 3], detect: 1.2, tailRatios: [2, 4, 8, 16] };
const buckets = bounds.length + 1;
const zeros = () => new Array<number>(buckets).fill(0);
const oneIn = (k: number) => zeros().map((_, i) => (i === k ? 1 : 0));

test('for any reference, one request\'s expected LR factor is 1 when the arms are alike', () => {
  // Learn a deliberately poor reference (everything in one bucket), then check every bucket.
  const learned = updateLatency(initLatency(grid), grid, 0, zeros(), oneIn(2).map((c) => c * 50));
  for (const share of [0.1, 0.2, 0.5]) {
    for (let k = 0; k < buckets; k++) {
      const onCanary = updateLatency(learned, grid, share, oneIn(k), zeros());
      const onPrimary = updateLatency(learned, grid, share, zeros(), oneIn(k));
      grid.factors.forEach((_, i) => {
        const expectation = share * Math.exp(onCanary.shapeLogs[i] as number) + (1 - share) * Math.exp(onPrimary.shapeLogs[i] as number);
        assert.ok(Math.abs(expectation - 1) < 1e-9, `ρ=${share} bucket ${k} factor ${grid.factors[i]}: ${expectation}`);
      });
    }
  }
});

test('the reference is learned from the primary only, and only after the tick that used it', () => {
  const state = updateLatency(initLatency(grid), grid, 0.2, oneIn(11).map((c) => c * 7), oneIn(3).map((c) => c * 9));
  assert.deepEqual(state.primarySeen, oneIn(3).map((c) => c * 9));
  assert.equal(state.referenceTotal, 9);
  assert.ok((state.reference[3] as number) > 0.5);
  assert.ok(state.shapeLogs.every((log) => log !== 0), 'the first tick is tested against the uniform prior');
});

test('ticks with ρ = 0 only teach the reference', () => {
  const state = updateLatency(initLatency(grid), grid, 0, zeros(), oneIn(4).map((c) => c * 100));
  assert.ok(state.shapeLogs.every((log) => log === 0));
  assert.equal(state.detectLog, 0);
  assert.equal(latencyLogE(state), 0);
});

test('a canary 30% slower builds evidence; an equal one loses it', () => {
  const primary = lognormalBuckets(bounds, 0.05, 0.5).map((p) => p * 80);
  const slow = lognormalBuckets(bounds, 0.065, 0.5).map((p) => p * 20);
  const same = lognormalBuckets(bounds, 0.05, 0.5).map((p) => p * 20);
  let bad = updateLatency(initLatency(grid), grid, 0, zeros(), primary.map((c) => c * 10));
  let good = bad;
  for (let t = 0; t < 10; t++) {
    bad = updateLatency(bad, grid, 0.2, slow, primary);
    good = updateLatency(good, grid, 0.2, same, primary);
  }
  assert.ok(latencyLogE(bad) > Math.log(200), `slow canary: ln E = ${latencyLogE(bad)}`);
  assert.ok(latencyLogE(good) < 0, `equal canary: ln E = ${latencyLogE(good)}`);
  assert.ok(good.detectLog < Math.log(0.05), 'an equal canary rejects "20% slower"');
});
