import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import type { ModelServer } from './index.js';
import { getJson, postJson, SAMPLE_ROW, startHousingServer } from './test-support.js';

let server: ModelServer;
before(async () => {
  server = await startHousingServer('v1', { maxBodyBytes: 4096 });
});
after(() => server.close());

test('unknown paths are 404 and wrong methods 405, both as JSON errors', async () => {
  assert.deepEqual(await getJson(`${server.url}/v3/models`), { status: 404, json: { error: 'Not Found' } });
  assert.deepEqual(await postJson(`${server.url}/v1/models/housing`, {}), { status: 405, json: { error: 'Method Not Allowed' } });
  assert.deepEqual(await getJson(`${server.url}/v2/models/housing/infer`), { status: 405, json: { error: 'Method Not Allowed' } });
  assert.equal((await getJson(`${server.url}/v1/models/%E0%A4%A`)).status, 400);
});

test('a body over the limit is refused with 413, and the connection keeps serving', async () => {
  const big = JSON.stringify({ instances: Array.from({ length: 200 }, () => SAMPLE_ROW) });
  assert.ok(big.length > 4096);
  assert.deepEqual(await postJson(`${server.url}/v1/models/housing:predict`, big), { status: 413, json: { error: 'request body larger than 4096 bytes' } });
  // Chunked, with no declared length: counted as it arrives.
  const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${server.url}/v1/models/housing:predict`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write(big.slice(i * 1000, (i + 1) * 1000));
    req.end(big.slice(10_000));
  });
  assert.equal(chunked.status, 413);
  assert.match(chunked.body, /"error"/);
  assert.equal((await postJson(`${server.url}/v1/models/housing:predict`, { instances: [SAMPLE_ROW] })).status, 200);
});

function rawExchange(payload: string): Promise<string> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => socket.end(payload));
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
  });
}

test('a burst of garbage leaves the server serving', async () => {
  const garbage = [
    'GARBAGE\r\n\r\n',
    'POST /v1/models/housing:predict HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\n{"ins',
    'POST /v1/models/housing:predict HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n',
    'GET / HTTP/1.1\r\nhost: x\r\n' + 'x-long: ' + 'a'.repeat(20_000) + '\r\n\r\n',
    '\u0000\u0001\u0002\u0003',
    'POST /v2/models/housing/infer HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
  ];
  const bodies: unknown[] = [
    '', 'null', '0', '"text"', '[]', '{"instances": null}', '{"instances": [[]]}', '{"instances": [[[1]]]}',
    '{"inputs": [{"name": "input", "shape": [0, 8], "datatype": "FP32", "data": []}]}',
    `{"instances": [${'['.repeat(500)}${']'.repeat(500)}]}`,
    '\uFEFF{}',
  ];
  const results = await Promise.all([
    ...garbage.map((g) => rawExchange(g)),
    ...bodies.flatMap((b) => [
      postJson(`${server.url}/v1/models/housing:predict`, b).catch(() => ({ status: 0 })),
      postJson(`${server.url}/v2/models/housing/infer`, b).catch(() => ({ status: 0 })),
    ]),
  ]);
  for (const r of results.slice(garbage.length) as { status: number }[]) assert.ok(r.status < 500, `status ${r.status}`);
  assert.match(results[0] as string, /^HTTP\/1\.1 400/);
  const ok = await postJson(`${server.url}/v1/models/housing:predict`, { instances: [SAMPLE_ROW] });
  assert.equal(ok.status, 200);
  assert.equal((ok.json.predictions as number[]).length, 1);
});
