import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binomialTestPValue } from './stats.js';

test('binomialTestPValue matches the exact sum over outcomes no more likely', () => {
  // Reference values summed directly over Binomial(100, p) probabilities.
  assert.ok(Math.abs(binomialTestPValue(62, 100, 0.6) - 0.759655) < 1e-5);
  assert.ok(Math.abs(binomialTestPValue(40, 100, 0.2) - 4.19141e-6) < 1e-10);
  assert.equal(binomialTestPValue(20, 100, 0.2), 1);
  assert.equal(binomialTestPValue(0, 0, 0.5), 1);
  assert.equal(binomialTestPValue(0, 50, 0), 1);
  assert.equal(binomialTestPValue(1, 50, 0), 0);
});
