import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.js';

test('parseDuration reads the forms people write', () => {
  const cases: [string | number, number][] = [
    ['500ms', 500], ['30s', 30_000], ['1m', 60_000], ['1m30s', 90_000], ['2h', 7_200_000], ['1.5s', 1500], [2, 2000], [0, 0],
  ];
  for (const [input, ms] of cases) assert.equal(parseDuration(input), ms, String(input));
});

test('parseDuration explains what is wrong', () => {
  for (const bad of ['', '10', 'fast', '1d', '-1s', '1m 30s'] as const) {
    const result = parseDuration(bad);
    assert.equal(typeof result, 'object', bad);
  }
  assert.deepEqual(parseDuration(-1), { error: 'must be a non-negative number of seconds' });
});

test('formatDuration is the inverse for whole values', () => {
  for (const text of ['250ms', '1s', '1m30s', '2h', '1h1m1s']) assert.equal(formatDuration(parseDuration(text) as number), text);
});
