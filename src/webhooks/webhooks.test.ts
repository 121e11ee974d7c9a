import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parseModelCanary } from '../core/validate.js';
import { Phase } from '../core/phase.js';
import type { RolloutStatus } from '../core/status.js';
import { RolloutEngine } from '../engine/engine.js';
import type { MetricProvider } from '../metrics/types.js';
import type { RouterObservation, TrafficRouter } from '../routers/types.js';
import { callWebhook } from './webhooks.js';
import { WebhookGates } from './webhook-gates.js';

interface Received { path: string; body: Record<string, unknown> }

/** A webhook receiver on a real socket: answers each path with the status the test sets. */
class Receiver {
  readonly received: Received[] = [];
  readonly answers = new Map<string, number | 'hang'>();
  private server: Server | undefined;
  url = '';
  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (c: Buffer) => { text += c.toString(); });
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
        const answer = this.answers.get(req.url ?? '') ?? 200;
        if (answer === 'hang') return;
        res.writeHead(answer).end(answer >= 300 ? 'not yet' : 'ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
  paths(): string[] { return this.received.map((r) => r.path); }
}

function canaryWith(url: string, failureLimit = 1) {
  return parseModelCanary({
    apiVersion: 'kcanary.io/v1alpha1', kind: 'ModelCanary', metadata: { name: 'sklearn', namespace: 'models' },
    spec: {
      router: 'istio',
      predictor: { model: { storageUri: 'gs://m/1' } }, canary: { storageUri: 'gs://m/2' },
      rollout: { steps: [50, 100], interval: '10s' },
      analysis: { judge: 'threshold', failureLimit, minRequests: 0, metrics: [{ name: 'error-rate', max: 5 }] },
      webhooks: [
        { name: 'smoke', type: 'pre-rollout', url: `${url}/pre`, timeout: '1s' },
        { name: 'load', type: 'rollout', url: `${url}/load`, timeout: '1s', metadata: { rps: '10' } },
        { name: 'approve', type: 'confirm-promotion', url: `${url}/confirm`, timeout: '1s' },
        { name: 'notify', type: 'post-rollout', url: `${url}/post`, timeout: '1s' },
      ],
    },
  }).canary;
}

class FakeRouter implements TrafficRouter {
  readonly name = 'istio' as const;
  weight = 0;
  promoted = false;
  calls: string[] = [];
  async ensureVariants() { this.calls.push('ensure'); }
  async setWeight(_c: unknown, w: number) { this.calls.push(`weight ${w}`); this.weight = w; }
  async promote() { this.calls.push('promote'); this.promoted = true; this.weight = 0; }
  async rollback() { this.calls.push('rollback'); this.weight = 0; }
  async close() {}
  async observe(): Promise<RouterObservation> {
    return { primary: { ready: true }, canary: { ready: true }, canaryWeight: this.weight, promoted: this.promoted, rolledBack: !this.promoted && this.weight === 0 };
  }
}

const healthy: MetricProvider = {
  startWindow() {},
  async measure(now) {
    return { fromMs: 0, toMs: now, bucketBounds: [1], primary: { requests: 100, errors: 0, latencyBuckets: [100, 0] }, canary: { requests: 100, errors: 0, latencyBuckets: [100, 0] }, mirrored: [], custom: {} };
  },
};

