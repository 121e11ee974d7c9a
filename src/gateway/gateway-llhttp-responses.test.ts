/**
 * Every response case of llhttp's corpus, sent raw by an upstream through
 * the gateway to a node:http client (llhttp again) on real sockets: what
 * strict llhttp rejects is a 502 with none of it relayed; what it accepts
 * reaches the client with the same status, header lines, trailers and body.
 */
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { startGateway } from './index.js';
import { endToEndHeaders, FLAG_CHUNKED, FLAG_CONTENT_LENGTH, loadCorpus, transferEncodingOf, type CorpusCase, type CorpusMessage } from './testing/llhttp-corpus.js';

/** What llhttp accepts in an answer and the gateway refuses on purpose (502), with the reason (docs/adr/local-gateway.md). */
function deliberateResponseRefusal(message: CorpusMessage, interim: boolean): string | undefined {
  if (message.protocol !== 'HTTP') return `${message.protocol}/x.x answers are not HTTP`;
  if (message.major !== 1 || message.minor > 1) return `HTTP/${message.major}.${message.minor} answers on an HTTP/1.1 connection`;
  if (message.status === 101) return 'no protocol switch (101) through the gateway';
  if (message.status < 100) return 'status codes below 100 are not HTTP (RFC 9110 §15)';
  if (interim && (message.flags & (FLAG_CHUNKED | FLAG_CONTENT_LENGTH) || message.contentLength > 0)) return 'a 1xx answer with a body';
  return undefined;
}

/** One answer to one request: interim 1xx messages, then the final one. */
interface Answer {
  messages: CorpusMessage[];
  final: CorpusMessage;
  /** Offset of its first byte in the case's bytes. */
  start: number;
}

function answersOf(c: CorpusCase): Answer[] {
  const answers: Answer[] = [];
  let group: CorpusMessage[] = [];
  for (const message of c.messages) {
    group.push(message);
    if (message.end !== -1 && message.status >= 100 && message.status < 200 && message.status !== 101) continue;
    answers.push({ messages: group, final: message, start: answers.length === 0 ? 0 : group[0]!.start });
    group = [];
  }
  if (group.length > 0) answers.push({ messages: group, final: group[group.length - 1]!, start: answers.length === 0 ? 0 : group[0]!.start });
  return answers;
}

/** The body ends when the connection closes: llhttp logs no `message complete` for it, the upstream's close ends it. */
function endsAtClose(message: CorpusMessage): boolean {
  return message.headersComplete && !message.skipBody && !(message.flags & (FLAG_CHUNKED | FLAG_CONTENT_LENGTH)) && message.status >= 200 && message.status !== 204 && message.status !== 304;
}

