/**
 * Every request case of llhttp's corpus, sent raw through the gateway to a
 * node:http upstream (llhttp itself) on real sockets: what strict llhttp
 * rejects is refused and none of it reaches the upstream; what it accepts
 * arrives with the same method, target, header lines, body and count.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { startGateway } from './index.js';
import { endToEndHeaders, FLAG_CHUNKED, FLAG_CONTENT_LENGTH, loadCorpus, transferEncodingOf, type CorpusCase, type CorpusMessage } from './testing/llhttp-corpus.js';
import { delay } from './testing/upstreams.js';

/** What llhttp accepts and the gateway refuses on purpose, with the reason (docs/adr/local-gateway.md). */
function deliberateRequestRefusal(message: CorpusMessage): string | undefined {
  if (message.protocol !== 'HTTP' && message.protocol !== '') return `${message.protocol}/x.x is not HTTP: the gateway proxies HTTP/1.x only`;
  if (message.major === 0 && message.minor === 9) return 'HTTP/0.9 has no headers to route or frame by';
  if (message.major !== 1 || message.minor > 1) return `HTTP/${message.major}.${message.minor} on an HTTP/1 connection is refused (505)`;
  if (message.method === 'CONNECT') return 'CONNECT tunnels are not proxied (405)';
  if (message.url === '*' && message.method !== 'OPTIONS') return 'the asterisk target is for OPTIONS only (RFC 9112 §3.2.4)';
  if (message.url[0] !== '/' && message.url !== '*' && !/^https?:\/\/[^/?#]+/i.test(message.url)) return 'only origin-form and http(s) absolute-form targets are routed';
  if (message.headers.filter(([name]) => name.toLowerCase() === 'host').length > 1) return 'more than one Host (RFC 9112 §3.2)';
  return undefined;
}

interface Received {
  method: string;
  url: string;
  rawHeaders: string[];
  rawTrailers: string[];
  body: Buffer;
  complete: boolean;
}

/** A node:http upstream that records every request, with a tap counting the raw bytes it was sent. */
async function recordingUpstream(): Promise<{ url: string; received: Received[]; rawBytes: () => number; garbage: () => number; close: () => Promise<void> }> {
  const received: Received[] = [];
  let rawBytes = 0;
  let garbage = 0;
  const http = createHttpServer((req, res) => {
    const entry: Received = { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, rawTrailers: [], body: Buffer.alloc(0), complete: false };
    received.push(entry);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      entry.body = Buffer.concat(chunks);
      entry.rawTrailers = req.rawTrailers;
      entry.complete = true;
      res.end('upstream-ok');
    });
  });
  http.on('clientError', (_error, socket) => {
    garbage++;
    socket.destroy();
  });
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    http.emit('connection', socket);
    socket.on('data', (chunk: Buffer) => (rawBytes += chunk.length)); // after the parser attached: it now reads through 'data' too
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const address = tcp.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    received,
    rawBytes: () => rawBytes,
    garbage: () => garbage,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        tcp.close(() => resolve());
      }),
  };
}

/** Final (non-1xx) status codes in what the client read, with their bodies skipped by content-length. */
function answers(raw: string): number[] {
  const statuses: number[] = [];
  let at = 0;
  for (;;) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end === -1) return statuses;
    const head = raw.slice(at, end);
    const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (raw.length < end + 4 + length) return statuses;
    if (status >= 200 || status === 0) statuses.push(status);
    at = end + 4 + length;
  }
}

interface Plan {
  /** The bytes sent: the case's, with a Host line added to HTTP/1.1 messages that have none. */
  bytes: Buffer;
  /** The messages that must reach the upstream, in order. */
  forwarded: CorpusMessage[];
  /** The gateway must refuse (an error response or a close) after those. */
  refused: boolean;
  /** Why a message llhttp accepts is refused, if that is the case. */
  deliberate: string | undefined;
  /** The stream ends inside an accepted message: its head may reach the upstream, not its end. */
  trailingIncomplete: boolean;
  /**
   * A lenient-mode case: strict llhttp stops somewhere in it, the log does not say where, so
   * the gateway must forward fewer messages than the log has, each as logged.
   */
  lenient: boolean;
}

const ADDED_HOST = 'Host: corpus.test\r\n';

function plan(c: CorpusCase): Plan {
  const forwarded: CorpusMessage[] = [];
  let refused = c.error !== undefined || !c.strictAccepts;
  let deliberate: string | undefined;
  let trailingIncomplete = false;
  for (const message of c.messages) {
    if (message.end === -1) {
      trailingIncomplete = c.error === undefined;
      break;
    }
    deliberate = message.headersComplete ? deliberateRequestRefusal(message) : undefined;
    if (deliberate !== undefined) {
      refused = true;
      break;
    }
    forwarded.push(message);
    if (!c.strictAccepts) continue; // see `lenient`
    const connection = message.headers.filter(([n]) => /^(proxy-)?connection$/i.test(n)).map(([, v]) => v.toLowerCase()).join(',');
    const tokens = connection.split(',').map((t) => t.trim());
    const keepAlive = message.minor === 1 ? !tokens.includes('close') : tokens.includes('keep-alive');
    if (!keepAlive || c.upgrade) break; // llhttp reads nothing after it as HTTP
  }
  if (!c.strictAccepts) trailingIncomplete = false;
  const parts: Buffer[] = [];
  let at = 0;
  for (const message of c.messages) {
    const needsHost = message.headersStart !== -1 && message.minor === 1 && message.major === 1 && !message.headers.some(([n]) => n.toLowerCase() === 'host');
    if (!needsHost) continue;
    parts.push(c.bytes.subarray(at, message.headersStart), Buffer.from(ADDED_HOST));
    at = message.headersStart;
  }
  parts.push(c.bytes.subarray(at));
  return { bytes: Buffer.concat(parts), forwarded, refused, deliberate, trailingIncomplete, lenient: c.type.includes('lenient') };
}

