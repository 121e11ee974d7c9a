// The engine driven tick by tick against a recording router: the exact calls, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RolloutEngine } from './engine.js';
import type { RolloutStatus } from '../core/status.js';
import type { RouterContext, RouterObservation, TrafficRouter } from '../routers/types.js';
import type { MetricProvider } from '../metrics/types.js';
import { makeCanary, window } from '../core/testing/fixtures.js';
import { DEFAULT_BUCKETS_SECONDS, emptyCounts, type WindowMeasurement } from '../core/measurement.js';

class RecordingRouter implements TrafficRouter {
  readonly name = 'local' as const;
  calls: string[] = [];
  weight = 0;
  ready = true;
  promoted = false;
  failNext: string | undefined;
  constructor(private readonly log: string[]) {}
  private record(call: string): void {
    this.log.push(call);
    if (this.failNext === call.split(' ')[0]) {
      this.failNext = undefined;
      throw new Error(`${call} refused`);
    }
  }
  async ensureVariants(): Promise<void> { this.record('ensure-variants'); }
  async setWeight(_ctx: RouterContext, w: number): Promise<void> { this.record(`set-weight ${w}`); this.weight = w; }
  async promote(ctx: RouterContext): Promise<void> { this.record(`promote ${ctx.canaryStorageUri}`); this.promoted = true; this.weight = 0; }
  async rollback(): Promise<void> { this.record('rollback'); }
  async close(): Promise<void> {}
  async observe(): Promise<RouterObservation> {
    return { primary: { ready: this.ready }, canary: { ready: this.ready }, canaryWeight: this.weight, promoted: this.promoted, rolledBack: this.weight === 0 };
  }
}

function setup(canary = makeCanary()) {
  const log: string[] = [];
  const router = new RecordingRouter(log);
  const saved: RolloutStatus[] = [];
  let now = Date.parse('2026-01-01T00:00:00Z');
  const metrics: MetricProvider = { startWindow: (at) => { log.push(`window ${(at - Date.parse('2026-01-01T00:00:00Z')) / 1000}s`); }, measure: async () => window(50, 0) };
  const engine = new RolloutEngine({
    canary, specHash: 'h1', router, metrics, clock: () => now,
    store: { load: async () => saved.at(-1), save: async (s) => { log.push(`save ${s.phase} ${s.canaryWeight}`); saved.push(s); } },
  });
  return { engine, router, log, saved, advance: (seconds: number) => { now += seconds * 1000; } };
}

test('the engine persists each new status before acting on it, and walks the whole rollout', async () => {
  const { engine, log, advance } = setup();
  await engine.tick();
  advance(1); await engine.tick();
  for (let i = 0; i < 3; i++) { advance(10); await engine.tick(); }
  advance(1); await engine.tick();
  assert.deepEqual(log, [
    'save Pending 0', 'ensure-variants',
    'save Progressing 20', 'window 1s', 'set-weight 20',
    'save Progressing 50', 'window 11s', 'set-weight 50',
    'save Progressing 100', 'window 21s', 'set-weight 100',
    'save Promoting 100', 'window 31s', 'promote file://v2',
    'save Succeeded 0',
  ]);
});

test('a failed action is retried on the next tick, and later actions wait for it', async () => {
  const { engine, router, log, advance } = setup();
  await engine.tick();
  router.failNext = 'set-weight';
  advance(1);
  const failed = await engine.tick();
  assert.equal(failed.errors.length, 1);
  assert.match(failed.errors[0]!.error.message, /set-weight 20 refused/);
  assert.equal(router.weight, 0);
  advance(1);
  const retried = await engine.tick();
  assert.deepEqual(retried.decision.actions, [{ type: 'set-weight', weight: 20 }]);
  assert.equal(router.weight, 20);
  assert.equal(log.filter((l) => l === 'set-weight 20').length, 2);
});

test('commands go through the same persist-then-act path; refusals and no-ops change nothing', async () => {
  const { engine, router, log, saved, advance } = setup();
  assert.deepEqual(await engine.command({ type: 'pause' }), { ok: false, reason: 'the rollout has not started yet' });
  await engine.tick(); advance(1); await engine.tick();
  const set = await engine.command({ type: 'set-weight', weight: 35 });
  assert.ok(set.ok);
  assert.equal(router.weight, 35);
  // Persist, act, then record the weight the router reports in force, for what is shown next.
  assert.deepEqual(log.slice(-3), ['save Paused 35', 'set-weight 35', 'save Paused 35']);
  assert.equal(saved.at(-1)?.observedWeight, 35);
  const count = saved.length;
  const calls = log.length;
  const refused = await engine.command({ type: 'set-weight', weight: 101 });
  assert.equal(refused.ok, false);
  const noOp = await engine.command({ type: 'pause' });
  assert.ok(noOp.ok, 'pausing a paused rollout succeeds');
  assert.match(noOp.reason, /already paused: nothing changed/);
  assert.equal(saved.length, count, 'neither a refusal nor a no-op saves anything');
  assert.equal(log.length, calls, 'nor acts');
});

