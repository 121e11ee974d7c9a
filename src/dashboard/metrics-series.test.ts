import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingBuffer, pointBetween, quantileOf, totalsOf, type CounterReading, type VariantTotals } from './metrics-series.js';

const BOUNDS = [0.01, 0.1, 1];

function variant(requests: number, errors: number, buckets: number[]): VariantTotals {
  return { requests, errors, latencyBuckets: buckets };
}

function reading(t: number, primary: VariantTotals, canary: VariantTotals, mirror: [number, number] = [0, 0]): CounterReading {
  return { t, primary, canary, mirrorPairs: mirror[0], mirrorAgreeing: mirror[1] };
}

test('quantiles interpolate inside the bucket, as histogram_quantile does', () => {
  // 10 samples ≤ 10ms and 10 in (10ms, 100ms]: the median sits at the first bound.
  assert.equal(quantileOf([10, 10, 0, 0], BOUNDS, 0.5), 0.01);
  // p75 is halfway through the second bucket.
  assert.ok(Math.abs(quantileOf([10, 10, 0, 0], BOUNDS, 0.75)! - 0.055) < 1e-12);
  // All in +Inf: the highest finite bound, not Infinity.
  assert.equal(quantileOf([0, 0, 0, 4], BOUNDS, 0.99), 1);
  assert.equal(quantileOf([0, 0, 0, 0], BOUNDS, 0.5), null);
});

test('a point is the rate, error percent and latency of the interval between two readings', () => {
  const earlier = reading(10_000, variant(100, 0, [100, 0, 0, 0]), variant(10, 0, [10, 0, 0, 0]), [4, 4]);
  const later = reading(12_000, variant(300, 2, [200, 0, 0, 0]), variant(30, 10, [10, 0, 20, 0]), [14, 9]);
  const point = pointBetween(earlier, later, BOUNDS);
  assert.equal(point.t, 12_000);
  assert.deepEqual(point.primary, { rps: 100, errorPercent: 1, p50Ms: 5, p99Ms: 9.9 });
  assert.equal(point.canary.rps, 10);
  assert.equal(point.canary.errorPercent, 50);
  // All 20 new canary requests took 100ms–1s: both quantiles lie in that bucket, not the old 10ms one.
  assert.ok(point.canary.p50Ms! > 100 && point.canary.p99Ms! > point.canary.p50Ms!, JSON.stringify(point.canary));
  assert.equal(point.agreementPercent, 50);
});

test('an idle variant has no error rate or latency (null), not 0', () => {
  const same = variant(5, 1, [5, 0, 0, 0]);
  const point = pointBetween(reading(0, same, same), reading(1000, same, same), BOUNDS);
  assert.deepEqual(point.canary, { rps: 0, errorPercent: null, p50Ms: null, p99Ms: null });
  assert.equal(point.agreementPercent, null);
});

test('counters that went backwards were reset: the interval counts from zero', () => {
  const point = pointBetween(reading(0, variant(500, 0, [500, 0, 0, 0]), variant(0, 0, [0, 0, 0, 0])),
    reading(1000, variant(20, 20, [20, 0, 0, 0]), variant(0, 0, [0, 0, 0, 0])), BOUNDS);
  assert.equal(point.primary.rps, 20);
  assert.equal(point.primary.errorPercent, 100);
});

test('totals are the cumulative counts of a reading', () => {
  const totals = totalsOf(reading(0, variant(7, 1, [7, 0, 0, 0]), variant(3, 2, [3, 0, 0, 0]), [5, 4]));
  assert.deepEqual(totals, { primary: { requests: 7, errors: 1 }, canary: { requests: 3, errors: 2 }, mirror: { pairs: 5, agreeing: 4 } });
});

test('the ring buffer keeps the newest entries only', () => {
  const ring = new RingBuffer<number>(3);
  for (let i = 1; i <= 5; i++) ring.push(i);
  assert.deepEqual(ring.toArray(), [3, 4, 5]);
  assert.equal(ring.size, 3);
  assert.throws(() => new RingBuffer(0), RangeError);
});
