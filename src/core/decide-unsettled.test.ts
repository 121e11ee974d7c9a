// The sequential judge's step timeout while the metrics still lag behind the window (scrape lag after a weight change).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from './decide.js';
import { Phase } from './phase.js';
import { makeCanary, observe, window } from './testing/fixtures.js';
import type { RolloutStatus } from './status.js';

const canary = makeCanary({ analysis: { judge: 'sequential', minSoak: '1s', stepTimeout: '2s' } });
const T0 = Date.parse('2026-01-01T00:00:00Z');

function progressing(): RolloutStatus {
  let status = decide(canary, undefined, observe(0), T0).status;
  status = decide(canary, status, observe(0), T0).status;
  assert.equal(status.phase, Phase.Progressing);
  return status;
}

test('unsettled counts are "not yet measurable", and the step timeout waits for them (up to twice as long)', () => {
  const status = progressing();
  const unsettled = { ...window(0, 0), settled: false };
  const waiting = decide(canary, status, observe(20, { window: unsettled }), T0 + 2500);
  assert.equal(waiting.status.phase, Phase.Progressing, waiting.reason);
  assert.match(waiting.reason, /step 1 at 20%: not yet measurable: waiting for the metrics to cover the window \(scrape lag\)/);
  const givenUp = decide(canary, status, observe(20, { window: unsettled }), T0 + 4500);
  assert.equal(givenUp.status.phase, Phase.Paused);
  assert.match(givenUp.reason, /step timeout reached with no canary traffic in this step/);
});
