import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../errors.js';
import { buildThresholdJudgeConfig, initThresholdJudge, judgeThreshold, updateThresholdJudge, type ThresholdJudgeState } from './threshold-judge.js';
import { Decision, Verdict, type TickInput } from './types.js';

const config = buildThresholdJudgeConfig({ threshold: 2, iterations: 3, maxErrorRatePercent: 1, maxLatencyMs: 500 });
const buckets = (k: number, n: number) => Array.from({ length: 12 }, (_, i) => (i === k ? n : 0));
const tick = (atMs: number, requests: number, errors: number, bucket = 4): TickInput => ({
  atMs, canaryShare: 0.2, primary: { requests: 0, errors: 0, latencyBuckets: [] }, canary: { requests, errors, latencyBuckets: buckets(bucket, requests) },
});

function feed(state: ThresholdJudgeState, ticks: TickInput[]): ThresholdJudgeState {
  return ticks.reduce((s, t) => updateThresholdJudge(s, config, t), state);
}

test('one check per interval, on the interval\'s own counts', () => {
  let state = initThresholdJudge(config, 0);
  state = feed(state, [tick(30_000, 100, 0), tick(59_000, 100, 1)]);
  assert.equal(state.passedChecks + state.failedChecks, 0, 'the interval is not over');
  state = feed(state, [tick(60_000, 100, 1)]);
  assert.equal(state.passedChecks, 1);
  const [errorRate, latency] = state.lastChecks;
  assert.equal(errorRate?.value, (100 * 2) / 300);
  assert.equal(errorRate?.verdict, Verdict.Pass);
  assert.equal(latency?.metric, 'latency-p99');
  assert.ok(Math.abs((latency?.value as number) - 99.5) < 1e-9, 'p99 interpolated in the 50–100 ms bucket');
  assert.equal(judgeThreshold(state, config).decision, Decision.Continue);
});

test('failed checks up to the threshold roll back; "no values" counts as failed', () => {
  let state = initThresholdJudge(config, 0);
  state = feed(state, [tick(60_000, 100, 5)]);
  assert.equal(state.failedChecks, 1);
  assert.match(state.lastChecks[0]?.message ?? '', /5\.00% errors/);
  state = feed(state, [tick(120_000, 0, 0)]);
  assert.equal(state.failedChecks, 2);
  assert.equal(state.lastChecks[0]?.value, null);
  assert.match(state.lastChecks[0]?.message ?? '', /no values/);
  assert.equal(judgeThreshold(state, config).decision, Decision.Rollback);
});

test('a slow p99 fails the check; enough passed checks promote', () => {
  let state = initThresholdJudge(config, 0);
  state = feed(state, [tick(60_000, 100, 0, 7)]);
  assert.equal(state.lastChecks[1]?.verdict, Verdict.Fail, 'p99 in the 0.5–1 s bucket');
  state = feed(state, [tick(120_000, 100, 0), tick(180_000, 100, 0), tick(240_000, 100, 0)]);
  assert.deepEqual([state.failedChecks, state.passedChecks], [1, 3]);
  assert.equal(judgeThreshold(state, config).decision, Decision.PromoteOk);
});

test('replayed ticks are ignored and bad settings are named', () => {
  const state = feed(initThresholdJudge(config, 0), [tick(1000, 10, 0)]);
  assert.equal(updateThresholdJudge(state, config, tick(1000, 10, 0)), state);
  assert.throws(() => buildThresholdJudgeConfig({ threshold: 0 }), (e: unknown) => e instanceof ValidationError && e.issues[0]?.path === 'spec.analysis.threshold');
  assert.throws(() => buildThresholdJudgeConfig({ latencyQuantile: 1 }), ValidationError);
});
