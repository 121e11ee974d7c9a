/**
 * fast-check generators of raw HTTP/1.1 traffic for the differential tests:
 * valid messages, then mutations of them that attack framing (duplicated,
 * mixed and obfuscated framing headers, odd bytes in names, values, chunk
 * sizes, extensions and trailers, bare line ends, pipelining), delivered in
 * pieces split at random points. Strings are latin1: one char, one byte.
 */
import fc from 'fast-check';

export interface MessageModel {
  /** Bytes before the start line (stray CRLFs). */
  leading: string;
  startLine: string;
  headers: string[];
  body: BodyModel;
  /** Bytes after the message (responses: unrequested extra bytes). */
  trailing: string;
  /** The extension of the last (zero) chunk. */
  lastChunkExt?: string;
  /** The line end after header `index` (the start line when index = -1) instead of CRLF. */
  lineEnd?: { index: number; end: string };
  /** One byte inserted, replaced or deleted anywhere in the serialized message. */
  byteEdit?: { position: number; byte: number; op: 'insert' | 'replace' | 'delete' };
}

export type BodyModel =
  | { kind: 'none' }
  | { kind: 'raw'; data: string }
  | { kind: 'chunked'; chunks: Array<{ size: string; ext: string; data: string }>; trailers: string[] };

/** A generated message with the names of the mutations applied to it (none: it is valid). */
export interface Mutated {
  model: MessageModel;
  tags: string[];
}

export type Mutation = { tag: string; apply: (model: MessageModel) => MessageModel };

const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&\'*+-.^_`|~';
const VALUE_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const PATH_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-._~%!$&\'()*+,;=:@/';

const chars = (alphabet: string, min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => a.join(''));
const latin1 = (max: number): fc.Arbitrary<string> => fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: max }).map((a) => String.fromCharCode(...a));

const headerName = chars(TOKEN_CHARS, 1, 12).filter((name) => !FRAMING_OR_ROUTING.has(name.toLowerCase()));
const headerValue = chars(VALUE_CHARS, 0, 24).map((v) => v.trim());
const extraHeader = fc.tuple(headerName, fc.constantFrom(': ', ':', ':  ', ': \t'), headerValue, fc.constantFrom('', '', ' ', '\t')).map(([n, sep, v, end]) => `${n}${sep}${v}${end}`);

/** Names whose meaning the generators control themselves. */
const FRAMING_OR_ROUTING = new Set(['content-length', 'transfer-encoding', 'connection', 'host', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive', 'x-kcanary-variant', 'proxy-connection']);

const payload = fc.oneof({ weight: 6, arbitrary: latin1(48) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 70_000 }).map((n) => 'b'.repeat(n)) });

const chunked = fc.record({
  chunks: fc.array(
    fc.tuple(latin1(40).filter((d) => d.length > 0), fc.boolean(), fc.constantFrom('', '', '', ';a=1', ';name="quoted value"', ';x')).map(([data, upper, ext]) => {
      const size = data.length.toString(16);
      return { size: upper ? size.toUpperCase() : size, ext, data };
    }),
    { maxLength: 4 },
  ),
  trailers: fc.array(fc.tuple(headerName, headerValue).map(([n, v]) => `${n}: ${v}`), { maxLength: 2 }),
});

/** A body and the framing header line(s) that announce it. */
const framedBody = fc.oneof(
  fc.constant({ framing: [] as string[], body: { kind: 'none' } as BodyModel }),
  payload.map((data) => ({ framing: [`Content-Length: ${data.length}`], body: { kind: 'raw', data } as BodyModel })),
  chunked.map(({ chunks, trailers }) => ({ framing: ['Transfer-Encoding: chunked'], body: { kind: 'chunked', chunks, trailers } as BodyModel })),
);

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const target = fc.oneof(
  { weight: 8, arbitrary: chars(PATH_CHARS, 0, 30).map((p) => `/v1/${p}`) },
  { weight: 1, arbitrary: fc.constant('/') },
  { weight: 1, arbitrary: chars(PATH_CHARS, 0, 10).map((p) => `http://models.example/${p.replace(/[%]/g, '')}`) },
);

