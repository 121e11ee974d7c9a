import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateError, ValidationError } from '../../errors.js';
import { buildJudgeConfig, DEFAULT_BUCKET_BOUNDS, type JudgeParams } from './config.js';
import { decideSequential, judgeSequential } from './sequential-judgment.js';
import { initSequentialJudge, updateSequentialJudge, type SequentialJudgeState } from './sequential-state.js';
import { createRandom, trialSeed } from './simulation/prng.js';
import { runTrial, sequentialEntry, thresholdEntry } from './simulation/race.js';
import { createTrafficSimulator, type ArmModel, type TrafficModel } from './simulation/traffic.js';
import { Decision, Metric, Verdict, type TickInput } from './types.js';

const good: ArmModel = { errorRate: 0.005, latencyMedianS: 0.05, latencySigma: 0.5, disagreement: 0.005 };
const model = (overrides: Partial<TrafficModel> = {}): TrafficModel => ({
  requestsPerSecond: 100, canaryShare: 0.2, bucketBounds: DEFAULT_BUCKET_BOUNDS, primary: good, canary: good, ...overrides,
});

function falseRollbacks(options: { params: JudgeParams; traffic: TrafficModel; runs: number; horizonS: number; seed: number }): number {
  const judges = [sequentialEntry('sequential', options.params)];
  let count = 0;
  for (let i = 0; i < options.runs; i++) {
    const [outcome] = runTrial({ model: options.traffic, judges, horizonS: options.horizonS, seed: trialSeed(options.seed, i) });
    if (outcome?.rollbackAtS !== null) count += 1;
  }
  return count;
}

test('validity: an equal canary is rolled back at most α of the time, however long it is watched', () => {
  // α = 0.1 so the rate is measurable in few runs; the bound allows 2 standard errors above α.
  const runs = 150;
  const cases: { name: string; params: JudgeParams; traffic: TrafficModel }[] = [
    { name: 'error rate, 5% on both arms', params: { maxFalseRollback: 0.1, metrics: [Metric.ErrorRate] }, traffic: model({ primary: { ...good, errorRate: 0.05 }, canary: { ...good, errorRate: 0.05 } }) },
    { name: 'latency histograms', params: { maxFalseRollback: 0.1, metrics: [Metric.Latency] }, traffic: model() },
    { name: 'mirrored disagreement at d0', params: { maxFalseRollback: 0.1, metrics: [Metric.Disagreement] }, traffic: model({ canary: { ...good, disagreement: 0.01 }, mirroredPerSecond: 20 }) },
  ];
  for (const { name, params, traffic } of cases) {
    const count = falseRollbacks({ params, traffic, runs, horizonS: 240, seed: 7 });
    assert.ok(count / runs <= 0.1 + 2 * Math.sqrt((0.1 * 0.9) / runs), `${name}: ${count}/${runs} false rollbacks`);
  }
});

test('the validity bound has teeth: a mildly worse canary breaks it', () => {
  // 1.5× the primary's error rate is below the detect effect but not "alike": the same count must exceed the bound.
  const runs = 40;
  const traffic = model({ primary: { ...good, errorRate: 0.05 }, canary: { ...good, errorRate: 0.075 } });
  const count = falseRollbacks({ params: { maxFalseRollback: 0.1, metrics: [Metric.ErrorRate] }, traffic, runs, horizonS: 240, seed: 7 });
  assert.ok(count / runs > 0.1 + 2 * Math.sqrt((0.1 * 0.9) / runs), `${count}/${runs}`);
});

test('power: errors 0.5% → 5% at 100 req/s and 20% share are caught within seconds', () => {
  const traffic = model({ canary: { ...good, errorRate: 0.05 } });
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const [outcome] = runTrial({ model: traffic, judges: [sequentialEntry('sequential')], horizonS: 120, seed: trialSeed(3, i), stopWhenAllRolledBack: true });
    times.push(outcome?.rollbackAtS ?? Infinity);
  }
  times.sort((a, b) => a - b);
  assert.ok((times[10] as number) <= 15, `median ${times[10]} s`);
  assert.ok((times[19] as number) <= 60, `slowest ${times[19]} s`);
});

test('power: a 30% slower canary is caught, and a good canary is found promotable', () => {
  const [slow] = runTrial({ model: model({ canary: { ...good, latencyMedianS: 0.065 } }), judges: [sequentialEntry('s')], horizonS: 120, seed: 5, stopWhenAllRolledBack: true });
  assert.ok(slow?.rollbackAtS !== null && slow!.rollbackAtS <= 30, `rolled back at ${slow?.rollbackAtS}`);
  const [fine] = runTrial({ model: model(), judges: [sequentialEntry('s')], horizonS: 600, seed: 5, stopWhenAllDecided: true });
  assert.equal(fine?.rollbackAtS, null);
  assert.ok(fine?.promoteAtS !== null && fine!.promoteAtS <= 600, `promotable at ${fine?.promoteAtS}`);
});

