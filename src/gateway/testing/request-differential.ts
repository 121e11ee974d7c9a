/**
 * One request-direction differential case: raw bytes written to the gateway
 * in pieces, a node:http upstream (llhttp) behind it, and llhttp run directly
 * on the same bytes as the reference. Then an innocent request on a new
 * connection, which must reach the upstream as itself.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startGateway } from '../gateway.js';
import { compareMessage, type Received } from './differential-judge.js';
import { parseRequests, type ParseResult } from './llhttp-reference.js';

/** Above the gateway's own head limit, so that only the gateway's limit decides. */
export const MAX_HEADER_SIZE = 96 * 1024;
const GATEWAY_HEAD_LIMIT = 32 * 1024;
const SEQ_HEADER = 'x-upstream-seq';
const INNOCENT = 'GET /innocent HTTP/1.1\r\nHost: innocent.example\r\n\r\n';

export interface RequestCase {
  /** The bytes, as the pieces the client writes (each a separate read, most of the time). */
  pieces: Buffer[];
  /** Generated without mutations: the gateway must forward every message. */
  valid: boolean;
}

export interface CaseOutcome {
  problems: string[];
  /** Messages the upstream parsed completely. */
  forwarded: number;
  refused: boolean;
}

interface Seen extends Received {
  headBytes: number;
}

/** A node:http upstream that records every request, complete or not, and answers complete ones. */
async function startRecorder(onEvent: () => void) {
  const seen: Seen[] = [];
  const errors: string[] = [];
  const server = createServer({ maxHeaderSize: MAX_HEADER_SIZE }, (req: IncomingMessage, res) => {
    const record: Seen = { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, rawTrailers: [], body: Buffer.alloc(0), complete: false, headBytes: headSize(req) };
    seen.push(record);
    onEvent();
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      parts.push(chunk);
      onEvent();
    });
    req.on('end', () => {
      record.body = Buffer.concat(parts);
      record.rawTrailers = req.rawTrailers;
      record.complete = true;
      onEvent();
      res.setHeader(SEQ_HEADER, String(seen.indexOf(record)));
      res.end('ok');
    });
  });
  server.maxHeadersCount = 0; // all of them: the reference keeps every header too
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    errors.push(error.code ?? error.message);
    onEvent();
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { seen, errors, url, close };
}

function headSize(req: IncomingMessage): number {
  let size = req.method!.length + req.url!.length + 12;
  for (let i = 0; i < req.rawHeaders.length; i += 2) size += req.rawHeaders[i]!.length + req.rawHeaders[i + 1]!.length + 4;
  return size;
}

/** How long a state that looks wrong may take to come right: generous, since only a loaded machine or a real difference waits it out. */
const PATIENCE_MS = 10_000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A raw client connection that counts the answers it gets. */
function openClient(url: string, onEvent: () => void) {
  const { port, hostname } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.setNoDelay(true);
  const state = { bytes: '', closed: false, socket };
  socket.on('data', (chunk: Buffer) => {
    state.bytes += chunk.toString('latin1');
    onEvent();
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    state.closed = true;
    onEvent();
  });
  return state;
}

function answersIn(bytes: string): number {
  return bytes.split(`\r\n${SEQ_HEADER}: `).length - 1;
}

/**
 * Waits until the exchange is over (`done`), or, when the gateway may rightly
 * wait for more bytes, until nothing has happened for `quietMs`. A state that
 * still looks wrong gets more time (a slow machine), up to `patienceMs`.
 */
async function settle(options: { done: () => boolean; quietMs: number; looksRight: () => boolean; idleSince: () => number; patienceMs: number }): Promise<void> {
  const start = Date.now();
  for (;;) {
    await delay(2);
    const idle = Date.now() - options.idleSince();
    const over = (options.done() && idle >= 4) || idle >= options.quietMs;
    if ((over && options.looksRight()) || Date.now() - start > options.patienceMs) return;
  }
}

