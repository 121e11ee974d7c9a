import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { test } from 'node:test';
import { startGateway } from './index.js';
import { send, sendRaw, startRawUpstream, startUpstream } from './testing/upstreams.js';

const TIMEOUT = { timeout: 15_000 };
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

test('large bodies pass through intact both ways', TIMEOUT, async () => {
  const big = Array.from({ length: 200_000 }, (_, i) => String(i % 10)).join(',');
  const upstream = await startUpstream({ handler: (_req, res, body) => res.end(JSON.stringify({ echoedSha: sha(body), big })) });
  const gateway = await startGateway({ upstreams: { primary: upstream.url } });
  try {
    const reply = await send(gateway.url, { body: big });
    const parsed = JSON.parse(reply.body) as { echoedSha: string; big: string };
    assert.equal(parsed.echoedSha, sha(big));
    assert.equal(parsed.big, big);
  } finally {
    await gateway.close();
    await upstream.close();
  }
});

test('Expect: 100-continue is answered by the gateway, then the body flows', TIMEOUT, async () => {
  const upstream = await startUpstream({ handler: (_req, res, body) => res.end(`got ${body}`) });
  const gateway = await startGateway({ upstreams: { primary: upstream.url } });
  try {
    const url = new URL(gateway.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.write('POST /p HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n');
    let received = '';
    const done = new Promise<void>((resolve) => socket.on('end', resolve));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received === 'HTTP/1.1 100 Continue\r\n\r\n') socket.write('hello');
    });
    await done;
    assert.match(received, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    assert.ok(received.endsWith('got hello'));
    assert.equal(upstream.received[0]!.headers.expect, undefined, 'Expect is not forwarded');
  } finally {
    await gateway.close();
    await upstream.close();
  }
});

test('answers without a body (HEAD, 204, 304) keep the connection usable', TIMEOUT, async () => {
  const upstream = await startUpstream({
    handler: (req, res) => {
      if (req.url === '/empty') res.writeHead(204).end();
      else if (req.url === '/same') res.writeHead(304, { etag: '"v1"' }).end();
      else res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello');
    },
  });
  const gateway = await startGateway({ upstreams: { primary: upstream.url } });
  try {
    const raw = await sendRaw(
      gateway.url,
      'HEAD /h HTTP/1.1\r\nHost: a\r\n\r\nGET /empty HTTP/1.1\r\nHost: a\r\n\r\nGET /same HTTP/1.1\r\nHost: a\r\n\r\nGET /h HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    assert.deepEqual(
      [...raw.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]),
      ['200', '204', '304', '200'],
    );
    assert.ok(raw.endsWith('\r\n\r\nhello'));
    assert.equal(upstream.connections, 1);
  } finally {
    await gateway.close();
    await upstream.close();
  }
});

test('heads and bodies split into single bytes, both ways, are put back together', TIMEOUT, async () => {
  const answer = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"pr\r\n12\r\nedictions":[0.25]}\r\n0\r\n\r\n';
  const upstream = await startRawUpstream((socket) => {
    void (async () => {
      for (const byte of answer) {
        socket.write(byte);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
  });
  const gateway = await startGateway({ upstreams: { primary: upstream.url } });
  try {
    const url = new URL(gateway.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('end', resolve));
    for (const byte of 'POST /v1/models/m:predict HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{"x":1}') {
      socket.write(byte);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await closed;
    assert.match(received, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(received.endsWith('\r\n\r\n4\r\n{"pr\r\n12\r\nedictions":[0.25]}\r\n0\r\n\r\n'), received);
    assert.equal(upstream.received[0]!.body, '{"x":1}');
  } finally {
    await gateway.close();
    await upstream.close();
  }
});