/** A valid request; HTTP/1.0 and `Connection: close` only where the connection may end. */
export function validRequest(last: boolean): fc.Arbitrary<MessageModel> {
  return fc
    .record({
      method: fc.constantFrom(...METHODS),
      target,
      http10: last ? fc.boolean() : fc.constant(false),
      close: last ? fc.boolean() : fc.constant(false),
      extra: fc.array(extraHeader, { maxLength: 5 }),
      framed: framedBody,
      hostFirst: fc.boolean(),
    })
    .map(({ method, target, http10, close, extra, framed, hostFirst }) => {
      const chunkedOn10 = http10 && framed.body.kind === 'chunked';
      const headers = [...extra, ...(chunkedOn10 ? [] : framed.framing)];
      headers.splice(hostFirst ? 0 : headers.length, 0, 'Host: models.example');
      if (close) headers.push('Connection: close');
      return {
        leading: '',
        startLine: `${method} ${target} HTTP/1.${http10 ? 0 : 1}`,
        headers,
        body: chunkedOn10 ? { kind: 'none' } : framed.body,
        trailing: '',
      };
    });
}

const STATUSES = [200, 200, 200, 201, 202, 203, 204, 206, 301, 304, 400, 404, 409, 418, 500, 503];

/** A valid response; `closeDelimited` ones end when the upstream closes. */
export function validResponse(head: boolean): fc.Arbitrary<{ model: MessageModel; closeDelimited: boolean }> {
  return fc
    .record({ status: fc.constantFrom(...STATUSES), http10: fc.boolean(), extra: fc.array(extraHeader, { maxLength: 5 }), framed: framedBody, untilClose: fc.boolean(), interim: fc.boolean() })
    .map(({ status, http10, extra, framed, untilClose, interim }) => {
      const noBody = status === 204 || status === 304;
      let body = framed.body;
      let framing = framed.framing;
      if (noBody) {
        body = { kind: 'none' };
        framing = [];
      } else if (body.kind === 'none') framing = ['Content-Length: 0'];
      else if (http10 && body.kind === 'chunked') {
        const data = body.chunks.map((c) => c.data).join('');
        body = { kind: 'raw', data };
        framing = [`Content-Length: ${data.length}`];
      }
      const closeDelimited = !noBody && untilClose && body.kind === 'raw';
      if (closeDelimited) framing = [];
      const headers = [...extra, ...framing];
      if (http10 && !closeDelimited) headers.push('Connection: keep-alive');
      return {
        model: { leading: interim ? 'HTTP/1.1 100 Continue\r\n\r\n' : '', startLine: `HTTP/1.${http10 ? 0 : 1} ${status} Reason`, headers, body: head ? { kind: 'none' } : body, trailing: '' },
        closeDelimited,
      };
    });
}

// ---- mutations ---------------------------------------------------------------

