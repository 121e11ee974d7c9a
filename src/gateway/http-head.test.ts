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
    ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip', 501],
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
