/**
 * llhttp's own test corpus (the markdown files of nodejs/llhttp's test/
 * folder) as data: each case's raw bytes and, from its log block, the
 * messages llhttp parsed out of them and whether strict mode rejects them.
 * Used by the gateway's conformance tests and its differential fuzzer.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';

/** Set to read the corpus from elsewhere than `shared/conformance/llhttp` beside the repository. */
export const CORPUS_ENV = 'KCANARY_LLHTTP_CORPUS';

/**
 * The corpus folder (the one holding `test/`): the environment's, else
 * `shared/conformance/llhttp` in the nearest folder above the repository
 * that has one (`../shared` for a checkout, further up for a worktree).
 */
export function corpusDir(): string {
  const fromEnv = process.env[CORPUS_ENV];
  if (fromEnv) return fromEnv;
  // dist/gateway/testing/ → the repository root is three levels up.
  let dir = dirname(fileURLToPath(new URL('../../../', import.meta.url)));
  for (;;) {
    const candidate = join(dir, 'shared', 'conformance', 'llhttp');
    if (existsSync(join(candidate, 'test'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return fileURLToPath(new URL('../../../../shared/conformance/llhttp/', import.meta.url));
    dir = parent;
  }
}

export type Direction = 'request' | 'response';

/** One message as llhttp saw it, with spans cut from the input by their offsets. */
export interface CorpusMessage {
  /** Offset of `message begin`. */
  start: number;
  /** Offset just past `message complete`, or -1 when it never completed in the log. */
  end: number;
  method: string;
  url: string;
  protocol: string;
  version: string;
  /** From `headers complete ... v=M/m` (an HTTP/0.9 request has no version span but v=0/9). */
  major: number;
  minor: number;
  /** Response status (0 for requests). */
  status: number;
  reason: string;
  /** [name, value] as llhttp reported them (value without leading whitespace). */
  headers: Array<[string, string]>;
  /** Header lines after the last chunk. */
  trailers: Array<[string, string]>;
  /** The `headers complete` line was reached. */
  headersComplete: boolean;
  /** Offset just past the request line's CRLF (where a header may be inserted), -1 if not reached. */
  headersStart: number;
  /** llhttp's flags at headers complete (CHUNKED = 8, CONTENT_LENGTH = 32, TRANSFER_ENCODING = 512). */
  flags: number;
  contentLength: number;
  /** The payload: span[body] bytes concatenated (chunk framing removed). */
  body: Buffer;
  /** `skip body` was logged (the caller said the message has no body, e.g. the answer to HEAD). */
  skipBody: boolean;
}

export interface CorpusCase {
  /** e.g. `request/transfer-encoding.md:120` */
  id: string;
  file: string;
  line: number;
  /** The headings above the case, joined with ' / '. */
  name: string;
  direction: Direction;
  /** The meta `type`, e.g. `request`, `response-finish`, `request-lenient-headers`. */
  type: string;
  meta: Record<string, unknown>;
  /** The bytes, as llhttp's harness builds them from the http block. */
  bytes: Buffer;
  messages: CorpusMessage[];
  /** The error llhttp stopped at, if any (the upgrade pause is not one: see `upgrade`). */
  error: { offset: number; code: number; reason: string } | undefined;
  /** llhttp stopped because the rest of the stream is another protocol (Upgrade, CONNECT, 101). */
  upgrade: boolean;
  /** Strict llhttp accepts the whole input: no error, and not a lenient-mode case. */
  strictAccepts: boolean;
}

export const FLAG_CHUNKED = 8;
export const FLAG_CONTENT_LENGTH = 32;
export const FLAG_TRANSFER_ENCODING = 512;
const PAUSED_UPGRADE = 22;

/** llhttp's test/md-test.ts: the http block to bytes. */
export function blockToBytes(block: string): Buffer {
  let input = block.replace(/\n$/, '');
  input = input.replace(/\\(\r\n|\r|\n)/g, '');
  input = input.replace(/\r\n|\r|\n/g, '\r\n');
  input = input.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\f/g, '\f');
  input = input.replace(/\\x([0-9a-fA-F]+)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  input = input.replace(/\\([0-7]{1,3})/g, (_, digits: string) => String.fromCharCode(parseInt(digits, 8)));
  input = input.replace(/\$\{(.+?)\}/g, (_, code: string) => String(runInNewContext(code)));
  return Buffer.from(input, 'utf8'); // as llhttp's harness: offsets in the log count UTF-8 bytes
}

function emptyMessage(start: number): CorpusMessage {
  return { start, end: -1, method: '', url: '', protocol: '', version: '', major: -1, minor: -1, status: 0, reason: '', headers: [], trailers: [], headersComplete: false, headersStart: -1, flags: 0, contentLength: 0, body: Buffer.alloc(0), skipBody: false };
}

const SPAN = /^off=(\d+) len=(\d+) span\[([a-z_]+)\]/;
const EVENT = /^off=(\d+) (.*)$/;

/** One `off=N what` line of the log, for the message it belongs to. */
function applyEvent(message: CorpusMessage, what: string, offset: number, take: (kind: string) => string, bytes: Buffer): void {
  if (what === 'method complete') message.method = take('method');
  else if (what === 'url complete') message.url = take('url');
  else if (what === 'protocol complete') message.protocol = take('protocol');
  else if (what === 'version complete') {
    message.version = take('version');
    if (message.method !== '' && bytes.toString('latin1', offset, offset + 2) === '\r\n') message.headersStart = offset + 2;
  } else if (what === 'status complete') message.reason = take('status');
  else if (what === 'header_value complete') (message.headersComplete ? message.trailers : message.headers).push([take('header_field'), take('header_value')]);
  else if (what.startsWith('headers complete')) {
    message.headersComplete = true;
    message.flags = parseInt(/flags=([0-9a-f]+)/.exec(what)?.[1] ?? '0', 16); // printed in hex
    const version = / v=(\d+)\/(\d+)/.exec(what);
    if (version) [message.major, message.minor] = [Number(version[1]), Number(version[2])];
    message.contentLength = Number(/content_length=(\d+)/.exec(what)?.[1] ?? '0');
    const status = /status=(\d+)/.exec(what);
    if (status) message.status = Number(status[1]);
  } else if (what === 'skip body') message.skipBody = true;
  else if (what === 'message complete') message.end = offset;
}

/** Reads a log block into messages, cutting each span out of `bytes` by its offset and length. */
export function parseLog(log: string, bytes: Buffer): Pick<CorpusCase, 'messages' | 'error' | 'upgrade'> {
  const messages: CorpusMessage[] = [];
  let error: CorpusCase['error'];
  let upgrade = false;
  let current: CorpusMessage | undefined;
  const spans = new Map<string, string>();
  const bodies: Buffer[] = [];
  const take = (kind: string): string => {
    const value = spans.get(kind) ?? '';
    spans.delete(kind);
    return value;
  };
  const finishBody = (): void => {
    if (current !== undefined) current.body = Buffer.concat(bodies);
  };
  for (const line of log.split('\n')) {
    const span = SPAN.exec(line);
    if (span) {
      const [, off, len, kind] = span;
      const text = bytes.toString('latin1', Number(off), Number(off) + Number(len));
      if (kind === 'body') bodies.push(bytes.subarray(Number(off), Number(off) + Number(len)));
      else spans.set(kind!, (spans.get(kind!) ?? '') + text);
      continue;
    }
    const event = EVENT.exec(line);
    if (!event) continue;
    const offset = Number(event[1]);
    const what = event[2]!;
    if (what === 'message begin') {
      finishBody();
      bodies.length = 0;
      spans.clear();
      current = emptyMessage(offset);
      messages.push(current);
    } else if (current !== undefined) applyEvent(current, what, offset, take, bytes);
    const failure = /^error code=(\d+) reason="(.*)"$/.exec(what);
    if (failure) {
      if (Number(failure[1]) === PAUSED_UPGRADE) upgrade = true;
      else error = { offset, code: Number(failure[1]), reason: failure[2]! };
    }
  }
  finishBody();
  return { messages, error, upgrade };
}

/** Every case of one markdown file. */
export function parseCorpusFile(text: string, file: string): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const headings: string[] = [];
  const lines = text.split('\n');
  let meta: Record<string, unknown> | undefined;
  let http: string | undefined;
  let httpLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^(#+) (.*)$/.exec(line);
    if (heading) {
      headings.length = heading[1]!.length - 1;
      headings[heading[1]!.length - 1] = heading[2]!;
      continue;
    }
    const metaMatch = /^<!-- meta=(\{.*\}) -->$/.exec(line);
    if (metaMatch) {
      meta = JSON.parse(metaMatch[1]!) as Record<string, unknown>;
      continue;
    }
    const fence = /^```(http|log)\s*$/.exec(line);
    if (!fence) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    const block = lines.slice(i + 1, end).join('\n') + '\n';
    if (fence[1] === 'http') {
      http = block;
      httpLine = i + 1;
    } else if (http !== undefined && meta !== undefined) {
      const type = String(meta.type);
      const bytes = blockToBytes(http);
      const parsed = parseLog(block, bytes);
      cases.push({
        id: `${file}:${httpLine}`,
        file,
        line: httpLine,
        name: headings.filter(Boolean).join(' / '),
        direction: type.startsWith('response') ? 'response' : 'request',
        type,
        meta,
        bytes,
        ...parsed,
        strictAccepts: parsed.error === undefined && !type.includes('lenient'),
      });
      http = undefined;
      meta = undefined;
    }
    i = end;
  }
  return cases;
}

/** All cases of the corpus, requests then responses, in file order. */
export function loadCorpus(dir = corpusDir()): CorpusCase[] {
  const root = join(dir, 'test');
  if (!existsSync(root)) throw new Error(`llhttp's corpus is not at ${root}: set ${CORPUS_ENV}`);
  const cases: CorpusCase[] = [];
  for (const direction of ['request', 'response']) {
    for (const name of readdirSync(join(root, direction)).filter((n) => n.endsWith('.md')).sort()) {
      cases.push(...parseCorpusFile(readFileSync(join(root, direction, name), 'utf8'), `${direction}/${name}`));
    }
  }
  return cases;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the framing headers: what a proxy does not pass on as received. */
const NOT_END_TO_END = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'content-length', 'upgrade']);

function trimOws(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

/**
 * The end-to-end header lines of a message, values without surrounding
 * SP/HTAB: without hop-by-hop and framing headers, the ones `Connection`
 * names, and `alsoDropped` (lower-case names a proxy replaces, e.g. host).
 */
export function endToEndHeaders(headers: ReadonlyArray<readonly [string, string]>, alsoDropped: readonly string[] = []): Array<[string, string]> {
  const dropped = new Set([...NOT_END_TO_END, ...alsoDropped]);
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'connection' || lower === 'proxy-connection') for (const token of value.split(',')) dropped.add(trimOws(token).toLowerCase());
  }
  return headers.filter(([name]) => !dropped.has(name.toLowerCase())).map(([name, value]) => [name.toLowerCase(), trimOws(value)]);
}

/** The Transfer-Encoding values of a message joined as one list, as a proxy forwards them ('' when none). */
export function transferEncodingOf(headers: ReadonlyArray<readonly [string, string]>): string {
  return headers
    .filter(([name]) => name.toLowerCase() === 'transfer-encoding')
    .map(([, value]) => trimOws(value))
    .filter((value) => value !== '')
    .join(', ');
}
