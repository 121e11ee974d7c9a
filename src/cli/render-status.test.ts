import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialStatus } from '../core/decide.js';
import { makeCanary } from '../core/testing/fixtures.js';
import type { RolloutStatus } from '../core/status.js';
import { makeSnapshot } from '../local/snapshot.js';
import { formatMetricValue, renderSnapshot } from './render-status.js';

function render(changes: Partial<RolloutStatus>): string {
  const canary = makeCanary();
  const status = { ...initialStatus(canary, 'h', Date.parse('2026-11-28T12:00:00Z')), ...changes };
  return renderSnapshot(makeSnapshot(canary, status, { gateway: null, running: true, observation: null, lastReason: '' }));
}

test('values are shown in their unit, rounded', () => {
  assert.equal(formatMetricValue(0.52345, '%'), '0.52%');
  assert.equal(formatMetricValue(12.3456, 'ms'), '12.3 ms');
  assert.equal(formatMetricValue(0.0412345, ''), '0.0412');
  assert.equal(formatMetricValue(null, '%'), '–');
});

test('the threshold judge table: value in its unit against its bound, no e-value columns', () => {
  const out = render({ lastAnalysis: { at: '2026-11-28T12:01:00Z', verdict: 'pass', results: [
    { name: 'error-rate', value: 0.5, unit: '%', threshold: '≤ 1%', verdict: 'pass', message: '1 of 200 canary requests failed (0.5%)' },
    { name: 'latency-p99', value: 41.25, unit: 'ms', threshold: '≤ 500ms', verdict: 'pass', message: 'canary p99 ≈ 41ms' },
  ] } });
  assert.match(out, /^ {2}metric +value +bound +verdict +message$/m);
  assert.match(out, /^ {2}error-rate +0\.5% +≤ 1% +pass +1 of 200/m);
  assert.match(out, /^ {2}latency-p99 +41\.3 ms +≤ 500ms +pass/m);
  assert.doesNotMatch(out, /\bE\b/);
});

test('a weight asked for but not yet in force is drawn as it is, and said', () => {
  const out = render({ phase: 'Paused', canaryWeight: 35, observedWeight: 20 });
  assert.match(out, /canary {2}\(20%\)/);
  assert.match(out, /canary weight 35% asked, 20% in force so far/);
});
