import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startGateway } from './index.js';
import { delay, send, sendRaw, startUpstream } from './testing/upstreams.js';

const TIMEOUT = { timeout: 15_000 };

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await delay(5);
}

test('mirroring copies an exact share to the canary, never changes or delays the answer, and pairs the results', TIMEOUT, async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const primary = await startUpstream({ handler: (_req, res) => res.end(JSON.stringify({ predictions: [[1, 2]] })) });
  // The canary answers only once every client has its answer: waiting on it would deadlock.
  const canary = await startUpstream({ handler: (_req, res) => void released.then(() => res.end(JSON.stringify({ predictions: [[1, 2.5]] }))) });
  const gateway = await startGateway({ upstreams: { primary: primary.url, canary: canary.url }, canaryWeight: 0, mirrorPercent: 50, now: () => 1234 });
  try {
    for (let i = 0; i < 10; i++) {
      const reply = await send(gateway.url, { body: `{"instances":[[${i}]]}` });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['x-kcanary-variant'], 'primary');
      assert.equal(reply.body, '{"predictions":[[1,2]]}');
    }
    assert.equal(gateway.stats().mirror.sent, 5, 'half of the first 10, chosen exactly');
    await send(gateway.url); // the 11th is not copied, so the 12th is
    // A chunked request is copied with its body decoded.
    const raw = await sendRaw(gateway.url, 'POST /v1/models/m:predict HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{"ins\r\n9\r\ntances":1\r\n1\r\n}\r\n0\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 200 OK/);
    release();
    await until(() => gateway.stats().mirror.completed === 6);
    const stats = gateway.stats();
    assert.deepEqual(stats.mirror, { sent: 6, completed: 6, dropped: 0 });
    assert.equal(stats.canary.requests, 0, 'copies are not live canary traffic');
    assert.equal(stats.primary.requests, 12);
    const pairs = gateway.drainMirrorPairs();
    assert.equal(pairs.length, 6);
    for (const pair of pairs) assert.deepEqual(pair, { atMs: 1234, primaryStatus: 200, canaryStatus: 200, absDiff: 0.5 });
    assert.deepEqual(gateway.drainMirrorPairs(), [], 'drained pairs are gone');
    assert.deepEqual(
      canary.received.map((r) => r.body),
      ['{"instances":[[1]]}', '{"instances":[[3]]}', '{"instances":[[5]]}', '{"instances":[[7]]}', '{"instances":[[9]]}', '{"instances":1}'],
    );
    assert.equal(canary.received[0]!.headers['x-kcanary-mirror'], '1');
    assert.match(gateway.metricsText(), /\nkcanary_gateway_mirror_sent_total 6\n/);
  } finally {
    release();
    await gateway.close();
    await primary.close();
    await canary.close();
  }
});

test('copies in flight are bounded: the rest are dropped, and the clients do not notice', TIMEOUT, async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const primary = await startUpstream({ prediction: 3 });
  const canary = await startUpstream({ handler: (_req, res) => void released.then(() => res.writeHead(500).end('{"error":"x"}')) });
  const gateway = await startGateway({ upstreams: { primary: primary.url, canary: canary.url }, mirrorPercent: 100, maxMirrorInFlight: 2 });
  try {
    for (let i = 0; i < 6; i++) assert.deepEqual(JSON.parse((await send(gateway.url)).body), { predictions: [3] });
    assert.deepEqual(gateway.stats().mirror, { sent: 2, completed: 0, dropped: 4 });
    release();
    await until(() => gateway.stats().mirror.completed === 2);
    const pairs = gateway.drainMirrorPairs();
    assert.deepEqual(
      pairs.map((p) => [p.primaryStatus, p.canaryStatus, p.absDiff]),
      [
        [200, 500, Infinity],
        [200, 500, Infinity],
      ],
    );
  } finally {
    release();
    await gateway.close();
    await primary.close();
    await canary.close();
  }
});