async function exchange(gatewayUrl: string, bytes: Buffer, endAfterWrite: boolean, wanted: number, refused: boolean): Promise<string> {
  const url = new URL(gatewayUrl);
  const socket = connect(Number(url.port), url.hostname);
  let raw = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  socket.write(bytes);
  if (endAfterWrite) socket.end();
  const deadline = Date.now() + 3000;
  while (!closed && Date.now() < deadline && answers(raw).length < wanted + (refused ? 1 : 0)) await delay(5);
  await delay(refused ? 5 : 30); // anything more would show now
  socket.destroy();
  return raw;
}

function compare(c: CorpusCase, expected: CorpusMessage, got: Received, index: number): void {
  const where = `${c.id} (${c.name}) message ${index}`;
  assert.equal(got.method, expected.method, `${where}: method`);
  const target = /^https?:\/\//i.test(expected.url) ? ((u) => `${u.pathname}${u.search}`)(new URL(expected.url)) : expected.url;
  assert.equal(got.url, target, `${where}: target`);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < got.rawHeaders.length; i += 2) pairs.push([got.rawHeaders[i]!, got.rawHeaders[i + 1]!]);
  const gatewayOwn = ['host', 'expect', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'];
  assert.deepEqual(endToEndHeaders(pairs, gatewayOwn), endToEndHeaders(expected.headers, gatewayOwn), `${where}: header lines`);
  const header = (name: string): string | undefined => pairs.find(([n]) => n.toLowerCase() === name)?.[1];
  if (expected.flags & FLAG_CHUNKED) assert.equal(header('transfer-encoding'), transferEncodingOf(expected.headers), `${where}: transfer-encoding`);
  else if (expected.flags & FLAG_CONTENT_LENGTH) assert.equal(header('content-length'), String(expected.contentLength), `${where}: content-length`);
  else assert.equal(header('transfer-encoding') ?? header('content-length') ?? '', '', `${where}: no framing header`);
  assert.equal(got.body.toString('latin1'), expected.body.toString('latin1'), `${where}: body`);
  const trailers: Array<[string, string]> = [];
  for (let i = 0; i < got.rawTrailers.length; i += 2) trailers.push([got.rawTrailers[i]!, got.rawTrailers[i + 1]!]);
  assert.deepEqual(endToEndHeaders(trailers), endToEndHeaders(expected.trailers), `${where}: trailer lines`);
  assert.ok(got.complete, `${where}: complete`);
}

const cases = loadCorpus().filter((c) => c.direction === 'request');
const tally = { accepted: 0, rejected: 0, deliberate: [] as string[], excluded: [] as string[] };

for (const c of cases) {
  test(`llhttp request corpus: ${c.id} ${c.name} [${c.strictAccepts ? 'accepted' : 'rejected'}]`, { timeout: 10_000 }, async () => {
    if (c.meta.skipBody === true) {
      // The caller told llhttp the message has no body: a parser-API switch, not a property of the bytes.
      tally.excluded.push(c.id);
      return;
    }
    const p = plan(c);
    const upstream = await recordingUpstream();
    const gateway = await startGateway({ upstreams: { primary: upstream.url } });
    try {
      const raw = await exchange(gateway.url, p.bytes, c.type.endsWith('-finish'), p.forwarded.length, p.refused);
      const statuses = answers(raw);
      await gateway.close();
      await delay(5);
      const complete = upstream.received.filter((r) => r.complete);
      if (p.lenient) {
        assert.ok(complete.length < c.messages.length || c.messages.length === 0, `${c.id}: strict llhttp refuses part of this, the gateway forwarded all of it`);
        p.forwarded.length = complete.length;
      }
      assert.equal(complete.length, p.forwarded.length, `${c.id}: messages reaching the upstream (client read ${JSON.stringify(raw.slice(0, 300))})`);
      p.forwarded.forEach((message, i) => compare(c, message, complete[i]!, i));
      if (!p.trailingIncomplete) assert.equal(upstream.received.length, p.forwarded.length, `${c.id}: the refused message reached the upstream in part`);
      if (!p.trailingIncomplete) assert.equal(upstream.garbage(), 0, `${c.id}: the upstream was sent bytes it could not parse`);
      if (p.forwarded.length === 0 && !p.trailingIncomplete) assert.equal(upstream.rawBytes(), 0, `${c.id}: bytes reached the upstream`);
      assert.deepEqual(statuses.slice(0, p.forwarded.length), p.forwarded.map(() => 200), `${c.id}: answers`);
      if (p.refused) assert.ok(statuses.length === p.forwarded.length || statuses[p.forwarded.length]! >= 400, `${c.id}: refused with ${statuses[p.forwarded.length]}`);
      if (p.deliberate !== undefined && c.strictAccepts) tally.deliberate.push(`${c.id}: ${p.deliberate}`);
      else if (c.strictAccepts) tally.accepted++;
      else tally.rejected++;
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
}

test('llhttp request corpus: every case ran', () => {
  assert.ok(cases.length >= 150, `only ${cases.length} request cases found`);
  const ran = tally.accepted + tally.rejected + tally.deliberate.length + tally.excluded.length;
  console.log(`llhttp request corpus: ${cases.length} cases, ${tally.accepted} accepted and relayed alike, ${tally.rejected} rejected alike, ${tally.deliberate.length} deliberately refused, ${tally.excluded.length} excluded`);
  for (const line of tally.deliberate) console.log(`  deliberate: ${line}`);
  assert.equal(ran, cases.length);
});
