import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignedUntil, countsBetween, scrapeIntervalOf, seriesKey, valueAt } from './counter-alignment.js';

const read = { rangeStartMs: 0, intervalMs: 15_000 };

test('a counter is read between its samples by linear interpolation, and holds after the last', () => {
  const points = [[15_000, 100], [30_000, 250], [45_000, 400]] as const;
  assert.equal(valueAt(points, 20_000, read), 150);
  assert.equal(valueAt(points, 45_000, read), 400);
  assert.equal(valueAt(points, 60_000, read), 400);
});

test('a series born inside the read range counts from 0 — its first sample is not lost as with increase()', () => {
  // First scraped at 60 s with 30 requests: born within the scrape interval before.
  const born = [[60_000, 30], [75_000, 60]] as const;
  assert.equal(valueAt(born, 40_000, read), 0);
  assert.equal(valueAt(born, 52_500, read), 15);
  assert.equal(valueAt(born, 60_000, read), 30);
  // A series whose first sample is at the start of the range existed before it: no ramp.
  assert.equal(valueAt([[1000, 500], [16_000, 600]], 0, read), 500);
});

test('a counter reset (process restart) is undone within a read, and counts from 0 across reads', () => {
  const restarted = [[0, 100], [15_000, 200], [30_000, 20], [45_000, 50]] as const;
  assert.equal(valueAt(restarted, 45_000, read), 250);
  const counts = countsBetween(new Map([['a', 200], ['b', 100], ['c', 100]]), new Map([['a', 20], ['b', 99.9], ['c', 130], ['d', 7]]));
  assert.deepEqual(Object.fromEntries(counts), { a: 20, b: 0, c: 30, d: 7 });
});

test('the aligned instant is the oldest last scrape among live series; series gone for three intervals do not hold it back', () => {
  const series = [
    { labels: { pod: 'a' }, points: [[100_000, 1], [115_000, 2]] as const },
    { labels: { pod: 'b' }, points: [[105_000, 1], [120_000, 2]] as const },
    { labels: { pod: 'gone' }, points: [[60_000, 1], [70_000, 2]] as const },
  ];
  assert.equal(alignedUntil(series, 121_000, 45_000), 115_000);
  assert.equal(scrapeIntervalOf(series), 15_000);
  assert.equal(seriesKey({ __name__: 'x', b: '2', a: '1' }), seriesKey({ a: '1', b: '2' }));
});
