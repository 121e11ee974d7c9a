import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { delay, sendRaw, startRawUpstream, startUpstream } from './testing/upstreams.js';
import { through } from './testing/through-gateway.js';

const TIMEOUT = { timeout: 15_000 };

test('head limits hold when the whole head comes in one write', TIMEOUT, async () => {
  // An upstream that takes any head, so only the gateway can refuse.
  const upstream = await startRawUpstream((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  await through(upstream, async (gateway) => {
    for (const head of [`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`, `GET / HTTP/1.1\r\nHost: a\r\n${'X: 1\r\n'.repeat(2_000)}\r\n`]) {
      const raw = await sendRaw(gateway.url, head);
      assert.match(raw, /^HTTP\/1\.1 431 [^]*x-kcanary-variant: gateway/);
    }
    assert.equal(upstream.connections, 0);
  });
});

test('a response head over the limit in one read is a 502, none of it relayed', TIMEOUT, async () => {
  const upstream = await startRawUpstream((socket) => socket.write(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(40_000)}\r\nContent-Length: 0\r\n\r\n`));
  await through(upstream, async (gateway) => {
    const raw = await sendRaw(gateway.url, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 502 /);
    assert.doesNotMatch(raw, /X-Big/);
  });
});

test('a request head trickled past the head deadline is a 408 and the connection closes', TIMEOUT, async () => {
  const upstream = await startUpstream();
  await through(
    upstream,
    async (gateway) => {
      const url = new URL(gateway.url);
      const socket = connect(Number(url.port), url.hostname);
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      const started = Date.now();
      const trickle = 'GET / HTTP/1.1\r\nHost: a\r\nX-Slow: 1234567890\r\n\r\n';
      for (const byte of trickle) {
        if (socket.destroyed || received !== '') break;
        socket.write(byte);
        await delay(40); // each byte well inside the idle timeout
      }
      await closed;
      assert.match(received, /^HTTP\/1\.1 408 /);
      assert.ok(Date.now() - started < 1500, 'the deadline counts from the first byte, whatever the pace');
      assert.equal(upstream.received.length, 0);
    },
    { headTimeoutMs: 300, keepAliveTimeoutMs: 5000 },
  );
});

test('a response head trickled past the head deadline is a 502', TIMEOUT, async () => {
  const upstream = await startRawUpstream((socket) => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    let at = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || at >= head.length) return clearInterval(timer);
      socket.write(head[at++]!);
    }, 40);
  });
  await through(
    upstream,
    async (gateway) => {
      const raw = await sendRaw(gateway.url, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      assert.match(raw, /^HTTP\/1\.1 502 /);
    },
    { headTimeoutMs: 300 },
  );
});

test('100 Continue and the final answer in one read, and an answer after stray CRLFs, are relayed', TIMEOUT, async () => {
  const upstream = await startRawUpstream((socket, head) => {
    if (head.startsWith('GET /continue')) socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody');
    else socket.write('\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ncrlf');
  });
  await through(upstream, async (gateway) => {
    const first = await sendRaw(gateway.url, 'GET /continue HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(first, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(first.endsWith('\r\n\r\nbody'));
    const second = await sendRaw(gateway.url, 'GET /crlf HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(second, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(second.endsWith('\r\n\r\ncrlf'));
  });
});

test('a coding before chunked is kept, and duplicate lengths never reach the upstream', TIMEOUT, async () => {
  const upstream = await startUpstream();
  await through(upstream, async (gateway) => {
    const raw = await sendRaw(gateway.url, 'POST /gz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 200 /);
    assert.equal(upstream.received[0]!.headers['transfer-encoding'], 'gzip, chunked');
    assert.equal(upstream.received[0]!.body, 'abc');
    const dup = await sendRaw(gateway.url, 'POST /dup HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc');
    assert.match(dup, /^HTTP\/1\.1 400 /);
    const bad = await sendRaw(gateway.url, 'POST /ext HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\x00\r\nabc\r\n0\r\n\r\n');
    assert.match(bad, /^HTTP\/1\.1 400 /);
    await delay(20);
    assert.deepEqual(
      upstream.received.map((r) => r.url),
      ['/gz'],
    );
  });
});
