// Draining a replaced upstream: its requests in flight finish before drain() resolves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startGateway } from './index.js';
import { send, startUpstream } from './testing/upstreams.js';

test('drain waits for the replaced upstream\'s requests in flight, and new requests go to its successor', async () => {
  const held: (() => void)[] = [];
  const slow = await startUpstream({ handler: (_req, res) => void held.push(() => res.end('{"predictions": [1]}')) });
  const next = await startUpstream({ prediction: 2 });
  const gateway = await startGateway({ upstreams: { primary: slow.url, canary: null } });
  try {
    const inFlight = Array.from({ length: 3 }, () => send(gateway.url));
    while (held.length < 3) await new Promise((r) => setTimeout(r, 5));
    gateway.setUpstreams({ primary: next.url, canary: null });
    assert.equal((await send(gateway.url)).body, '{"predictions":[2]}', 'a new request goes to the new upstream at once');
    let drained = false;
    const drain = gateway.drain(slow.url).then((left) => { drained = true; return left; });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(drained, false, 'drain waits while answers are in flight');
    for (const answer of held) answer();
    assert.equal(await drain, 0);
    for (const reply of await Promise.all(inFlight)) assert.equal(reply.status, 200);
    assert.equal(await gateway.drain(slow.url, 10), 0, 'nothing left: drain returns at once');
  } finally {
    await gateway.close();
    await slow.close();
    await next.close();
  }
});

test('close with a grace answers the requests under way, then stops; without one it cuts them off', async () => {
  const slow = await startUpstream({ handler: (_req, res) => setTimeout(() => res.end('{"predictions": [1]}'), 300) });
  try {
    for (const [grace, expected] of [[2000, 'answered'], [0, 'cut off']] as const) {
      const gateway = await startGateway({ upstreams: { primary: slow.url, canary: null } });
      const inFlight = Array.from({ length: 3 }, () => send(gateway.url).then((r) => (r.status === 200 ? 'answered' : `status ${r.status}`), () => 'cut off'));
      await new Promise((r) => setTimeout(r, 50));
      await gateway.close(grace);
      assert.deepEqual(await Promise.all(inFlight), [expected, expected, expected], `grace ${grace}`);
      await assert.rejects(send(gateway.url), 'a closed gateway takes no new request');
    }
  } finally {
    await slow.close();
  }
});