export async function runRequestCase(testCase: RequestCase): Promise<CaseOutcome> {
  const bytes = Buffer.concat(testCase.pieces);
  const reference = parseRequests(bytes, { maxHeaderSize: MAX_HEADER_SIZE });
  let lastEvent = Date.now();
  const touch = () => void (lastEvent = Date.now());
  const upstream = await startRecorder(touch);
  const gateway = await startGateway({ upstreams: { primary: upstream.url }, upstreamTimeoutMs: 2_000 });
  try {
    const client = openClient(gateway.url, touch);
    await new Promise<void>((resolve, reject) => client.socket.once('connect', resolve).once('error', reject));
    for (const [i, piece] of testCase.pieces.entries()) {
      if (i > 0) await delay(1);
      if (client.closed) break;
      client.socket.write(piece);
    }
    const expected = reference.messages.filter((m) => m.complete).length;
    const judgeNow = () => judgeRequests(reference, upstream, client, testCase.valid);
    // llhttp reads every message whole: each must be answered (or refused). llhttp waits for more: the
    // gateway may wait too, so a quiet spell ends the case. llhttp rejects: the gateway must close.
    const clean = reference.error === undefined && !reference.upgraded && reference.messages.every((m) => m.complete);
    const unfinished = reference.error === undefined && !reference.upgraded && !clean;
    const done = clean ? () => client.closed || answersIn(client.bytes) >= expected : unfinished ? () => false : () => client.closed;
    // Bytes llhttp rejects look right only once the gateway has closed: a quiet spell on a slow machine is no refusal.
    const looksRight = () => judgeNow().length === 0 && (reference.error === undefined || client.closed);
    await settle({ done, quietMs: clean ? 2_000 : unfinished ? 30 : 100, looksRight, idleSince: () => lastEvent, patienceMs: PATIENCE_MS });
    client.socket.destroy();
    const problems = judgeNow();
    // The next client on the same pooled upstream connection must get its own answer.
    const innocent = openClient(gateway.url, touch);
    innocent.socket.write(INNOCENT);
    const innocentAt = () => upstream.seen.findIndex((m) => m.url === '/innocent');
    await settle({ done: () => answersIn(innocent.bytes) >= 1 || innocent.closed, quietMs: 3_000, looksRight: () => innocentAt() !== -1, idleSince: () => lastEvent, patienceMs: PATIENCE_MS });
    innocent.socket.destroy();
    const at = innocentAt();
    const caseSeen = upstream.seen.filter((_, i) => i !== at);
    if (at === -1 || !upstream.seen[at]!.complete || upstream.seen[at]!.method !== 'GET') problems.push(`the next client's request did not reach the upstream as itself`);
    else if (!innocent.bytes.includes(`\r\n${SEQ_HEADER}: ${at}\r\n`)) problems.push(`the next client got ${JSON.stringify(innocent.bytes.slice(0, 200))}`);
    // Judged again with whatever the case's bytes led to since, however slowly (its client is gone: no answers to count).
    problems.push(...judgeRequests(reference, { seen: caseSeen, errors: upstream.errors }, client, testCase.valid, false));
    const forwarded = caseSeen.filter((m) => m.complete).length;
    return { problems: [...new Set(problems)], forwarded, refused: client.bytes.includes('\r\nx-kcanary-variant: gateway\r\n') };
  } finally {
    await gateway.close();
    await upstream.close();
  }
}

/** The request-direction property (see the module comment). */
export function judgeRequests(reference: ParseResult, upstream: { seen: Seen[]; errors: string[] }, client: { bytes: string; closed: boolean }, valid: boolean, countAnswers = true): string[] {
  const problems: string[] = [];
  if (upstream.errors.length > 0) problems.push(`the upstream could not parse what the gateway sent: ${upstream.errors.join(', ')}`);
  const seen = upstream.seen;
  const complete = seen.filter((m) => m.complete).length;
  if (seen.slice(0, -1).some((m) => !m.complete)) problems.push('the upstream saw a message cut short before another one');
  // After an upgrade llhttp stops reading HTTP; the gateway does not upgrade and reads on.
  const comparable = reference.upgraded ? reference.messages.length : seen.length;
  if (!reference.upgraded && seen.length > reference.messages.length) {
    problems.push(`the upstream parsed ${seen.length} messages where llhttp reads ${reference.messages.length} (${reference.error ?? 'no error'})`);
  }
  for (let i = 0; i < Math.min(comparable, seen.length, reference.messages.length); i++) {
    problems.push(...compareMessage(reference.messages[i]!, seen[i]!, `message ${i + 1}`));
    if (seen[i]!.headBytes > GATEWAY_HEAD_LIMIT + 256) problems.push(`message ${i + 1}: a ${seen[i]!.headBytes}-byte head reached the upstream`);
  }
  const refused = client.bytes.includes('\r\nx-kcanary-variant: gateway\r\n');
  const cut = seen.at(-1);
  if (cut !== undefined && !cut.complete && !refused && !client.closed && reference.messages[seen.length - 1]?.complete) {
    problems.push(`message ${seen.length}: the upstream waits for the rest of a message llhttp reads as complete`);
  }
  const answers = answersIn(client.bytes);
  if (countAnswers && answers !== complete) problems.push(`the client got ${answers} answers for ${complete} messages the upstream parsed`);
  if (valid && countAnswers) {
    if (reference.error !== undefined) problems.push(`the generator made bytes llhttp rejects (${reference.error})`);
    else if (refused || complete !== reference.messages.length) problems.push(`valid messages refused: ${complete} of ${reference.messages.length} forwarded; client got ${JSON.stringify(client.bytes.slice(-160))}`);
  }
  return problems;
}