describe('webhooks on a real socket', () => {
  const receiver = new Receiver();
  before(() => receiver.start());
  after(() => receiver.stop());

  it('POSTs a JSON description of the canary; non-2xx and timeouts fail', async () => {
    const canary = canaryWith(receiver.url);
    const hook = canary.spec.webhooks[1]!;
    const payload = { name: 'sklearn', namespace: 'models', type: 'rollout' as const, phase: Phase.Progressing, canaryWeight: 50, stableStorageUri: 'gs://m/1', canaryStorageUri: 'gs://m/2', checksum: 'abc', metadata: {} };
    assert.deepEqual(await callWebhook(hook, payload), { name: 'load', type: 'rollout', ok: true, message: 'HTTP 200' });
    assert.deepEqual(receiver.received.at(-1)!.body, { ...payload, metadata: { rps: '10' } });
    receiver.answers.set('/load', 503);
    assert.deepEqual(await callWebhook(hook, payload), { name: 'load', type: 'rollout', ok: false, message: 'HTTP 503: not yet' });
    receiver.answers.set('/load', 'hang');
    const slow = await callWebhook({ ...hook, timeout: 150 }, payload);
    assert.equal(slow.ok, false);
    assert.match(slow.message, /no answer within 150 ms/);
    const gone = await callWebhook({ ...hook, url: 'http://127.0.0.1:1/' }, payload);
    assert.equal(gone.ok, false);
    assert.match(gone.message, /unreachable/);
    receiver.answers.clear();
  });

  it('gates the first traffic and the promotion, runs rollout hooks per interval and post-rollout once', async () => {
    receiver.received.length = 0;
    const canary = canaryWith(receiver.url);
    let now = Date.parse('2026-01-01T00:00:00Z');
    let saved: RolloutStatus | undefined;
    const router = new FakeRouter();
    const gates = new WebhookGates({ canary, specHash: 'h', clock: () => now });
    const engine = new RolloutEngine({
      canary, specHash: 'h', router: gates.wrap(router), metrics: healthy, clock: () => now,
      store: { load: async () => saved, save: async (s) => { saved = s; } },
    });
    const tick = async () => {
      const before = saved;
      assert.equal(await gates.beforeTick(saved), undefined);
      const result = await engine.tick();
      await gates.afterTick(before, saved);
      now += 11_000;
      return result;
    };
    receiver.answers.set('/pre', 500);
    receiver.answers.set('/confirm', 403);
    await tick(); // Pending → ensure variants
    const refused = await tick(); // Progressing at 50%: the pre-rollout hook refuses
    assert.match(refused.errors[0]?.error.message ?? '', /pre-rollout webhook smoke: HTTP 500/);
    assert.equal(router.weight, 0, 'no traffic reaches the canary before pre-rollout passes');
    receiver.answers.set('/pre', 200);
    for (let i = 0; i < 8 && saved?.phase !== Phase.Promoting; i++) await tick();
    assert.equal(router.weight, 100);
    assert.equal(saved?.phase, Phase.Promoting);
    const held = await tick();
    assert.match(held.errors[0]?.error.message ?? '', /confirm-promotion webhook approve: HTTP 403/);
    assert.equal(router.promoted, false, 'the gate holds the promotion');
    receiver.answers.set('/confirm', 200);
    const phaseNow = (): string | undefined => saved?.phase;
    for (let i = 0; i < 4 && phaseNow() !== Phase.Succeeded; i++) await tick();
    assert.equal(saved?.phase, Phase.Succeeded);
    await tick();
    const paths = receiver.paths();
    assert.ok(paths.includes('/load'), 'rollout hooks ran while progressing');
    assert.deepEqual(paths.filter((p) => p === '/post'), ['/post'], 'post-rollout runs once');
    assert.ok(paths.indexOf('/pre') < paths.indexOf('/load') && paths.lastIndexOf('/confirm') < paths.indexOf('/post'));
    receiver.answers.clear();
  });

  it('rolls back after more failed rollout hooks than the failure limit', async () => {
    const canary = canaryWith(receiver.url, 1);
    let now = 0;
    const gates = new WebhookGates({ canary, specHash: 'h', clock: () => now });
    const progressing = { phase: Phase.Progressing, canaryWeight: 50 } as RolloutStatus;
    receiver.answers.set('/load', 500);
    assert.equal(await gates.beforeTick(progressing), undefined, 'one failure is tolerated');
    assert.equal(await gates.beforeTick(progressing), undefined, 'not run again within the interval');
    now += 10_000;
    assert.match(await gates.beforeTick(progressing) ?? '', /rollout webhooks failed 2 time\(s\): rollout webhook load: HTTP 500/);
    receiver.answers.clear();
  });
});
