import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGateway, type Gateway } from './index.js';
import { send, startUpstream, type Upstream } from './testing/upstreams.js';

let primary: Upstream;
let canary: Upstream;
before(async () => {
  primary = await startUpstream({ prediction: 1 });
  canary = await startUpstream({ prediction: 2 });
});
after(async () => {
  await primary.close();
  await canary.close();
});

async function withGateway(options: Partial<Parameters<typeof startGateway>[0]>, body: (gateway: Gateway) => Promise<void>): Promise<void> {
  const gateway = await startGateway({ upstreams: { primary: primary.url, canary: canary.url }, ...options });
  try {
    await body(gateway);
  } finally {
    await gateway.close();
  }
}

test('the split is exact over every window of requests, at several weights', async () => {
  for (const weight of [0, 10, 25, 50, 90, 100]) {
    await withGateway({ canaryWeight: weight }, async (gateway) => {
      let canaryServed = 0;
      for (let n = 1; n <= 40; n++) {
        const reply = await send(gateway.url);
        const variant = reply.headers['x-kcanary-variant'];
        assert.equal(JSON.parse(reply.body).predictions[0], variant === 'canary' ? 2 : 1);
        if (variant === 'canary') canaryServed++;
        assert.ok(Math.abs(canaryServed - (n * weight) / 100) < 1, `weight ${weight}: ${canaryServed} canary after ${n}`);
      }
      const stats = gateway.stats();
      assert.equal(stats.canary.requests, canaryServed);
      assert.equal(stats.primary.requests, 40 - canaryServed);
    });
  }
});

test('setWeight takes effect on the next request and validates its input', async () => {
  await withGateway({}, async (gateway) => {
    assert.equal((await send(gateway.url)).headers['x-kcanary-variant'], 'primary');
    gateway.setWeight(100);
    assert.equal((await send(gateway.url)).headers['x-kcanary-variant'], 'canary');
    for (const bad of [-1, 101, 12.5, Number.NaN]) assert.throws(() => gateway.setWeight(bad), { code: 'KCANARY_ERR_USAGE' });
    assert.throws(() => gateway.setMirror(200), { code: 'KCANARY_ERR_USAGE' });
  });
});

test('x-kcanary-variant forces a variant; an invalid value is a 400 JSON error', async () => {
  await withGateway({ canaryWeight: 0 }, async (gateway) => {
    const forced = await send(gateway.url, { headers: { 'x-kcanary-variant': 'canary' } });
    assert.equal(forced.headers['x-kcanary-variant'], 'canary');
    assert.deepEqual(JSON.parse(forced.body), { predictions: [2] });
    assert.equal(canary.received.at(-1)?.headers['x-kcanary-variant'], undefined, 'the override header is not forwarded');
    const bad = await send(gateway.url, { headers: { 'x-kcanary-variant': 'blue' } });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error, /primary.*canary/);
    assert.ok(bad.headers['x-kcanary-variant'], 'even errors say who answered');
  });
});

test('a variant host reaches that variant only, whatever the weight', async () => {
  await withGateway({ canaryWeight: 50 }, async (gateway) => {
    const port = new URL(gateway.url).port;
    for (let i = 0; i < 4; i++) {
      assert.equal((await send(gateway.url, { headers: { host: `canary.localhost:${port}` } })).headers['x-kcanary-variant'], 'canary');
      assert.equal((await send(gateway.url, { headers: { host: `primary.localhost:${port}` } })).headers['x-kcanary-variant'], 'primary');
    }
    // A variant host's /metrics is the model server's, not the gateway's.
    const proxied = await send(gateway.url, { method: 'GET', path: '/metrics', headers: { host: `primary.localhost:${port}` } });
    assert.equal(proxied.headers['x-kcanary-variant'], 'primary');
    assert.equal(primary.received.at(-1)?.url, '/metrics');
  });
});

test('sticky keys keep their variant, and a higher weight only moves keys to the canary', async () => {
  await withGateway({ canaryWeight: 30, sticky: { header: 'x-user', cookie: 'session' } }, async (gateway) => {
    const variantOf = async (headers: Record<string, string>): Promise<string> => String((await send(gateway.url, { headers })).headers['x-kcanary-variant']);
    const before = new Map<string, string>();
    for (let i = 0; i < 30; i++) {
      const user = `user-${i}`;
      const first = await variantOf({ 'x-user': user });
      assert.equal(await variantOf({ 'x-user': user }), first, `${user} changed variant`);
      assert.equal(await variantOf({ cookie: `a=1; session=${user}` }), first, `${user} by cookie`);
      before.set(user, first);
    }
    assert.ok([...before.values()].includes('canary') && [...before.values()].includes('primary'));
    gateway.setWeight(60);
    for (const [user, was] of before) {
      const now = await variantOf({ 'x-user': user });
      if (was === 'canary') assert.equal(now, 'canary', `${user} moved back to primary`);
    }
  });
});

test('without a canary everything goes to the primary, and forcing the canary is a 503', async () => {
  const gateway = await startGateway({ upstreams: { primary: primary.url }, canaryWeight: 50 });
  try {
    for (let i = 0; i < 4; i++) assert.equal((await send(gateway.url)).headers['x-kcanary-variant'], 'primary');
    assert.equal((await send(gateway.url, { headers: { 'x-kcanary-variant': 'canary' } })).status, 503);
    gateway.setUpstreams({ primary: primary.url, canary: canary.url });
    assert.equal((await send(gateway.url)).headers['x-kcanary-variant'], 'primary');
    assert.equal((await send(gateway.url)).headers['x-kcanary-variant'], 'canary');
  } finally {
    await gateway.close();
  }
});

test('setUpstreams promotes the canary server to primary', async () => {
  await withGateway({ canaryWeight: 0 }, async (gateway) => {
    assert.deepEqual(JSON.parse((await send(gateway.url)).body), { predictions: [1] });
    gateway.setUpstreams({ primary: canary.url, canary: null });
    const reply = await send(gateway.url);
    assert.equal(reply.headers['x-kcanary-variant'], 'primary');
    assert.deepEqual(JSON.parse(reply.body), { predictions: [2] });
    assert.throws(() => gateway.setUpstreams({ primary: 'ftp://x' }), { code: 'KCANARY_ERR_USAGE' });
  });
});
