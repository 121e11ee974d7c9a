import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BUCKET_BOUNDS } from './config.js';
import { cdfAt, histogramQuantile, slowedDistribution, smoothedDistribution, tailStartIndex } from './histogram.js';
import { lognormalBuckets } from './simulation/samplers.js';

const bounds = DEFAULT_BUCKET_BOUNDS;

test('histogram_quantile on KServe buckets misreads a lognormal p99 as ANALYSIS.md says', () => {
  // Lognormal, median 50 ms, σ 0.5: true p99 160 ms reads 233 ms; slowed ×1.3 (true 208 ms) reads 245 ms.
  const scaled = (probs: number[]) => probs.map((p) => p * 1e6);
  const equal = histogramQuantile(scaled(lognormalBuckets(bounds, 0.05, 0.5)), bounds, 0.99);
  const slowed = histogramQuantile(scaled(lognormalBuckets(bounds, 0.065, 0.5)), bounds, 0.99);
  assert.equal(Math.round(equal * 1000), 233);
  assert.equal(Math.round(slowed * 1000), 245);
});

test('histogram_quantile edge cases', () => {
  const zeros = new Array<number>(bounds.length + 1).fill(0);
  assert.ok(Number.isNaN(histogramQuantile(zeros, bounds, 0.99)), 'no observations: no value');
  const inInf = [...zeros];
  inInf[bounds.length] = 10;
  assert.equal(histogramQuantile(inInf, bounds, 0.5), 10, 'the +Inf bucket reads as the last finite bound');
  const first = [...zeros];
  first[0] = 4;
  assert.equal(histogramQuantile(first, bounds, 0.5), 0.0025, 'linear from 0 in the first bucket');
  const two = [...zeros];
  two[1] = 1;
  two[3] = 1;
  assert.equal(histogramQuantile(two, bounds, 0.5), 0.01, 'rank on a bucket edge takes that bucket');
});

test('smoothing leaves no empty bucket and sums to 1', () => {
  const probs = smoothedDistribution([10, 0, 0, 30]);
  assert.ok(probs.every((p) => p > 0));
  assert.ok(Math.abs(probs.reduce((a, b) => a + b) - 1) < 1e-12);
  assert.deepEqual(smoothedDistribution([0, 0]), [0.5, 0.5]);
});

test('a slowed distribution moves mass up and still sums to 1', () => {
  const reference = lognormalBuckets(bounds, 0.05, 0.5);
  assert.deepEqual(slowedDistribution(reference, bounds, 1).map((p) => Number(p.toFixed(12))), reference.map((p) => Number(p.toFixed(12))));
  for (const factor of [1.1, 1.5, 3]) {
    const slowed = slowedDistribution(reference, bounds, factor);
    assert.ok(Math.abs(slowed.reduce((a, b) => a + b) - 1) < 1e-12);
    assert.ok(slowed.every((p) => p >= 0));
    // Stochastically larger: the CDF is lower at every bound.
    bounds.forEach((b) => assert.ok(cdfAt(slowed, bounds, b) <= cdfAt(reference, bounds, b) + 1e-12, `factor ${factor} at ${b}`));
  }
  // Slowing by 2 is close to the true lognormal with a doubled median (interpolation, not exact).
  const twice = slowedDistribution(reference, bounds, 2);
  const truth = lognormalBuckets(bounds, 0.1, 0.5);
  twice.forEach((p, k) => assert.ok(Math.abs(p - (truth[k] as number)) < 0.03, `bucket ${k}: ${p} vs ${truth[k]}`));
});

test('the tail starts above the bucket holding the 99th percentile', () => {
  assert.equal(tailStartIndex(lognormalBuckets(bounds, 0.05, 0.5), 0.99), 6, 'slower than 250 ms');
  assert.equal(tailStartIndex([0.5, 0.5, 0], 0.99), 2);
  assert.equal(tailStartIndex([0.1, 0.1, 0.8], 0.99), 2, 'never before the last bucket');
});
