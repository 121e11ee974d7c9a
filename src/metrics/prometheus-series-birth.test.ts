// The sequential judge on a real Prometheus whose target behaves like Istio's sidecars: a pod's series
// are born at its first request, and pods are scraped at their own phase (every 1 s, and every 15 s).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeCanary } from '../core/testing/fixtures.js';
import type { WindowMeasurement } from '../core/measurement.js';
import type { RolloutStatus } from '../core/status.js';
import { RolloutEngine } from '../engine/engine.js';
import { WeightOnlyRouter } from '../routers/testing/weight-only-router.js';
import { PrometheusMetrics } from './prometheus.js';
import { MetricsTarget, prometheusBinary, startPrometheus, type TestPrometheus } from './prometheus-test-server.js';
import { IstioPods } from './testing/istio-pods.js';

interface Scenario {
  readonly engine: RolloutEngine;
  readonly router: WeightOnlyRouter;
  readonly primary: string;
  readonly canary: string;
  /** The share the canary really gets, given the weight set. */
  readonly served: (weight: number) => number;
  readonly saved: RolloutStatus[];
  readonly windows: WindowMeasurement[];
  readonly reasons: string[];
  sent: number;
  canarySent: number;
}

function scenario(options: { address: string; namespace: string; steps: number[]; served: (weight: number) => number; clock: () => number }): Scenario {
  const primary = `${options.namespace}-primary-predictor`;
  const canary = `${options.namespace}-canary-predictor`;
  const router = new WeightOnlyRouter();
  const saved: RolloutStatus[] = [];
  const windows: WindowMeasurement[] = [];
  const metrics = new PrometheusMetrics({
    address: options.address, router: 'istio', namespace: options.namespace, name: 'fraud', checks: [],
    variants: () => ({ primary, canary }), windowStartMs: options.clock(), timeoutMs: 5000,
  });
  const measure = metrics.measure.bind(metrics);
  metrics.measure = async (now) => { const w = await measure(now); windows.push(w); return w; };
  const engine = new RolloutEngine({
    canary: makeCanary({ analysis: { judge: 'sequential', minSoak: '30m', stepTimeout: '60m' }, rollout: { steps: options.steps, interval: '30m' } }),
    specHash: 'h1', router, metrics, clock: options.clock,
    store: { load: async () => saved.at(-1), save: async (s) => { saved.push(s); } },
  });
  return { engine, router, primary, canary, served: options.served, saved, windows, reasons: [], sent: 0, canarySent: 0 };
}

/** `count` requests at the share the canary really gets (an exact running split), 1% of them slow. */
function serve(pods: IstioPods, s: Scenario, count: number): void {
  const share = s.served(s.router.weight);
  for (let i = 0; i < count; i++) {
    const toCanary = Math.floor((s.sent + 1) * share) > Math.floor(s.sent * share);
    const arm = toCanary ? s.canarySent : s.sent - s.canarySent;
    pods.serve(toCanary ? s.canary : s.primary, s.sent, arm % 100 === 0 ? 400 : 20 + (arm % 7) * 5);
    s.sent += 1;
    if (toCanary) s.canarySent += 1;
  }
}

async function tick(s: Scenario): Promise<void> {
  const result = await s.engine.tick();
  s.reasons.push(`${result.decision.status.phase} ${result.decision.reason}`);
}

const phases = (s: Scenario) => new Set(s.saved.map((status) => status.phase));
const judgeOf = (s: Scenario) => s.saved.at(-1)!.judge as { split: { canary: number; total: number; offSinceMs: number | null } };