const ODD_NAME_BYTES = ['\x00', ' ', '\t', '\x7f', '\x80', '\xff', '(', '"', '@', '\r', '\n', ':', '\x0b'];
const ODD_VALUE_BYTES = ['\x00', '\x01', '\t', '\x0b', '\x0c', '\x7f', '\x80', '\xa0', '\xff', '\r', '\n', '\x1f'];
const CL_VALUES = ['+5', '05', '5 5', '-1', '0x5', '', ' 5', '5,5', '5, 5', '99999999999999999999', '1e1', '5\t', '\xa05', '5\xa0', '0'];
const TE_VALUES = ['gzip, chunked', 'chunked, gzip', 'identity, chunked', 'x, chunked', 'chunked, chunked', 'gzip', 'chunked\xa0', ' chunked', 'xchunked', 'chunked;q=1', 'CHUNKED', 'chunked ,', ',chunked', '\x0bchunked', 'chunked\x00'];
const CONNECTION_VALUES = ['content-length', 'transfer-encoding', 'close', 'keep-alive', 'x-foo', 'content-length, keep-alive', 'Transfer-Encoding', 'upgrade', 'close\xa0', 'host'];
const CHUNK_SIZE_EDITS: Array<(size: string) => string> = [(s) => `0x${s}`, (s) => ` ${s}`, (s) => `${s} `, (s) => `${s}\t`, (s) => `+${s}`, (s) => `-${s}`, (s) => `000${s}`, (s) => `${s}${'0'.repeat(18)}`, (s) => (parseInt(s, 16) + 1).toString(16), (s) => Math.max(parseInt(s, 16) - 1, 0).toString(16), (s) => `${s}\x00`, (s) => `${s}g`];
const CHUNK_EXTS = [';a=b', ';a="b c"', '; a=b', ';a', ';a=\x00', ';"', ';a=b c', ' ;a', ';a=b\xff', ';=b', ';a=\r', ';a="\\"', ';a=b;c=d', ';' + 'e'.repeat(5000), ';a=\t'];
const TRAILERS = ['X-T: v', 'GARBAGE', 'X: \x00', 'Content-Length: 5', ': v', 'X-T : v', 'X-T:\xa0v', 'Transfer-Encoding: chunked', ' folded', 'X-T: a\rb'];
const START_LINE_EDITS: Array<(line: string) => string> = [
  (l) => l.toLowerCase(),
  (l) => l.replace(/^\S+/, 'FOO'),
  (l) => l.replace(/^\S+/, 'M-SEARCH'),
  (l) => l.replace(/^\S+/, 'PRI'),
  (l) => l.replace(/^\S+/, 'CONNECT'),
  (l) => l.replace(' ', '  '),
  (l) => l.replace(/HTTP\/1\.\d/, 'HTTP/1.2'),
  (l) => l.replace(/HTTP\/1\.\d/, 'HTTP/2.0'),
  (l) => l.replace(/HTTP\/1\.\d/, 'HTTP/1.10'),
  (l) => l.replace(/ HTTP\/1\.\d/, ''),
  (l) => `${l} `,
  (l) => l.replace(/ (\S+) /, ' $1\x7f '),
  (l) => l.replace(/ (\S+) /, ' $1\x80 '),
  (l) => l.replace(/ (\S+) /, ' $1#frag '),
  (l) => l.replace(/ (\S+) /, ' $1\x00 '),
  (l) => l.replace(/ (\S+) /, ' * '),
  (l) => l.replace(/ (\S+) /, ' //x/../y '),
  (l) => l.replace(/ \d\d\d/, ' 20'),
  (l) => l.replace(/ \d\d\d/, ' 2000'),
  (l) => l.replace(/ \d\d\d/, ' 099'),
  (l) => l.replace(/ \d\d\d.*$/, ' 200'),
  (l) => l.replace(/ \d\d\d.*$/, ' 200 '),
  (l) => l.replace(/(\d\d\d) .*$/, '$1 OK\x01'),
  (l) => l.replace(/HTTP\/1\.\d/, 'HTTP/2'),
];

const pick = <T>(list: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...list);

function withHeaders(model: MessageModel, headers: string[]): MessageModel {
  return { ...model, headers };
}

function framingIndex(model: MessageModel): number {
  return model.headers.findIndex((h) => /^(content-length|transfer-encoding)\s*:/i.test(h));
}

