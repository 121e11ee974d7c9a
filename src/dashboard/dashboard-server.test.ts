// The control server's dashboard side (page, metrics, event stream, origin checks) over real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../core/commands.js';
import { Phase } from '../core/phase.js';
import type { RolloutStatus } from '../core/status.js';
import type { MetricsFeed, PointListener } from './live-metrics.js';
import type { MetricsPoint } from './metrics-series.js';
import { CONTENT_SECURITY_POLICY, StaticAssets } from './static-assets.js';
import { send } from '../gateway/testing/upstreams.js';
import { SseParser } from './sse-parser.js';
import { startControlServer } from '../local/control-server.js';
import type { RolloutSnapshot } from '../local/snapshot.js';

const TOKEN = 'a'.repeat(48);
const AUTH = { authorization: `Bearer ${TOKEN}` };

function snapshotAt(weight: number, phase: RolloutStatus['phase'] = Phase.Progressing): RolloutSnapshot {
  const at = new Date(0).toISOString();
  return {
    name: 'housing', modelName: 'housing', router: 'local', steps: [20, 50, 100], gateway: 'http://127.0.0.1:1', running: true, observation: null, lastReason: '',
    status: {
      phase, stepIndex: 0, canaryWeight: weight, observedWeight: weight, gated: false, stepStartedAt: at, windowStartedAt: at, waitingSince: null, failures: 0, inconclusives: 0,
      message: '', lastAnalysis: null, judge: null, history: [], specHash: '', stableStorageUri: 'file://v1', canaryStorageUri: 'file://v2', startedAt: at, updatedAt: at,
    },
  };
}

class TestFeed implements MetricsFeed {
  readonly listeners = new Set<PointListener>();
  readonly point: MetricsPoint = { t: 5000, primary: { rps: 8, errorPercent: 0, p50Ms: 3, p99Ms: 9 }, canary: { rps: 2, errorPercent: 50, p50Ms: 4, p99Ms: 12 }, agreementPercent: null };
  readonly totals = { primary: { requests: 80, errors: 0 }, canary: { requests: 20, errors: 10 }, mirror: { pairs: 0, agreeing: 0 } };
  history() {
    return { intervalMs: 1000, bucketBounds: [0.1], points: [this.point], totals: this.totals };
  }
  onPoint(listener: PointListener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

async function start(options: { withAssets?: boolean; metrics?: MetricsFeed } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'kcanary-web-'));
  if (options.withAssets !== false) {
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>kcanary</title><script type="module" src="app.js"></script>');
    await writeFile(join(dir, 'app.js'), 'console.log(1)');
  }
  let snapshot = snapshotAt(20);
  const commands: Command[] = [];
  const server = await startControlServer({
    token: TOKEN,
    assets: await StaticAssets.load(dir),
    handlers: {
      snapshot: () => snapshot,
      command: async (command) => {
        commands.push(command);
        if (command.type === 'set-weight') snapshot = snapshotAt(command.weight, Phase.Paused);
        return command.type === 'resume' ? { ok: false, reason: 'cannot resume a rollout that is Progressing' } : { ok: true, reason: `did ${command.type}` };
      },
      ...(options.metrics ? { metrics: options.metrics } : {}),
    },
  });
  return { server, commands, setSnapshot: (s: RolloutSnapshot) => { snapshot = s; } };
}