describe('the sample-ratio test on a real Prometheus with series born at first request', { skip: prometheusBinary() ? false : 'prometheus not installed (scripts/setup-test-deps.sh)' }, () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => { for (const stop of stops) await stop(); });

  async function start(scrapeIntervalMs: number): Promise<{ target: MetricsTarget; prometheus: TestPrometheus }> {
    const target = new MetricsTarget();
    target.set('kcanary_test_target_up', {}, 1, 'gauge');
    await target.listen();
    const prometheus = await startPrometheus(target.url, { scrapeIntervalMs });
    stops.push(() => target.close(), () => prometheus.stop());
    return { target, prometheus };
  }

  it('1 s scrapes: a canary at 10% is never paused; one that serves nothing where 50% is set is', async () => {
    const { target, prometheus } = await start(1000);
    const good = scenario({ address: prometheus.address, namespace: 'good', steps: [10, 50], served: (w) => w / 100, clock: Date.now });
    const off = scenario({ address: prometheus.address, namespace: 'off', steps: [50], served: () => 0, clock: Date.now });
    const pods = new IstioPods({ target, namespace: 'good', services: { [good.primary]: 2, [good.canary]: 2 } });
    const offPods = new IstioPods({ target, namespace: 'off', services: { [off.primary]: 2, [off.canary]: 2 } });
    // The primaries served before the rollout: their series exist; the canaries' do not.
    serve(pods, good, 200); serve(offPods, off, 200);
    await prometheus.waitForScrapes(2);
    for (const s of [good, off]) { await tick(s); await tick(s); }
    assert.equal(good.router.weight, 10);
    const startedAt = Date.now();
    for (let i = 1; Date.now() - startedAt < 10_000; i++) {
      await sleep(50);
      serve(pods, good, 5); serve(offPods, off, 5); // 100 requests a second each
      if (i % 20 === 0) await Promise.all([tick(good), tick(off)]);
    }
    assert.deepEqual([...phases(good)], ['Pending', 'Progressing'], good.reasons.join('\n'));
    const split = judgeOf(good).split;
    assert.equal(split.offSinceMs, null);
    assert.ok(Math.abs(split.canary / split.total - 0.1) < 0.03, `the canary counted at ${split.canary} of ${split.total}`);
    assert.ok(good.windows.filter((w) => w.settled).length >= 3, 'the test was armed for half of the run');
    assert.ok(good.windows.every((w) => w.unavailable === undefined), good.windows.map((w) => w.unavailable).join());

    assert.ok(phases(off).has('Paused'), off.reasons.join('\n'));
    assert.match(off.saved.at(-1)!.message, /split is off: the canary served 0\.00% of \d+ requests where 50\.00% was set/);
    assert.ok(!phases(off).has('RollingBack'));
  });

  it('15 s scrapes, each pod at its own phase: the same, played on a virtual clock', async () => {
    // Prometheus scrapes every 100 ms; each pod exposes its sample of the last 15 s scrape with that scrape's timestamp.
    const { target, prometheus } = await start(100);
    let now = Date.now() - 30 * 60_000;
    const clock = () => now;
    const good = scenario({ address: prometheus.address, namespace: 'good', steps: [10, 50], served: (w) => w / 100, clock });
    const off = scenario({ address: prometheus.address, namespace: 'off', steps: [50], served: () => 0, clock });
    const pods = new IstioPods({ target, namespace: 'good', services: { [good.primary]: 3, [good.canary]: 2 }, intervalMs: 15_000 });
    const offPods = new IstioPods({ target, namespace: 'off', services: { [off.primary]: 3, [off.canary]: 2 }, intervalMs: 15_000 });
    const advance = async (ms: number) => {
      for (let t = 0; t < ms; t += 500) {
        now += 500;
        serve(pods, good, 50); serve(offPods, off, 50); // 100 requests a second each
        pods.scrapeUntil(now); offPods.scrapeUntil(now);
        await sleep(50);
      }
    };
    await advance(60_000);
    for (const s of [good, off]) { await tick(s); await tick(s); }
    assert.equal(good.router.weight, 10);
    for (let i = 0; i < 36; i++) {
      await advance(5_000);
      await Promise.all([tick(good), tick(off)]);
    }
    assert.deepEqual([...phases(good)], ['Pending', 'Progressing'], good.reasons.join('\n'));
    const split = judgeOf(good).split;
    assert.equal(split.offSinceMs, null);
    assert.ok(Math.abs(split.canary / split.total - 0.1) < 0.03, `the canary counted at ${split.canary} of ${split.total}`);
    assert.ok(good.windows.filter((w) => w.settled).length >= 20, 'the test was armed for most of the run');

    assert.ok(phases(off).has('Paused'), off.reasons.join('\n'));
    assert.match(off.saved.at(-1)!.message, /split is off: the canary served 0\.00% of \d+ requests where 50\.00% was set/);
  });
});
