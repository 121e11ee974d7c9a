import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { test } from 'node:test';
import { startGateway } from './index.js';
import { closedPort, delay, send, sendRaw, startRawUpstream, startUpstream } from './testing/upstreams.js';
import { through } from './testing/through-gateway.js';

const TIMEOUT = { timeout: 15_000 };

test('hop-by-hop headers are dropped both ways and x-forwarded-* are set', TIMEOUT, async () => {
  const upstream = await startRawUpstream((socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\nX-Hop: secret\r\nUpgrade: h2c\r\nX-End: kept\r\n\r\nok');
  });
  await through(upstream, async (gateway) => {
    const raw = await sendRaw(
      gateway.url,
      'GET /v1/models HTTP/1.1\r\nHost: models.example\r\nConnection: close, X-Private\r\nX-Private: 1\r\nKeep-Alive: 300\r\nTE: trailers\r\n' +
        'Upgrade: websocket\r\nProxy-Authorization: basic abc\r\nX-Forwarded-For: 10.1.2.3\r\nX-Kept: yes\r\n\r\n',
    );
    const head = raw.slice(0, raw.indexOf('\r\n\r\n')).toLowerCase();
    assert.match(head, /^http\/1\.1 200 ok\r\n/);
    assert.match(head, /\r\nx-end: kept/);
    assert.match(head, /\r\nx-kcanary-variant: primary/);
    for (const dropped of ['x-hop', 'keep-alive', 'upgrade']) assert.doesNotMatch(head, new RegExp(`\\r\\n${dropped}:`), `${dropped} reached the client`);
    assert.ok(raw.endsWith('\r\n\r\nok'));
  });
});

test('the upstream sees the forwarded headers and none of the hop-by-hop ones', TIMEOUT, async () => {
  const upstream = await startUpstream();
  await through(upstream, async (gateway) => {
    await sendRaw(gateway.url, 'GET /x HTTP/1.1\r\nHost: models.example\r\nConnection: close, X-Private\r\nX-Private: 1\r\nTE: trailers\r\nProxy-Authorization: basic abc\r\nX-Forwarded-For: 10.1.2.3\r\nX-Kept: yes\r\n\r\n');
    const headers = upstream.received[0]!.headers;
    assert.equal(headers['x-kept'], 'yes');
    for (const dropped of ['x-private', 'te', 'proxy-authorization']) assert.equal(headers[dropped], undefined, `${dropped} was forwarded`);
    assert.equal(headers['x-forwarded-for'], '10.1.2.3, 127.0.0.1');
    assert.equal(headers['x-forwarded-proto'], 'http');
    assert.equal(headers['x-forwarded-host'], 'models.example');
  });
});

test('a chunked response is streamed to the client, not buffered', TIMEOUT, async () => {
  let clientGotFirst!: () => void;
  const firstArrived = new Promise<void>((resolve) => (clientGotFirst = resolve));
  const upstream = await startUpstream({
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      void firstArrived.then(() => res.end('second'));
    },
  });
  await through(upstream, async (gateway) => {
    const url = new URL(gateway.url);
    const body = await new Promise<string>((resolve, reject) => {
      httpRequest({ host: url.hostname, port: url.port, path: '/stream' }, (res) => {
        assert.equal(res.headers['transfer-encoding'], 'chunked');
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('first;')) clientGotFirst(); // only then does the upstream finish
        });
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(body, 'first;second');
  });
});