test('an outage on both arms does not roll back an equal canary (a threshold judge does)', () => {
  const traffic = model({ outage: { fromS: 60, toS: 180 } });
  const judges = [sequentialEntry('sequential'), thresholdEntry('threshold 1', { threshold: 1 })];
  let sequential = 0;
  let threshold = 0;
  for (let i = 0; i < 20; i++) {
    const [s, t] = runTrial({ model: traffic, judges, horizonS: 300, seed: trialSeed(17, i) });
    if (s?.rollbackAtS !== null) sequential += 1;
    if (t?.rollbackAtS !== null) threshold += 1;
  }
  assert.ok(sequential <= 1, `sequential: ${sequential}/20`);
  assert.equal(threshold, 20);
});

const empty = { requests: 0, errors: 0, latencyBuckets: [] };
const tickAt = (atMs: number, overrides: Partial<TickInput> = {}): TickInput => ({ atMs, canaryShare: 0.2, primary: empty, canary: empty, ...overrides });

test('no traffic never passes nor fails: inconclusive at the step timeout', () => {
  const config = buildJudgeConfig();
  let state = initSequentialJudge(config);
  const timing = { stepStartedAtMs: 0, minSoakMs: 10_000, stepTimeoutMs: 60_000 };
  for (let t = 1; t <= 120; t++) {
    state = updateSequentialJudge(state, config, tickAt(t * 1000));
    const { decision } = decideSequential(state, config, { ...timing, nowMs: t * 1000 });
    assert.equal(decision, t * 1000 >= 60_000 ? Decision.Inconclusive : Decision.Continue, `t=${t}`);
  }
  const judgment = judgeSequential(state, config, { ...timing, nowMs: 120_000 });
  assert.ok(judgment.metrics.every((m) => m.verdict === Verdict.Inconclusive && m.eValue === 1 && m.pValue === 1));
  assert.match(judgment.reason, /no canary traffic/);
});

test('ticks at ρ = 0 (primary only) or with the primary alone change no e-value', () => {
  const config = buildJudgeConfig();
  const buckets = new Array<number>(12).fill(1);
  let state = initSequentialJudge(config);
  state = updateSequentialJudge(state, config, tickAt(1000, { canaryShare: 0, primary: { requests: 12, errors: 3, latencyBuckets: buckets } }));
  assert.deepEqual(state.errors.logs, [0, 0, 0, 0]);
  assert.deepEqual(state.latency.shapeLogs, [0, 0, 0, 0, 0, 0]);
  assert.equal(state.latency.referenceTotal, 12, 'but the latency reference learns from the primary');
});

test('the state survives JSON mid-run and gives identical results', () => {
  const config = buildJudgeConfig({ metrics: [Metric.ErrorRate, Metric.Latency, Metric.Disagreement, Metric.MeanAbsDiff] });
  const simulator = createTrafficSimulator(model({ canary: { ...good, errorRate: 0.008, latencyMedianS: 0.055 }, mirroredPerSecond: 5 }), createRandom(99));
  const ticks = Array.from({ length: 300 }, () => simulator.next());
  let straight = initSequentialJudge(config);
  let restarted: SequentialJudgeState = straight;
  ticks.forEach((tick, i) => {
    straight = updateSequentialJudge(straight, config, tick);
    restarted = updateSequentialJudge(restarted, config, tick);
    if (i % 100 === 50) restarted = JSON.parse(JSON.stringify(restarted)) as SequentialJudgeState;
  });
  assert.deepEqual(JSON.parse(JSON.stringify(restarted)), JSON.parse(JSON.stringify(straight)));
  const timing = { nowMs: 300_000, stepStartedAtMs: 0 };
  assert.deepEqual(judgeSequential(restarted, config, timing), judgeSequential(straight, config, timing));
  assert.notEqual(straight.latency.shapeLogs[0], 0, 'the run did move the e-values');
});

test('a replayed tick counts nothing twice', () => {
  const config = buildJudgeConfig();
  const tick = tickAt(1000, { primary: { requests: 80, errors: 1, latencyBuckets: [] }, canary: { requests: 20, errors: 1, latencyBuckets: [] } });
  const once = updateSequentialJudge(initSequentialJudge(config), config, tick);
  assert.equal(updateSequentialJudge(once, config, tick), once);
  assert.equal(updateSequentialJudge(once, config, { ...tick, atMs: 500 }), once);
});

test('sample-ratio guard: when the split is off, verdicts are inconclusive — never pass, never fail', () => {
  // The canary really gets 2% while 20% is in force, and it is also bad: no rollback, no promotion.
  const config = buildJudgeConfig();
  const simulator = createTrafficSimulator(model({ canaryShare: 0.02, canary: { ...good, errorRate: 0.05 } }), createRandom(21));
  let state = initSequentialJudge(config);
  const decisions = new Set<string>();
  for (let t = 1; t <= 120; t++) {
    state = updateSequentialJudge(state, config, { ...simulator.next(), canaryShare: 0.2 });
    decisions.add(decideSequential(state, config, { nowMs: t * 1000, stepStartedAtMs: 0, stepTimeoutMs: 60_000 }).decision);
  }
  assert.ok(state.split.offSinceMs !== null && state.split.offSinceMs <= 10_000, `guard fired at ${state.split.offSinceMs}`);
  assert.ok(!decisions.has(Decision.Rollback) && !decisions.has(Decision.PromoteOk), [...decisions].join());
  const judgment = judgeSequential(state, config, { nowMs: 120_000, stepStartedAtMs: 0 });
  assert.equal(judgment.decision, Decision.Inconclusive);
  assert.match(judgment.reason, /split is off/);
  assert.ok(judgment.metrics.every((m) => m.verdict === Verdict.Inconclusive));
});