/** Mutations chosen per message; each returns a new model. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.boolean(), pick(CL_VALUES)).map(([same, other]) => ({
    tag: 'duplicate-content-length',
    apply: (m: MessageModel) => {
      const found = m.headers.find((h) => /^content-length:/i.test(h));
      const line = same && found ? found : `Content-Length: ${other}`;
      return withHeaders(m, [...m.headers, line]);
    },
  })),
  fc.constant<Mutation>({ tag: 'content-length-and-chunked', apply: (m) => withHeaders(m, [...m.headers, m.body.kind === 'chunked' ? 'Content-Length: 3' : 'Transfer-Encoding: chunked']) }),
  pick(TE_VALUES).map((value) => ({
    tag: 'transfer-coding',
    apply: (m: MessageModel) => withHeaders(m, m.body.kind === 'chunked' ? m.headers.map((h) => (/^transfer-encoding:/i.test(h) ? `Transfer-Encoding: ${value}` : h)) : [...m.headers, `Transfer-Encoding: ${value}`]),
  })),
  pick(CL_VALUES).map((value) => ({
    tag: 'content-length-value',
    apply: (m: MessageModel) => withHeaders(m, [...m.headers.filter((h) => !/^content-length:/i.test(h)), `Content-Length: ${value}`]),
  })),
  pick([(n: string) => n.toUpperCase(), (n: string) => `${n} `, (n: string) => `${n}\t`, (n: string) => ` ${n}`, (n: string) => `${n}\xa0`]).chain((edit) =>
    pick([(v: string) => v, (v: string) => ` ${v} `, (v: string) => `\t${v}\t`, (v: string) => `${v}\xa0`, (v: string) => `\xa0${v}`, (v: string) => `${v}\x0b`]).map((valueEdit) => ({
      tag: 'obfuscated-framing',
      apply: (m: MessageModel) => {
        const i = framingIndex(m);
        if (i === -1) return m;
        const line = m.headers[i]!;
        const colon = line.indexOf(':');
        const headers = [...m.headers];
        headers[i] = `${edit(line.slice(0, colon))}:${valueEdit(line.slice(colon + 1).trim())}`;
        return withHeaders(m, headers);
      },
    })),
  ),
  pick(CONNECTION_VALUES).map((value) => ({ tag: 'connection', apply: (m: MessageModel) => withHeaders(m, [...m.headers, `Connection: ${value}`]) })),
  fc.tuple(fc.nat(), fc.nat(), pick(ODD_NAME_BYTES)).map(([h, p, byte]) => ({
    tag: 'odd-name-byte',
    apply: (m: MessageModel) => {
      if (m.headers.length === 0) return m;
      const headers = [...m.headers];
      const i = h % headers.length;
      const colon = Math.max(headers[i]!.indexOf(':'), 0);
      const pos = p % (colon + 1);
      headers[i] = headers[i]!.slice(0, pos) + byte + headers[i]!.slice(pos);
      return withHeaders(m, headers);
    },
  })),
  fc.tuple(fc.nat(), fc.nat(), pick(ODD_VALUE_BYTES)).map(([h, p, byte]) => ({
    tag: 'odd-value-byte',
    apply: (m: MessageModel) => {
      if (m.headers.length === 0) return m;
      const headers = [...m.headers];
      const i = h % headers.length;
      const line = headers[i]!;
      const colon = line.indexOf(':');
      const pos = colon + 1 + (p % (line.length - colon));
      headers[i] = line.slice(0, pos) + byte + line.slice(pos);
      return withHeaders(m, headers);
    },
  })),
  fc.nat().map((h) => ({
    tag: 'obs-fold',
    apply: (m: MessageModel) => {
      if (m.headers.length === 0) return m;
      const headers = [...m.headers];
      const i = h % headers.length;
      headers[i] = `${headers[i]}\r\n folded`;
      return withHeaders(m, headers);
    },
  })),
  fc.tuple(fc.nat(), pick(CHUNK_SIZE_EDITS)).map(([c, edit]) => ({
    tag: 'chunk-size',
    apply: (m: MessageModel) => {
      if (m.body.kind !== 'chunked' || m.body.chunks.length === 0) return { ...m, body: { kind: 'chunked', chunks: [], trailers: [] }, headers: [...m.headers.filter((h) => !/^content-length:/i.test(h)), 'Transfer-Encoding: chunked'] } as MessageModel;
      const chunks = [...m.body.chunks];
      const i = c % chunks.length;
      chunks[i] = { ...chunks[i]!, size: edit(chunks[i]!.size) };
      return { ...m, body: { ...m.body, chunks } };
    },
  })),
  fc.tuple(fc.nat(), pick(CHUNK_EXTS)).map(([c, ext]) => ({
    tag: 'chunk-extension',
    apply: (m: MessageModel): MessageModel => {
      if (m.body.kind !== 'chunked') return m;
      const i = c % (m.body.chunks.length + 1);
      if (i === m.body.chunks.length) return { ...m, lastChunkExt: ext };
      const chunks = [...m.body.chunks];
      chunks[i] = { ...chunks[i]!, ext };
      return { ...m, body: { ...m.body, chunks } };
    },
  })),
  pick(TRAILERS).map((line) => ({
    tag: 'trailer',
    apply: (m: MessageModel) => (m.body.kind === 'chunked' ? { ...m, body: { ...m.body, trailers: [...m.body.trailers, line] } } : m),
  })),
  fc.tuple(fc.nat(), pick(['\n', '\r', '\r\r\n', '\n\r'])).map(([n, end]) => ({
    tag: 'line-end',
    apply: (m: MessageModel): MessageModel => ({ ...m, lineEnd: { index: (n % (m.headers.length + 1)) - 1, end } }),
  })),
  pick(START_LINE_EDITS).map((edit) => ({ tag: 'start-line', apply: (m: MessageModel) => ({ ...m, startLine: edit(m.startLine) }) })),
  pick(['\r\n', '\r\n\r\n', '\n', ' ', '\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n']).map((leading) => ({ tag: 'leading-bytes', apply: (m: MessageModel) => ({ ...m, leading: leading + m.leading }) })),
  pick([33_000, 40_000, 70_000]).map((size) => ({ tag: 'large-head', apply: (m: MessageModel) => withHeaders(m, [...m.headers, `X-Large: ${'v'.repeat(size)}`]) })),
  pick([300, 2_000, 10_000]).map((count) => ({ tag: 'many-headers', apply: (m: MessageModel) => withHeaders(m, [...m.headers, ...Array.from({ length: count }, (_, i) => `X-H${i}: ${i}`)]) })),
  pick(['drop', 'twice', 'empty', 'odd'] as const).map((kind) => ({
    tag: 'host',
    apply: (m: MessageModel) => {
      const rest = m.headers.filter((h) => !/^host:/i.test(h));
      const extra: string[] = { drop: [], twice: ['Host: models.example', 'Host: other.example'], empty: ['Host: '], odd: ['Host: a b'] }[kind];
      return withHeaders(m, [...rest, ...extra]);
    },
  })),
  pick(['Expect: 100-continue', 'Expect: other', 'Upgrade: websocket\r\nConnection: upgrade', 'Upgrade: h2c', 'TE: trailers', 'Trailer: X-T', 'Keep-Alive: timeout=5']).map((line) => ({ tag: 'hop-by-hop', apply: (m: MessageModel) => withHeaders(m, [...m.headers, line]) })),
  fc.constant<Mutation>({ tag: 'extra-bytes', apply: (m) => ({ ...m, trailing: `${m.trailing}HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled` }) }),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), pick(['insert', 'replace', 'delete'] as const)).map(([position, byte, op]) => ({
    tag: 'byte',
    apply: (m: MessageModel): MessageModel => ({ ...m, byteEdit: { position, byte, op } }),
  })),
);

/** A message, then 0–3 mutations (most cases mutate). */
export function mutated(valid: fc.Arbitrary<MessageModel>, mutationWeight = 4): fc.Arbitrary<Mutated> {
  return fc
    .tuple(valid, fc.oneof({ weight: 1, arbitrary: fc.constant([] as Mutation[]) }, { weight: mutationWeight, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) }))
    .map(([model, mutations]) => ({ model: mutations.reduce((m, mu) => mu.apply(m), model), tags: mutations.map((mu) => mu.tag) }));
}

