/**
 * Minimal, strict parsers for HTTP/1.x message heads. They accept what
 * llhttp (Node's parser, which every Node upstream and client runs) accepts
 * in strict mode, minus a few documented refusals, and frame messages as it
 * does. They return the header lines to forward already serialized, without
 * hop-by-hop headers and without the framing headers: the gateway writes the
 * framing it decided on itself, so no header can change it on the way.
 */

/** Hop-by-hop headers (RFC 9110 §7.6.1), the framing headers, and the ones the gateway sets itself. */
const DROPPED_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'content-length', 'upgrade', 'host', 'expect', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-kcanary-variant']);
const DROPPED_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'content-length', 'upgrade', 'x-kcanary-variant']);

/** The request headers `readRequestHeader` reads (besides the sticky one). */
const ROUTING_HEADERS = new Set(['host', 'x-kcanary-variant', 'cookie', 'x-forwarded-for', 'expect']);

/** The methods llhttp accepts on an HTTP/1.x request line (RTSP-only and PRI are not among them). */
const METHODS = new Set(
  'DELETE GET HEAD POST PUT CONNECT OPTIONS TRACE PATCH LINK UNLINK COPY LOCK MKCOL MOVE PROPFIND PROPPATCH SEARCH UNLOCK BIND REBIND UNBIND ACL REPORT MKACTIVITY CHECKOUT MERGE M-SEARCH NOTIFY SUBSCRIBE UNSUBSCRIBE MKCALENDAR PURGE QUERY SOURCE'.split(' '),
);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters other than tab; after splitting on CRLF, a CR or LF left in a line is one too. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** llhttp: the method, one or more spaces, a target of visible ASCII, one or more spaces, the version. */
const REQUEST_LINE = /^([A-Z-]+) +([!-~]+) +HTTP\/(\d)\.(\d)$/;
/** The reason phrase is anything but CR and LF, as llhttp reads it. */
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d\d\d)(?: ([^\r\n]*))?$/;
const DIGITS = /^\d+$/;
/** llhttp rejects a tab after the value of Content-Length or Transfer-Encoding (trailing spaces pass). */
const TRAILING_TAB = /\t[ \t]*$/;
/** Past this many header lines a head is refused, however small (431 / 502). */
export const MAX_HEADER_LINES = 256;

export interface RequestHead {
  method: string;
  target: string;
  minorVersion: number;
  host: string;
  hostCount: number;
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** The Transfer-Encoding value as received ('' when absent), forwarded as it is. */
  transferEncoding: string;
  keepAlive: boolean;
  /** Upgrade + Connection: upgrade: what follows this message is another protocol, so the connection ends with it. */
  upgrade: boolean;
  expectContinue: boolean;
  variantHeader: string | undefined;
  stickyValue: string | undefined;
  cookie: string | undefined;
  forwardedFor: string | undefined;
  /** Header lines to forward, each ending in CRLF. */
  forward: string;
}

export interface ResponseHead {
  status: number;
  minorVersion: number;
  reason: string;
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** The Transfer-Encoding value as received ('' when absent). */
  transferEncoding: string;
  keepAlive: boolean;
  forward: string;
}

