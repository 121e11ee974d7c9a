import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startControlServer } from './control-server.js';
import type { Command } from '../core/commands.js';
import type { RolloutSnapshot } from './snapshot.js';

const TOKEN = 'a'.repeat(48);

async function withServer(run: (url: string, received: Command[]) => Promise<void>): Promise<void> {
  const received: Command[] = [];
  const server = await startControlServer({
    token: TOKEN,
    handlers: {
      snapshot: () => ({ name: 'housing' }) as unknown as RolloutSnapshot,
      command: async (c) => { received.push(c); return c.type === 'resume' ? { ok: false, reason: 'not paused' } : { ok: true, reason: 'done' }; },
    },
  });
  try { await run(server.url, received); } finally { await server.close(); }
}

const auth = { authorization: `Bearer ${TOKEN}` };

test('the control API refuses requests without the token', async () => {
  await withServer(async (url, received) => {
    assert.equal((await fetch(`${url}/api/v1/status`)).status, 401);
    assert.equal((await fetch(`${url}/api/v1/status`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(`${url}/api/v1/commands`, { method: 'POST', body: '{"type":"promote"}' })).status, 401);
    assert.deepEqual(received, []);
    assert.deepEqual(await (await fetch(`${url}/api/v1/status`, { headers: auth })).json(), { name: 'housing' });
  });
});

test('the control API answers loopback Host names only (DNS rebinding)', async () => {
  await withServer(async (url) => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/api/v1/status`, { headers: { ...auth, host: 'evil.example.com' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.once('error', reject);
      req.end();
    });
    assert.equal(status, 403);
  });
});

test('commands are validated, applied, and refusals come back as 409', async () => {
  await withServer(async (url, received) => {
    const post = (body: string) => fetch(`${url}/api/v1/commands`, { method: 'POST', headers: auth, body });
    assert.equal((await post('{"type":"set-weight","weight":150}')).status, 400);
    assert.equal((await post('{"type":"explode"}')).status, 400);
    assert.equal((await post('not json')).status, 400);
    const ok = await post('{"type":"set-weight","weight":30}');
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { reason: string }).reason, 'done');
    const refused = await post('{"type":"resume"}');
    assert.equal(refused.status, 409);
    assert.deepEqual(received, [{ type: 'set-weight', weight: 30 }, { type: 'resume' }]);
  });
});
