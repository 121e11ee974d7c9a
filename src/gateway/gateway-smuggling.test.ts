import assert from 'node:assert/strict';
import { request as httpRequest, Agent } from 'node:http';
import { test } from 'node:test';
import { delay, sendRaw, startRawUpstream, startUpstream } from './testing/upstreams.js';
import { through } from './testing/through-gateway.js';

const TIMEOUT = { timeout: 15_000 };

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: internal\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n';

test('a header named by Connection cannot take a request body out of its framing', TIMEOUT, async () => {
  const upstream = await startUpstream();
  await through(upstream, async (gateway) => {
    assert.equal(SMUGGLED.length, 69);
    const raw = await sendRaw(
      gateway.url,
      `POST /v1/models/housing:predict HTTP/1.1\r\nHost: localhost\r\nConnection: content-length\r\nContent-Length: 69\r\n\r\n${SMUGGLED}`,
      { endAfterWrite: true },
    );
    // The next, innocent client must get its own answer from a pooled connection.
    const raw2 = await sendRaw(gateway.url, 'GET /v1/models/housing HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 200 /);
    assert.match(raw2, /^HTTP\/1\.1 200 /);
    await delay(50);
    assert.deepEqual(
      upstream.received.map((r) => [r.method, r.url]),
      [
        ['POST', '/v1/models/housing:predict'],
        ['GET', '/v1/models/housing'],
      ],
    );
    assert.equal(upstream.received[0]!.body, SMUGGLED);
    assert.equal(upstream.received[0]!.headers['content-length'], '69');
  });
});

test('a header named by Connection cannot take a chunked request body out of its framing', TIMEOUT, async () => {
  const upstream = await startUpstream();
  await through(upstream, async (gateway) => {
    const chunk = `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`;
    const raw = await sendRaw(gateway.url, `POST /p HTTP/1.1\r\nHost: localhost\r\nConnection: transfer-encoding, close\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}`);
    assert.match(raw, /^HTTP\/1\.1 200 /);
    await delay(50);
    assert.deepEqual(upstream.received.map((r) => [r.method, r.url, r.body]), [['POST', '/p', SMUGGLED]]);
  });
});

test('a header named by Connection cannot take a response body out of its framing', TIMEOUT, async () => {
  const upstream = await startRawUpstream((socket, head) => {
    if (head.startsWith('GET /first')) socket.write('HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 5\r\n\r\nhello');
    else socket.write('HTTP/1.1 200 OK\r\nConnection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nworld\r\n0\r\n\r\n');
  });
  await through(upstream, async (gateway) => {
    // node:http's client (llhttp) on one kept-alive connection: each answer must be framed.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string): Promise<{ body: string; headers: Record<string, unknown> }> =>
      new Promise((resolve, reject) => {
        const url = new URL(gateway.url);
        const req = httpRequest({ host: url.hostname, port: url.port, path, agent }, (res) => {
          let body = '';
          res.setEncoding('latin1');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ body, headers: res.headers }));
        });
        req.setTimeout(3000, () => req.destroy(new Error('the answer was not framed: the client waited for more')));
        req.on('error', reject);
        req.end();
      });
    try {
      const first = await get('/first');
      assert.equal(first.body, 'hello');
      assert.equal(first.headers['content-length'], '5');
      const second = await get('/second');
      assert.equal(second.body, 'world');
      assert.equal(second.headers['transfer-encoding'], 'chunked');
    } finally {
      agent.destroy();
    }
  });
});

test('a Connection: close trailer ends the connection, as it does for llhttp: nothing after it is read', TIMEOUT, async () => {
  const upstream = await startUpstream();
  await through(upstream, async (gateway) => {
    const raw = await sendRaw(gateway.url, `POST /p HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nConnection: close\r\n\r\n${SMUGGLED}`);
    assert.equal(raw.match(/HTTP\/1\.1 200 /g)?.length, 1);
    await delay(50);
    assert.deepEqual(upstream.received.map((r) => [r.method, r.url, r.body]), [['POST', '/p', 'abc']]);
  });
});