/** A request head that cannot be served: the status to answer and why. */
export class HeadError {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

interface HeaderScan {
  forward: string;
  contentLength: number;
  chunked: boolean;
  transferEncoding: string;
  /** Connection (and Proxy-Connection, as llhttp reads it) values, lower-cased. */
  connection: string;
  upgradeHeader: boolean;
  /** 0 when the headers are fine, else the status to answer. */
  errorStatus: number;
  error: string;
}

/** Strips SP and HTAB (RFC 9110 OWS), and nothing else: NBSP is a value byte. */
function trimOws(value: string, start: number, trimEnd: boolean): string {
  let from = start;
  let to = value.length;
  while (from < to && (value.charCodeAt(from) === 0x20 || value.charCodeAt(from) === 0x09)) from++;
  if (trimEnd) while (to > from && (value.charCodeAt(to - 1) === 0x20 || value.charCodeAt(to - 1) === 0x09)) to--;
  return from === 0 && to === value.length ? value : value.slice(from, to);
}

/** `chunked` as llhttp recognizes a coding: any case, followed by spaces only (not a tab). */
function isChunkedCoding(coding: string): boolean {
  const value = trimOws(coding, 0, false);
  if (value.length < 7 || value.slice(0, 7).toLowerCase() !== 'chunked') return false;
  for (let i = 7; i < value.length; i++) if (value.charCodeAt(i) !== 0x20) return false;
  return true;
}

/**
 * Walks the header lines once, reading the framing headers in order as llhttp
 * does (flags set line by line), then the values routing needs. Lines whose
 * names are in `dropped` stay out of `forward`.
 */
function scanHeaders(lines: string[], dropped: Set<string>, request: RequestHead | undefined, stickyHeader: string | undefined): HeaderScan {
  const scan: HeaderScan = { forward: '', contentLength: -1, chunked: false, transferEncoding: '', connection: '', upgradeHeader: false, errorStatus: 0, error: '' };
  if (lines.length - 1 > MAX_HEADER_LINES) return failScan(scan, 431, 'too many header lines');
  const isRequest = request !== undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (CONTROL.test(line)) return failScan(scan, 400, 'invalid characters in a header');
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).toLowerCase() : '';
    if (!TOKEN.test(name)) return failScan(scan, 400, `invalid header line ${JSON.stringify(line.slice(0, 40))}`);
    switch (name) {
      case 'content-length': {
        if (scan.transferEncoding !== '') return failScan(scan, 400, 'both Content-Length and Transfer-Encoding');
        if (scan.contentLength !== -1) return failScan(scan, 400, 'more than one Content-Length');
        if (TRAILING_TAB.test(line)) return failScan(scan, 400, 'invalid Content-Length');
        const digits = trimOws(line, colon + 1, true);
        const significant = digits.charCodeAt(0) === 0x30 ? digits.replace(/^0+(?=\d)/, '') : digits;
        if (!DIGITS.test(digits) || significant.length > 15) return failScan(scan, 400, 'invalid Content-Length');
        scan.contentLength = Number(significant);
        break;
      }
      case 'transfer-encoding': {
        if (scan.contentLength !== -1) return failScan(scan, 400, 'both Content-Length and Transfer-Encoding');
        if (TRAILING_TAB.test(line)) return failScan(scan, 400, 'invalid Transfer-Encoding');
        const value = trimOws(line, colon + 1, false);
        if (value === '') break; // llhttp ignores an empty value
        // In a request nothing may follow chunked: the body's end would be unknowable.
        if (isRequest && scan.chunked) return failScan(scan, 400, 'a transfer coding after chunked');
        const codings = value.split(',');
        for (let c = 0; c < codings.length - 1; c++) {
          if (isRequest && isChunkedCoding(codings[c]!)) return failScan(scan, 400, 'a transfer coding after chunked');
        }
        scan.chunked = isChunkedCoding(codings[codings.length - 1]!);
        scan.transferEncoding = scan.transferEncoding === '' ? trimOws(value, 0, true) : `${scan.transferEncoding}, ${trimOws(value, 0, true)}`;
        break;
      }
      case 'connection':
      case 'proxy-connection': {
        const value = trimOws(line, colon + 1, true).toLowerCase();
        scan.connection = scan.connection ? `${scan.connection},${value}` : value;
        break;
      }
      case 'upgrade':
        if (trimOws(line, colon + 1, false) !== '') scan.upgradeHeader = true;
        break;
    }
    // Only the few headers routing reads get their value cut out: fewer strings per request, fewer GC pauses.
    if (request !== undefined && (ROUTING_HEADERS.has(name) || name === stickyHeader)) readRequestHeader(request, name, trimOws(line, colon + 1, true), stickyHeader);
    if (!dropped.has(name)) scan.forward += `${line}\r\n`;
  }
  if (scan.transferEncoding !== '' && !scan.chunked && isRequest) return failScan(scan, 400, 'a request Transfer-Encoding must end in chunked');
  if (scan.connection && !isPlainConnection(scan.connection)) scan.forward = dropNamed(scan.forward, scan.connection);
  return scan;
}

function failScan(scan: HeaderScan, status: number, message: string): HeaderScan {
  scan.errorStatus = status;
  scan.error = message;
  return scan;
}