test('paused time does not count: a step judged before a long pause neither passes nor times out just after resume', async () => {
  const T0 = Date.parse('2026-01-01T00:00:00Z');
  const canary = makeCanary({ analysis: { judge: 'sequential', minSoak: '5s', stepTimeout: '20s' }, rollout: { steps: [20, 50, 100], interval: '10s' } });
  const { engine, router, log, advance } = setup(canary);
  // The gateway's counters: 100 requests a second at the weight in force, counted from the window's start.
  let windowStart = T0;
  let servedUntil = T0;
  const engineMetrics = (engine as unknown as { options: { metrics: MetricProvider } }).options.metrics;
  engineMetrics.startWindow = (at) => { windowStart = at; log.push(`window ${(at - T0) / 1000}s`); };
  engineMetrics.measure = async (nowMs) => {
    const seconds = Math.max(0, (Math.min(nowMs, servedUntil) - windowStart) / 1000);
    const counts = (n: number) => {
      const empty = emptyCounts(DEFAULT_BUCKETS_SECONDS.length);
      return { ...empty, requests: Math.round(n), latencyBuckets: empty.latencyBuckets.map((_, i) => (i === 1 ? Math.round(n) : 0)) };
    };
    return { ...window(0, 0), fromMs: windowStart, toMs: nowMs, primary: counts(80 * seconds), canary: counts(20 * seconds) };
  };
  await engine.tick(); advance(1); await engine.tick();
  assert.equal(router.weight, 20);
  servedUntil = T0 + 4000;
  for (let i = 0; i < 3; i++) { advance(1); await engine.tick(); }
  assert.ok((await engine.command({ type: 'pause' })).ok);
  advance(300);
  const resumed = await engine.command({ type: 'resume' });
  assert.ok(resumed.ok);
  assert.equal(log.at(-1), 'window 304s', 'the analysis window restarts at the resume');
  servedUntil = T0 + 10_000_000;
  advance(0.7);
  const first = await engine.tick();
  assert.equal(first.decision.status.phase, 'Progressing', first.decision.reason);
  assert.equal(first.decision.status.stepIndex, 0, first.decision.reason);
  for (let i = 0; i < 3; i++) { advance(1); await engine.tick(); }
  const later = await engine.tick();
  assert.deepEqual([later.decision.status.phase, later.decision.status.stepIndex], ['Progressing', 0], 'the soak runs from the resume');
});

test('a reading that cannot be taken or makes no sense is a measurement problem, never a judge error', async () => {
  const log: string[] = [];
  const router = new RecordingRouter(log);
  const saved: RolloutStatus[] = [];
  let now = Date.parse('2026-01-01T00:00:00Z');
  const good = window(50, 0);
  const readings: WindowMeasurement[] = [
    good,
    // What Prometheus gave when the canary's histogram did not exist yet: no buckets at all.
    { ...good, bucketBounds: [], primary: { requests: 0, errors: 0, latencyBuckets: [0] }, canary: { requests: 0, errors: 0, latencyBuckets: [0] }, unavailable: 'no samples for sklearn-canary-predictor latency: sum by (le) (…)' },
    // A bucket count that went backwards between two readings of the same window.
    { ...good, canary: { ...good.canary, requests: 60, latencyBuckets: good.canary.latencyBuckets.map((n, i) => (i === 1 ? n - 5 : n)) }, queries: ['sum by (le) (x_bucket)'] },
    { ...window(70, 0) },
  ];
  let reads = 0;
  const metrics: MetricProvider = { startWindow: () => undefined, measure: async () => readings[Math.min(reads++, readings.length - 1)]! };
  const engine = new RolloutEngine({
    canary: makeCanary({ analysis: { judge: 'sequential' } }), specHash: 'h1', router, metrics, clock: () => now,
    store: { load: async () => saved.at(-1), save: async (s) => { saved.push(s); } },
  });
  await engine.tick();
  now += 1000; await engine.tick(); // Progressing at 20%
  now += 1000;
  const first = await engine.tick();
  assert.equal(first.measurementProblem, undefined);
  now += 1000;
  const missing = await engine.tick();
  assert.match(missing.measurementProblem ?? '', /no samples for sklearn-canary-predictor latency: sum by \(le\)/);
  assert.match(missing.decision.reason, /no measurement this tick \(no samples for sklearn-canary-predictor latency/);
  now += 1000;
  const backwards = await engine.tick();
  assert.match(backwards.measurementProblem ?? '', /canary\.latencyBuckets must be non-negative counts.*queries: sum by \(le\) \(x_bucket\)/);
  now += 1000;
  const recovered = await engine.tick();
  assert.equal(recovered.measurementProblem, undefined);
  const judge = saved.at(-1)!.judge as { canaryRequests: number; primaryRequests: number };
  assert.deepEqual([judge.canaryRequests, judge.primaryRequests], [70, 280], 'the good readings counted once each, the bad ones not at all');
  assert.equal(saved.at(-1)!.phase, 'Progressing');
});
