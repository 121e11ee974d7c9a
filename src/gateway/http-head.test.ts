import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeadError, parseRequestHead, parseResponseHead, type RequestHead } from './http-head.js';

function request(head: string, sticky?: string): RequestHead {
  const parsed = parseRequestHead(head, sticky);
  assert.ok(!(parsed instanceof HeadError), parsed instanceof HeadError ? parsed.message : '');
  return parsed;
}

test('hop-by-hop headers, and those Connection names, are not forwarded', () => {
  const head = request(
    'POST /v1/models/m:predict HTTP/1.1\r\nHost: gw\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\nX-Secret: 1\r\n' +
      'TE: trailers\r\nTrailer: x\r\nUpgrade: h2c\r\nProxy-Authorization: basic x\r\nProxy-Connection: keep-alive\r\nTransfer-Encoding: chunked\r\nX-Keep: yes\r\nAccept: */*',
  );
  assert.equal(head.forward, 'X-Keep: yes\r\nAccept: */*\r\n');
  assert.equal(head.chunked, true);
  assert.equal(head.keepAlive, true);
});

test('routing values are read from the head', () => {
  const head = request('GET /x HTTP/1.1\r\nHost: canary.localhost:8080\r\nX-User: u1\r\nCookie: a=1\r\nCookie: b=2\r\nX-Kcanary-Variant: canary\r\nX-Forwarded-For: 10.0.0.1\r\nExpect: 100-continue', 'x-user');
  assert.equal(head.host, 'canary.localhost:8080');
  assert.equal(head.stickyValue, 'u1');
  assert.equal(head.cookie, 'a=1; b=2');
  assert.equal(head.variantHeader, 'canary');
  assert.equal(head.forwardedFor, '10.0.0.1');
  assert.equal(head.expectContinue, true);
  assert.equal(head.forward, 'X-User: u1\r\nCookie: a=1\r\nCookie: b=2\r\n');
});

test('HTTP/1.0 keeps the connection only when asked', () => {
  assert.equal(request('GET / HTTP/1.0').keepAlive, false);
  assert.equal(request('GET / HTTP/1.0\r\nConnection: keep-alive').keepAlive, true);
  assert.equal(request('GET / HTTP/1.1\r\nHost: a\r\nConnection: close').keepAlive, false);
});

test('absolute-form targets become paths', () => {
  const head = request('GET http://model.example:8080/v2/models?x=1 HTTP/1.1\r\nHost: other');
  assert.equal(head.target, '/v2/models?x=1');
  assert.equal(head.host, 'model.example:8080');
});

test('bad request heads are refused with the right status', () => {
  const cases: Array<[string, number]> = [
    ['GARBAGE', 400],
    ['GET / HTTP/2.0\r\nHost: a', 505],
    ['GET / HTTP/1.1', 400], // no Host
    ['GET / HTTP/1.1\r\nHost: a\r\nHost: b', 400],
    ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked', 400],
    ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4', 400],
    ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1', 400],
    ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip', 400], // RFC 9112 §6.3: chunked must be last in a request
    ['GET / HTTP/1.1\r\nHost: a\r\nBad Name: x', 400],
    ['GET / HTTP/1.1\r\nHost: a\r\n folded', 400],
    ['GET / HTTP/1.1\r\nHost: a\r\nX: a\nb', 400],
    ['GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b', 400],
    ['CONNECT a:443 HTTP/1.1\r\nHost: a', 405],
    ['GET nope HTTP/1.1\r\nHost: a', 400],
  ];
  for (const [head, status] of cases) {
    const parsed = parseRequestHead(head, undefined);
    assert.ok(parsed instanceof HeadError, JSON.stringify(head));
    assert.equal(parsed.status, status, JSON.stringify(head));
  }
});

test('response heads: framing, keep-alive and stripped headers', () => {
  const res = parseResponseHead('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5');
  assert.deepEqual(
    { status: res?.status, chunked: res?.chunked, keepAlive: res?.keepAlive, forward: res?.forward },
    { status: 200, chunked: true, keepAlive: true, forward: 'Content-Type: application/json\r\n' },
  );
  assert.equal(parseResponseHead('HTTP/1.0 200 OK\r\nContent-Length: 2')?.keepAlive, false);
  assert.equal(parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked'), undefined);
  assert.equal(parseResponseHead('SSH-2.0-OpenSSH'), undefined);
});

test('OWS is SP and HTAB only: NBSP is part of a value', () => {
  for (const head of ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\xa0', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\xa0', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \xa05']) {
    const parsed = parseRequestHead(head, undefined);
    assert.ok(parsed instanceof HeadError && parsed.status === 400, JSON.stringify(head));
  }
  assert.equal(request('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \t 5  ').contentLength, 5);
  // llhttp takes trailing spaces but refuses a trailing tab after these two values.
  assert.ok(parseRequestHead('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 \t', undefined) instanceof HeadError);
  assert.equal(request('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \tchunked  ').chunked, true);
});

test('framing headers are never forwarded as received: the gateway writes the framing it read', () => {
  const head = request('POST / HTTP/1.1\r\nHost: a\r\nConnection: content-length\r\nContent-Length: 0069\r\nX-A: 1');
  assert.equal(head.contentLength, 69);
  assert.equal(head.forward, 'X-A: 1\r\n');
  const chunked = request('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nConnection: transfer-encoding\r\nTransfer-Encoding: Chunked');
  assert.equal(chunked.chunked, true);
  assert.equal(chunked.transferEncoding, 'gzip, Chunked');
  assert.equal(chunked.forward, '');
});

test('llhttp refusals: duplicate lengths, codings after chunked, unknown methods, bytes outside ASCII in targets', () => {
  const refused = [
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5',
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length:',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 1',
    'FOO / HTTP/1.1\r\nHost: a',
    'DESCRIBE / HTTP/1.1\r\nHost: a',
    'GET /\xe9 HTTP/1.1\r\nHost: a',
    'GET /\tx HTTP/1.1\r\nHost: a',
    'GET / HTTP/1.1\r\nHost : a',
  ];
  for (const head of refused) assert.ok(parseRequestHead(head, undefined) instanceof HeadError, JSON.stringify(head));
  assert.equal(request('GET   /x   HTTP/1.1\r\nHost: a').target, '/x');
  assert.equal(request('POST / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket').upgrade, true);
  assert.equal(request('POST / HTTP/1.1\r\nHost: a\r\nProxy-Connection: close').keepAlive, false);
});

test('too many header lines are refused however small the head', () => {
  const head = `GET / HTTP/1.1\r\nHost: a${'\r\nX: 1'.repeat(10_000)}`;
  const parsed = parseRequestHead(head, undefined);
  assert.ok(parsed instanceof HeadError && parsed.status === 431);
  assert.equal(parseResponseHead(`HTTP/1.1 200 OK${'\r\nX: 1'.repeat(10_000)}`), undefined);
});

test('response heads: the reason phrase is anything but CR and LF, versions other than 1.x are refused', () => {
  assert.equal(parseResponseHead('HTTP/1.1 200 \x01odd\xff')?.reason, '\x01odd\xff');
  assert.equal(parseResponseHead('HTTP/1.1 200')?.status, 200);
  assert.equal(parseResponseHead('HTTP/2.0 200 OK'), undefined);
  assert.equal(parseResponseHead('RTSP/1.0 200 OK'), undefined);
  assert.equal(parseResponseHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip')?.transferEncoding, 'gzip');
});