test('a chunked request body is streamed to the upstream, not buffered', TIMEOUT, async () => {
  let upstreamGotFirst!: () => void;
  const firstArrived = new Promise<void>((resolve) => (upstreamGotFirst = resolve));
  let received = '';
  // Watches the raw bytes: it sees the first chunk before the client has sent the rest.
  const server = createTcpServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('part-one')) upstreamGotFirst();
      if (received.endsWith('\r\n0\r\n\r\n')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const gateway = await startGateway({ upstreams: { primary: `http://127.0.0.1:${port}` } });
  try {
    const g = new URL(gateway.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: g.hostname, port: g.port, method: 'POST', path: '/v1/models/m:predict', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.write('part-one;');
      void firstArrived.then(() => req.end('part-two'));
    });
    assert.equal(reply, 'done');
    assert.match(received, /\r\ntransfer-encoding: chunked\r\n/i);
    assert.ok(received.endsWith('\r\n9\r\npart-one;\r\n8\r\npart-two\r\n0\r\n\r\n'), JSON.stringify(received));
  } finally {
    await gateway.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('keep-alive connections to the upstream are reused', TIMEOUT, async () => {
  const upstream = await startUpstream();
  await through(upstream, async (gateway) => {
    for (let i = 0; i < 25; i++) assert.equal((await send(gateway.url)).status, 200);
    assert.equal(upstream.connections, 1);
  });
});

test('a refused upstream is a 502 with a JSON body, counted against that variant', TIMEOUT, async () => {
  const upstream = await startUpstream();
  const gateway = await startGateway({ upstreams: { primary: upstream.url, canary: `http://127.0.0.1:${await closedPort()}` }, canaryWeight: 100 });
  try {
    const reply = await send(gateway.url);
    assert.equal(reply.status, 502);
    assert.equal(reply.headers['x-kcanary-variant'], 'canary');
    assert.match(JSON.parse(reply.body).error, /canary/);
    const stats = gateway.stats();
    assert.deepEqual(stats.canary.byCode, { '502': 1 });
    assert.equal(stats.canary.errors, 1);
    assert.equal(stats.primary.requests, 0);
    assert.equal((await send(gateway.url, { headers: { 'x-kcanary-variant': 'primary' } })).status, 200, 'the gateway still serves');
  } finally {
    await gateway.close();
    await upstream.close();
  }
});

test('a silent upstream is a 504 after the timeout, counted against that variant', TIMEOUT, async () => {
  const upstream = await startRawUpstream(() => {}); // reads, never answers
  await through(
    upstream,
    async (gateway) => {
      const reply = await send(gateway.url);
      assert.equal(reply.status, 504);
      assert.equal(reply.headers['x-kcanary-variant'], 'primary');
      assert.match(JSON.parse(reply.body).error, /timed out/);
      assert.deepEqual(gateway.stats().primary.byCode, { '504': 1 });
    },
    { upstreamTimeoutMs: 150 },
  );
});

test('malformed requests get a 400 and the gateway keeps serving', TIMEOUT, async () => {
  const upstream = await startUpstream();
  await through(upstream, async (gateway) => {
    assert.match(await sendRaw(gateway.url, 'HELLO\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await sendRaw(gateway.url, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await sendRaw(gateway.url, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await sendRaw(gateway.url, `GET / HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(40_000)}`), /^HTTP\/1\.1 431 /);
    assert.equal(upstream.received.length, 0);
    assert.equal((await send(gateway.url)).status, 200);
  });
});

test('client aborts, mid-request and mid-response, do not disturb the gateway', TIMEOUT, async () => {
  const upstream = await startUpstream({
    handler: (req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('late'), 100);
      else if (req.url === '/drip') {
        res.write('x'.repeat(1000));
        setTimeout(() => res.end('y'), 100);
      } else res.end('{"predictions":[1]}');
    },
  });
  await through(upstream, async (gateway) => {
    const url = new URL(gateway.url);
    for (const path of ['/slow', '/drip']) {
      const socket = connect(Number(url.port), url.hostname);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
      if (path === '/drip') await new Promise((resolve) => socket.once('data', resolve));
      socket.destroy();
    }
    // Half a body, then gone.
    const half = connect(Number(url.port), url.hostname);
    half.write('POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc');
    await delay(20);
    half.destroy();
    await delay(150);
    assert.equal((await send(gateway.url)).status, 200);
  });
});

test('an upstream that dies mid-body cuts that client only', TIMEOUT, async () => {
  const upstream = await startRawUpstream((socket, head) => {
    if (head.startsWith('GET /broken')) {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
      setTimeout(() => socket.destroy(), 20);
    } else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  await through(upstream, async (gateway) => {
    const raw = await sendRaw(gateway.url, 'GET /broken HTTP/1.1\r\nHost: a\r\n\r\n').catch(() => '');
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    assert.ok(body.length < 100, 'the client never gets the promised 100 bytes: its connection was cut');
    assert.deepEqual(gateway.stats().primary.byCode, { '200': 1 }, 'counted with the status that was sent');
    assert.equal((await send(gateway.url, { method: 'GET', path: '/fine' })).body, 'ok');
  });
});

test('pipelined requests are answered in order', TIMEOUT, async () => {
  const upstream = await startUpstream({ handler: (req, res) => res.end(req.url) });
  await through(upstream, async (gateway) => {
    const raw = await sendRaw(gateway.url, 'GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\nGET /three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const bodies = raw.split('HTTP/1.1 200 OK').slice(1).map((part) => part.slice(part.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, ''));
    assert.deepEqual(
      bodies.map((b) => b.replace(/\r\n.*$/s, '')),
      ['/one', '/two', '/three'],
    );
  });
});

test('an HTTP/1.0 client gets a chunked answer de-chunked, then the connection closes', TIMEOUT, async () => {
  const upstream = await startUpstream({
    handler: (_req, res) => {
      res.write('ab');
      res.end('cd');
    },
  });
  await through(upstream, async (gateway) => {
    const raw = await sendRaw(gateway.url, 'GET /x HTTP/1.0\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(raw, /transfer-encoding/i);
    assert.match(raw, /\r\nconnection: close\r\n/i);
    assert.ok(raw.endsWith('\r\n\r\nabcd'), raw);
  });
});

test('a pooled connection the upstream already closed is retried once on a new one', TIMEOUT, async () => {
  // Answers the first request of each connection, then drops the connection on the next.
  const upstream = await startRawUpstream((socket, _head, index) => {
    if (index === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    else socket.destroy();
  });
  await through(upstream, async (gateway) => {
    for (let i = 0; i < 3; i++) assert.equal((await send(gateway.url, { method: 'GET' })).body, 'ok');
    assert.equal(upstream.connections, 3);
  });
});
