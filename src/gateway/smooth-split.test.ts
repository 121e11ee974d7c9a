import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SmoothSplit, isWholePercent } from './smooth-split.js';
import { cookieValue, stickyBucket } from './sticky-key.js';

test('the split is exact after every request, at every weight', () => {
  for (const weight of [0, 1, 5, 10, 20, 33, 50, 67, 77, 99, 100]) {
    const split = new SmoothSplit(weight);
    let canary = 0;
    for (let n = 1; n <= 1000; n++) {
      if (split.pickSecond()) canary++;
      assert.ok(Math.abs(canary - (n * weight) / 100) < 1, `weight ${weight}: ${canary} canary picks after ${n}`);
    }
    assert.equal(canary, weight * 10);
  }
});

test('any window of 100 consecutive picks holds the weight within one', () => {
  for (const weight of [3, 20, 50, 81]) {
    const split = new SmoothSplit(weight);
    const picks = Array.from({ length: 700 }, () => (split.pickSecond() ? 1 : 0));
    for (let start = 0; start + 100 <= picks.length; start += 7) {
      const inWindow = picks.slice(start, start + 100).reduce((a: number, b) => a + b, 0);
      assert.ok(Math.abs(inWindow - weight) <= 1, `weight ${weight}, window at ${start}: ${inWindow}`);
    }
  }
});

test('a new weight is exact from the next pick on', () => {
  const split = new SmoothSplit(50);
  split.pickSecond();
  split.set(25);
  const canary = Array.from({ length: 8 }, () => split.pickSecond()).filter(Boolean).length;
  assert.equal(canary, 2);
});

test('setting the same weight again does not restart the sequence', () => {
  const split = new SmoothSplit(50);
  const picks: boolean[] = [];
  for (let i = 0; i < 6; i++) {
    split.set(50); // e.g. a controller re-applying its weight on every tick
    picks.push(split.pickSecond());
  }
  assert.deepEqual(picks, [false, true, false, true, false, true]);
});

test('isWholePercent accepts only integers 0..100', () => {
  for (const ok of [0, 1, 50, 100]) assert.equal(isWholePercent(ok), true);
  for (const bad of [-1, 101, 2.5, Number.NaN, '10', null]) assert.equal(isWholePercent(bad), false);
});

test('sticky buckets are stable and spread over 0..99', () => {
  assert.equal(stickyBucket('user-42'), stickyBucket('user-42'));
  const seen = new Set(Array.from({ length: 2000 }, (_, i) => stickyBucket(`user-${i}`)));
  assert.ok(seen.size > 90, `only ${seen.size} buckets used`);
  for (const bucket of seen) assert.ok(bucket >= 0 && bucket < 100);
});

test('cookieValue finds one cookie among several', () => {
  assert.equal(cookieValue('a=1; session=abc; b=2', 'session'), 'abc');
  assert.equal(cookieValue('session=xyz', 'session'), 'xyz');
  assert.equal(cookieValue('mysession=1; b=2', 'session'), undefined);
});