test('the guard stays quiet on a correct split across weight changes', () => {
  const config = buildJudgeConfig();
  let state = initSequentialJudge(config);
  let atMs = 0;
  for (const share of [0.1, 0.2, 0.5]) {
    const simulator = createTrafficSimulator(model({ canaryShare: share, startMs: atMs }), createRandom(share * 1000));
    for (let t = 0; t < 120; t++) state = updateSequentialJudge(state, config, simulator.next());
    atMs += 120_000;
  }
  assert.equal(state.split.offSinceMs, null);
  assert.equal(state.split.share, 0.5, 'the test restarts with each share');
  assert.ok(Math.abs(state.canaryRequests / state.expectedCanaryRequests - 1) < 0.05);
});

test('promotion waits for the minimum soak and needs traffic in the step; the step timeout promotes with no alarm', () => {
  const config = buildJudgeConfig();
  const simulator = createTrafficSimulator(model(), createRandom(4));
  let state = initSequentialJudge(config);
  for (let t = 0; t < 900; t++) state = updateSequentialJudge(state, config, simulator.next());
  const judgment = judgeSequential(state, config, { nowMs: 900_000, stepStartedAtMs: 0, minSoakMs: 60_000 });
  assert.equal(judgment.decision, Decision.PromoteOk, judgment.reason);
  assert.ok(judgment.metrics.every((m) => m.verdict === Verdict.Pass));
  assert.equal(decideSequential(state, config, { nowMs: 900_000, stepStartedAtMs: 0, minSoakMs: 1_000_000 }).decision, Decision.Continue);
  assert.equal(decideSequential(state, config, { nowMs: 960_000, stepStartedAtMs: 900_000 }).decision, Decision.Continue, 'a new step with no traffic yet');

  // Errors at 0 on both arms: error rate can never pass, so only the timeout promotes.
  const quiet = createTrafficSimulator(model({ primary: { ...good, errorRate: 0 }, canary: { ...good, errorRate: 0 } }), createRandom(5));
  let q = initSequentialJudge(config);
  for (let t = 0; t < 300; t++) q = updateSequentialJudge(q, config, quiet.next());
  assert.equal(decideSequential(q, config, { nowMs: 300_000, stepStartedAtMs: 0, stepTimeoutMs: 600_000 }).decision, Decision.Continue);
  const timedOut = decideSequential(q, config, { nowMs: 300_000, stepStartedAtMs: 0, stepTimeoutMs: 300_000 });
  assert.deepEqual(timedOut, { decision: Decision.PromoteOk, reason: 'step timeout reached with no alarm' });
});

test('a rollback verdict names the metric and its always-valid p-value', () => {
  const config = buildJudgeConfig();
  const simulator = createTrafficSimulator(model({ canary: { ...good, errorRate: 0.2 } }), createRandom(8));
  let state = initSequentialJudge(config);
  for (let t = 0; t < 30; t++) state = updateSequentialJudge(state, config, simulator.next());
  const judgment = judgeSequential(state, config, { nowMs: 30_000, stepStartedAtMs: 0 });
  assert.equal(judgment.decision, Decision.Rollback);
  const errorRate = judgment.metrics.find((m) => m.metric === Metric.ErrorRate)!;
  assert.equal(errorRate.verdict, Verdict.Fail);
  assert.equal(errorRate.threshold, 200);
  assert.ok(errorRate.pValue < 0.005 && Math.abs(errorRate.pValue * errorRate.eValue - 1) < 1e-9);
  assert.match(judgment.reason, /error-rate/);
  assert.ok(state.alarms[Metric.ErrorRate] !== undefined);
});

test('bad ticks and mismatched state are refused with a clear error', () => {
  const config = buildJudgeConfig();
  const state = initSequentialJudge(config);
  assert.throws(() => updateSequentialJudge(state, config, tickAt(1, { canaryShare: 1.5 })), (e: unknown) => e instanceof ValidationError && e.issues[0]?.path === 'tick.canaryShare');
  assert.throws(() => updateSequentialJudge(state, config, tickAt(1, { canary: { requests: -1, errors: 0, latencyBuckets: [] } })), (e: unknown) => e instanceof ValidationError && e.issues[0]?.path === 'tick.canary.requests');
  assert.throws(() => updateSequentialJudge(state, config, tickAt(1, { primary: { requests: 1, errors: 0, latencyBuckets: [1, 0] } })), (e: unknown) => e instanceof ValidationError && e.issues[0]?.path === 'tick.primary.latencyBuckets');
  const other = buildJudgeConfig({ bucketBounds: [0.1, 1] });
  assert.throws(() => updateSequentialJudge(state, other, tickAt(1)), StateError);
});