/** An upstream that answers the k-th request it gets (on any connection) with the k-th answer's bytes, and closes after the last. */
async function scriptedUpstream(c: CorpusCase, answers: Answer[]): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let served = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) !== -1) {
        buffered = buffered.slice(end + 4);
        const k = served++;
        if (k >= answers.length) return void socket.destroy();
        socket.write(c.bytes.subarray(answers[k]!.start, k + 1 < answers.length ? answers[k + 1]!.start : c.bytes.length));
        if (k + 1 === answers.length) socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    requests: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Got {
  status: number;
  rawHeaders: string[];
  rawTrailers: string[];
  body: Buffer;
  /** The connection was cut before the answer ended. */
  cut: boolean;
}

function get(gatewayUrl: string, agent: Agent, method: string): Promise<Got> {
  const url = new URL(gatewayUrl);
  return new Promise((resolve) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: '/corpus', agent }, (res) => {
      const chunks: Buffer[] = [];
      const got: Got = { status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, rawTrailers: [], body: Buffer.alloc(0), cut: true };
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        got.body = Buffer.concat(chunks);
        got.rawTrailers = res.rawTrailers;
        got.cut = !res.complete;
        resolve(got);
      });
      res.on('error', () => resolve({ ...got, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(3000, () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve({ status: 0, rawHeaders: [], rawTrailers: [], body: Buffer.alloc(0), cut: true }));
    req.end();
  });
}

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

function assertRelayed(c: CorpusCase, answer: Answer, got: Got, index: number): void {
  const where = `${c.id} (${c.name}) answer ${index}`;
  const expected = answer.final;
  assert.equal(got.status, expected.status, `${where}: status (body ${JSON.stringify(got.body.toString('latin1').slice(0, 120))})`);
  assert.deepEqual(endToEndHeaders(pairs(got.rawHeaders), ['x-kcanary-variant']), endToEndHeaders(expected.headers), `${where}: header lines`);
  const header = (name: string): string | undefined => pairs(got.rawHeaders).find(([n]) => n.toLowerCase() === name)?.[1];
  if (expected.flags & FLAG_CHUNKED) assert.equal(header('transfer-encoding'), transferEncodingOf(expected.headers), `${where}: transfer-encoding`);
  if (expected.flags & FLAG_CONTENT_LENGTH) assert.equal(header('content-length'), String(expected.contentLength), `${where}: content-length`);
  assert.equal(got.body.toString('latin1'), expected.skipBody ? '' : expected.body.toString('latin1'), `${where}: body`);
  assert.deepEqual(endToEndHeaders(pairs(got.rawTrailers)), endToEndHeaders(expected.trailers), `${where}: trailer lines`);
  assert.equal(got.cut, false, `${where}: cut short`);
}

function assertRefused(c: CorpusCase, got: Got, index: number): void {
  const where = `${c.id} (${c.name}) answer ${index}`;
  assert.equal(got.status, 502, `${where}: status (body ${JSON.stringify(got.body.toString('latin1').slice(0, 120))})`);
  assert.match(got.body.toString('latin1'), /^\{"error":/, `${where}: the gateway's own answer, none of the upstream's`);
}

const cases = loadCorpus().filter((c) => c.direction === 'response');
const tally = { accepted: 0, rejected: 0, deliberate: [] as string[] };

for (const c of cases) {
  test(`llhttp response corpus: ${c.id} ${c.name} [${c.strictAccepts ? 'accepted' : 'rejected'}]`, { timeout: 15_000 }, async () => {
    const answers = answersOf(c);
    const lenient = c.type.includes('lenient');
    const upstream = await scriptedUpstream(c, answers);
    const gateway = await startGateway({ upstreams: { primary: upstream.url } });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let deliberate: string | undefined;
    let refusedSeen = false;
    try {
      for (const [index, answer] of answers.entries()) {
        const got = await get(gateway.url, agent, answer.final.skipBody ? 'HEAD' : 'GET');
        const reason = answer.messages.map((m, i) => (m.headersComplete ? deliberateResponseRefusal(m, i < answer.messages.length - 1) : undefined)).find((r) => r !== undefined);
        const broken = c.error !== undefined && answer.final.end === -1 && c.error.offset >= answer.start;
        if (lenient) {
          // Strict llhttp stops somewhere in it; the log does not say where: a prefix is relayed as logged, then a 502.
          if (got.status === 502 || got.cut) {
            refusedSeen = true;
            break;
          }
          if (answer.final.end !== -1 || endsAtClose(answer.final)) assertRelayed(c, answer, got, index);
          continue;
        }
        if (reason !== undefined || broken) {
          assertRefused(c, got, index);
          deliberate = broken ? undefined : reason;
          break;
        }
        if (answer.final.end === -1 && !endsAtClose(answer.final)) break; // the log stops inside it: nothing to compare
        assertRelayed(c, answer, got, index);
      }
      // In these two modes llhttp only reads on after a `Connection: close` answer, where the gateway reads nothing.
      const afterClose = /keep-alive|data-after-close/.test(c.type);
      if (lenient && !afterClose) assert.ok(refusedSeen || answers.length === 0, `${c.id}: strict llhttp rejects part of this, the gateway relayed all of it`);
      if (deliberate !== undefined && c.strictAccepts) tally.deliberate.push(`${c.id}: ${deliberate}`);
      else if (c.strictAccepts) tally.accepted++;
      else tally.rejected++;
    } finally {
      agent.destroy();
      await gateway.close();
      await upstream.close();
    }
  });
}

test('llhttp response corpus: every case ran', () => {
  assert.ok(cases.length >= 80, `only ${cases.length} response cases found`);
  console.log(`llhttp response corpus: ${cases.length} cases, ${tally.accepted} accepted and relayed alike, ${tally.rejected} rejected alike, ${tally.deliberate.length} deliberately refused`);
  for (const line of tally.deliberate) console.log(`  deliberate: ${line}`);
  assert.equal(tally.accepted + tally.rejected + tally.deliberate.length, cases.length);
});