test('the page is served without the token, locked down; the API is not', async () => {
  const { server } = await start();
  try {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(page.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.match(await page.text(), /<title>kcanary<\/title>/);
    const script = await fetch(`${server.url}/app.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);

    const info = await fetch(`${server.url}/api/v1/info`, { headers: AUTH });
    assert.deepEqual(await info.json(), { kind: 'local' }, 'the page learns it talks to a local rollout');
    for (const path of ['/api/v1/info', '/api/v1/status', '/api/v1/metrics', '/api/v1/events', '/../package.json']) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 401, path);
      await response.body?.cancel();
    }
    const wrong = await fetch(`${server.url}/api/v1/status`, { headers: { authorization: `Bearer ${'b'.repeat(48)}` } });
    assert.equal(wrong.status, 401);
    const refused = await fetch(`${server.url}/api/v1/commands`, { method: 'POST', body: '{"type":"promote"}' });
    assert.equal(refused.status, 401);
  } finally {
    await server.close();
  }
});

test('another Host (DNS rebinding) gets nothing, not even the page', async () => {
  const { server } = await start();
  try {
    const page = await send(server.url, { method: 'GET', path: '/', headers: { host: 'evil.example:80' } });
    assert.equal(page.status, 403);
    const api = await send(server.url, { method: 'GET', path: '/api/v1/status', headers: { host: 'evil.example', ...AUTH } });
    assert.equal(api.status, 403);
  } finally {
    await server.close();
  }
});

test('a command from a page of another origin is refused even with the token; the same origin acts', async () => {
  const { server, commands } = await start();
  try {
    const host = new URL(server.url).host;
    const foreign = await send(server.url, { path: '/api/v1/commands', headers: { host, origin: 'http://evil.example', ...AUTH, 'content-type': 'application/json' }, body: '{"type":"promote"}' });
    assert.equal(foreign.status, 403);
    const crossSite = await send(server.url, { path: '/api/v1/commands', headers: { host, 'sec-fetch-site': 'cross-site', ...AUTH }, body: '{"type":"promote"}' });
    assert.equal(crossSite.status, 403);
    assert.deepEqual(commands, []);

    const same = await send(server.url, { path: '/api/v1/commands', headers: { host, origin: server.url, ...AUTH }, body: '{"type":"set-weight","weight":40}' });
    assert.equal(same.status, 200);
    const reply = JSON.parse(same.body) as { ok: boolean; reason: string; snapshot: RolloutSnapshot };
    assert.equal(reply.ok, true);
    assert.equal(reply.snapshot.status.canaryWeight, 40, 'the reply carries the new state');
    const refusedByPhase = await send(server.url, { path: '/api/v1/commands', headers: { host, ...AUTH }, body: '{"type":"resume"}' });
    assert.equal(refusedByPhase.status, 409);
    assert.match(refusedByPhase.body, /cannot resume/);
    assert.deepEqual(commands, [{ type: 'set-weight', weight: 40 }, { type: 'resume' }]);
  } finally {
    await server.close();
  }
});

test('metrics: the recent history, and each new point on the event stream after the snapshot', async () => {
  const feed = new TestFeed();
  const { server, setSnapshot } = await start({ metrics: feed });
  const abort = new AbortController();
  try {
    const history = await (await fetch(`${server.url}/api/v1/metrics`, { headers: AUTH })).json() as { points: MetricsPoint[] };
    assert.deepEqual(history.points, [feed.point]);

    const stream = await fetch(`${server.url}/api/v1/events`, { headers: AUTH, signal: abort.signal });
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    const next = async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        const events = parser.push(value);
        if (events.length) return events;
      }
    };
    const [first] = await next();
    assert.equal((JSON.parse(first!.data) as RolloutSnapshot).status.canaryWeight, 20);

    for (const listener of feed.listeners) listener(feed.point, feed.totals);
    const [metrics] = await next();
    assert.equal(metrics!.event, 'metrics');
    assert.deepEqual(JSON.parse(metrics!.data), { point: feed.point, totals: feed.totals });

    setSnapshot(snapshotAt(50));
    server.publish();
    const [changed] = await next();
    assert.equal(changed!.event, 'message');
    assert.equal((JSON.parse(changed!.data) as RolloutSnapshot).status.canaryWeight, 50);

    // A change nobody published (the observed weight catching up) still reaches the page.
    setSnapshot(snapshotAt(60));
    const [unpublished] = await next();
    assert.equal((JSON.parse(unpublished!.data) as RolloutSnapshot).status.canaryWeight, 60);
  } finally {
    abort.abort();
    await server.close();
  }
  assert.equal(feed.listeners.size, 0, 'closing unsubscribes from the feed');
});

test('without a built page or a metrics feed, the answers say so', async () => {
  const { server } = await start({ withAssets: false });
  try {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 404);
    assert.match(await page.text(), /not built/);
    const metrics = await fetch(`${server.url}/api/v1/metrics`, { headers: AUTH });
    assert.equal(metrics.status, 404);
    assert.match(await metrics.text(), /no live metrics/);
  } finally {
    await server.close();
  }
});