function readRequestHeader(out: RequestHead, name: string, value: string, stickyHeader: string | undefined): void {
  switch (name) {
    case 'host':
      out.hostCount++;
      out.host = value;
      break;
    case 'x-kcanary-variant':
      out.variantHeader = value;
      break;
    case 'cookie':
      out.cookie = out.cookie === undefined ? value : `${out.cookie}; ${value}`;
      break;
    case 'x-forwarded-for':
      out.forwardedFor = out.forwardedFor === undefined ? value : `${out.forwardedFor}, ${value}`;
      break;
    case 'expect':
      if (value.toLowerCase() === '100-continue') out.expectContinue = true;
      break;
  }
  if (name === stickyHeader) out.stickyValue = value;
}

function isPlainConnection(value: string): boolean {
  return value === 'keep-alive' || value === 'close';
}

/** Removes the headers a Connection header names (they are hop-by-hop too). Framing is decided before, and written by the gateway. */
function dropNamed(forward: string, connection: string): string {
  const named = new Set(connection.split(',').map((token) => trimOws(token, 0, true)));
  return forward
    .split('\r\n')
    .filter((line) => line !== '' && !named.has(line.slice(0, line.indexOf(':')).toLowerCase()))
    .map((line) => `${line}\r\n`)
    .join('');
}

/** Accepts `*` (OPTIONS) and absolute-form targets, which servers must accept (RFC 9112 §3.2.2). */
function toOriginForm(out: RequestHead): boolean {
  if (out.target === '*') return out.method === 'OPTIONS';
  if (!/^https?:\/\//i.test(out.target)) return false;
  try {
    const url = new URL(out.target);
    out.target = `${url.pathname}${url.search}`;
    out.host = url.host;
    return true;
  } catch {
    return false;
  }
}

/** A Connection token list holds `token` (SP and HTAB around tokens do not count). */
function hasToken(list: string, token: string): boolean {
  return list === token || (list.includes(token) && list.split(',').some((t) => trimOws(t, 0, true) === token));
}

/** Parses a request head (without its final blank line). */
export function parseRequestHead(head: string, stickyHeader: string | undefined): RequestHead | HeadError {
  const lines = head.split('\r\n');
  const match = REQUEST_LINE.exec(lines[0]!);
  if (!match || !METHODS.has(match[1]!)) return new HeadError(400, 'malformed request line');
  if (match[3] !== '1' || (match[4] !== '0' && match[4] !== '1')) return new HeadError(505, 'HTTP version not supported');
  const out: RequestHead = {
    method: match[1]!,
    target: match[2]!,
    minorVersion: Number(match[4]),
    host: '',
    hostCount: 0,
    contentLength: -1,
    chunked: false,
    transferEncoding: '',
    keepAlive: true,
    upgrade: false,
    expectContinue: false,
    variantHeader: undefined,
    stickyValue: undefined,
    cookie: undefined,
    forwardedFor: undefined,
    forward: '',
  };
  const scan = scanHeaders(lines, DROPPED_REQUEST, out, stickyHeader);
  if (scan.errorStatus !== 0) return new HeadError(scan.errorStatus, scan.error);
  if (out.hostCount > 1 || (out.hostCount === 0 && out.minorVersion === 1)) return new HeadError(400, 'exactly one Host header is required');
  if (out.method === 'CONNECT') return new HeadError(405, 'CONNECT is not supported');
  if (out.target[0] !== '/' && !toOriginForm(out)) return new HeadError(400, 'invalid request target');
  out.forward = scan.forward;
  out.contentLength = scan.contentLength;
  out.chunked = scan.chunked;
  out.transferEncoding = scan.transferEncoding;
  out.keepAlive = out.minorVersion === 1 ? !hasToken(scan.connection, 'close') : hasToken(scan.connection, 'keep-alive');
  out.upgrade = scan.upgradeHeader && hasToken(scan.connection, 'upgrade');
  return out;
}

/** Parses an upstream's response head (without its final blank line); undefined when malformed. */
export function parseResponseHead(head: string): ResponseHead | undefined {
  const lines = head.split('\r\n');
  const match = STATUS_LINE.exec(lines[0]!);
  if (!match || match[1] !== '1' || (match[2] !== '0' && match[2] !== '1') || match[3]![0] === '0') return undefined;
  const scan = scanHeaders(lines, DROPPED_RESPONSE, undefined, undefined);
  if (scan.errorStatus !== 0) return undefined;
  const minorVersion = Number(match[2]);
  return {
    status: Number(match[3]),
    minorVersion,
    reason: match[4] ?? '',
    contentLength: scan.contentLength,
    chunked: scan.chunked,
    transferEncoding: scan.transferEncoding,
    keepAlive: minorVersion === 1 ? !hasToken(scan.connection, 'close') : hasToken(scan.connection, 'keep-alive'),
    forward: scan.forward,
  };
}

/** What a request line can start as, byte by byte (the method list is checked once the line is whole). */
const REQUEST_LINE_PREFIX = /^[A-Z-]*$|^[A-Z-]+ +(?:[!-~]+(?: +(?:H(?:T(?:T(?:P(?:\/(?:1(?:\.[01]?)?)?)?)?)?)?)?)?)?$/;
const STATUS_LINE_PREFIX = /^(?:H(?:T(?:T(?:P(?:\/(?:1(?:\.(?:[01](?: (?:\d(?:\d(?:\d(?: [^\r\n]*)?)?)?)?)?)?)?)?)?)?)?)?)?$/;
const NAME_PREFIX = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]*(?::|$)/;
/** Past this, an incomplete line is left to the head deadline rather than checked again at each read. */
const CHECKED_TAIL = 256;

