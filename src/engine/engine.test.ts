// The engine driven tick by tick against a recording router: the exact calls, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RolloutEngine } from './engine.js';
import type { RolloutStatus } from '../core/status.js';
import type { RouterContext, RouterObservation, TrafficRouter } from '../routers/types.js';
import type { MetricProvider } from '../metrics/types.js';
import { makeCanary, window } from '../core/testing/fixtures.js';

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

function setup() {
  const log: string[] = [];
  const router = new RecordingRouter(log);
  const saved: RolloutStatus[] = [];
  let now = Date.parse('2026-01-01T00:00:00Z');
  const metrics: MetricProvider = { startWindow: (at) => { log.push(`window ${(at - Date.parse('2026-01-01T00:00:00Z')) / 1000}s`); }, measure: async () => window(50, 0) };
  const engine = new RolloutEngine({
    canary: makeCanary(), specHash: 'h1', router, metrics, clock: () => now,
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

test('commands go through the same persist-then-act path, and refusals change nothing', async () => {
  const { engine, router, log, saved, advance } = setup();
  assert.deepEqual(await engine.command({ type: 'pause' }), { ok: false, reason: 'the rollout has not started yet' });
  await engine.tick(); advance(1); await engine.tick();
  const set = await engine.command({ type: 'set-weight', weight: 35 });
  assert.ok(set.ok);
  assert.equal(router.weight, 35);
  assert.deepEqual(log.slice(-2), ['save Paused 35', 'set-weight 35']);
  const count = saved.length;
  const refused = await engine.command({ type: 'pause' });
  assert.equal(refused.ok, false);
  assert.equal(saved.length, count);
});