/** The bytes of a message model. */
export function serialize(model: MessageModel): string {
  let body = '';
  if (model.body.kind === 'raw') body = model.body.data;
  else if (model.body.kind === 'chunked') {
    body = model.body.chunks.map((c) => `${c.size}${c.ext}\r\n${c.data}\r\n`).join('') + `0${model.lastChunkExt ?? ''}\r\n${model.body.trailers.map((t) => `${t}\r\n`).join('')}\r\n`;
  }
  const lineEnd = (index: number): string => (model.lineEnd?.index === index ? model.lineEnd.end : '\r\n');
  const head = `${model.startLine}${lineEnd(-1)}${model.headers.map((h, i) => `${h}${lineEnd(i)}`).join('')}\r\n`;
  const bytes = `${model.leading}${head}${body}${model.trailing}`;
  if (model.byteEdit === undefined) return bytes;
  const { position, byte, op } = model.byteEdit;
  const pos = position % Math.max(bytes.length, 1);
  const char = String.fromCharCode(byte);
  if (op === 'insert') return bytes.slice(0, pos) + char + bytes.slice(pos);
  return bytes.slice(0, pos) + (op === 'replace' ? char : '') + bytes.slice(pos + 1);
}

/** Split points (fractions of the length) at which the bytes are written in separate reads. */
export const splits: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constant([] as number[]) },
  { weight: 3, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }) },
);

/** Cuts `bytes` at the given fractions of its length (empty pieces dropped). */
export function splitAt(bytes: Buffer, fractions: readonly number[]): Buffer[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].filter((p) => p > 0 && p < bytes.length).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(from, point));
    from = point;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}