/**
 * Checks a head still incomplete as its bytes come, so a head llhttp would
 * reject at once is refused at once too, not after the head deadline. Each
 * byte of a complete line is looked at once however the head is split.
 */
export class PartialHeadCheck {
  #scanned = 0;
  #lineStart = 0;
  #sawLength = false;
  #sawCoding = false;

  reset(): void {
    this.#scanned = 0;
    this.#lineStart = 0;
    this.#sawLength = false;
    this.#sawCoding = false;
  }

  /** False when `buf` (the head so far, from its first byte) can no longer become a valid head. */
  check(buf: Buffer, request: boolean): boolean {
    let end = buf.length;
    for (let i = this.#scanned; i < buf.length; i++) {
      const c = buf[i]!;
      if (c === 0x0a) {
        if (i === 0 || buf[i - 1] !== 0x0d) return false;
        if (!this.#lineIsValid(buf.toString('latin1', this.#lineStart, i - 1), this.#lineStart === 0, request)) return false;
        this.#lineStart = i + 1;
      } else if (c === 0x0d) {
        if (i + 1 === buf.length) {
          end = i; // seen again with the byte after it
          break;
        }
        if (buf[i + 1] !== 0x0a) return false;
      } else if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
    }
    this.#scanned = end;
    if (end - this.#lineStart > CHECKED_TAIL || end === this.#lineStart) return true;
    const tail = buf.toString('latin1', this.#lineStart, end);
    if (this.#lineStart === 0) return (request ? REQUEST_LINE_PREFIX : STATUS_LINE_PREFIX).test(tail);
    return NAME_PREFIX.test(tail);
  }

  #lineIsValid(line: string, first: boolean, request: boolean): boolean {
    if (first) {
      if (!request) return STATUS_LINE.test(line) && line.startsWith('HTTP/1.');
      const match = REQUEST_LINE.exec(line);
      return match !== null && METHODS.has(match[1]!) && match[3] === '1' && (match[4] === '0' || match[4] === '1');
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || CONTROL.test(line) || !TOKEN.test(line.slice(0, colon))) return false;
    const name = line.slice(0, colon).toLowerCase();
    if (name === 'content-length') {
      const digits = trimOws(line, colon + 1, true);
      if (this.#sawLength || this.#sawCoding || !DIGITS.test(digits) || digits.replace(/^0+(?=\d)/, '').length > 15) return false;
      this.#sawLength = true;
    } else if (name === 'transfer-encoding' && trimOws(line, colon + 1, false) !== '') {
      if (this.#sawLength) return false;
      this.#sawCoding = true;
    }
    return true;
  }
}
