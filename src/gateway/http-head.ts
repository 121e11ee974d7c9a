/**
 * Minimal, strict parsers for HTTP/1.x message heads. They return the header
 * lines to forward already serialized (hop-by-hop headers removed), so the
 * proxy rewrites a head with one string concatenation.
 */

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the ones the gateway sets itself. */
const DROPPED_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'expect', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-kcanary-variant']);
const DROPPED_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'x-kcanary-variant']);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters other than tab; after splitting on CRLF, a CR or LF left in a line is one too. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([!-~\x80-\xff]+) HTTP\/1\.([01])$/;
// eslint-disable-next-line no-control-regex -- the reason phrase must not hold control characters
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?$/;
const DIGITS = /^\d{1,15}$/;

export interface RequestHead {
  method: string;
  target: string;
  minorVersion: number;
  host: string;
  hostCount: number;
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  keepAlive: boolean;
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
  connection: string;
  /** 0 when the headers are fine, else the status to answer. */
  errorStatus: number;
  error: string;
}

/**
 * Walks the header lines once: framing and Connection for both directions,
 * and, given `request`, the values routing needs. Lines whose names are in
 * `dropped` stay out of `forward`.
 */
function scanHeaders(lines: string[], dropped: Set<string>, request: RequestHead | undefined, stickyHeader: string | undefined): HeaderScan {
  const scan: HeaderScan = { forward: '', contentLength: -1, chunked: false, connection: '', errorStatus: 0, error: '' };
  let transferEncoding: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (CONTROL.test(line)) return failScan(scan, 400, 'invalid characters in a header');
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).toLowerCase() : '';
    if (!TOKEN.test(name)) return failScan(scan, 400, `invalid header line ${JSON.stringify(line.slice(0, 40))}`);
    const value = line.slice(colon + 1).trim();
    switch (name) {
      case 'content-length':
        if (!DIGITS.test(value) || (scan.contentLength !== -1 && scan.contentLength !== Number(value))) return failScan(scan, 400, 'invalid Content-Length');
        scan.contentLength = Number(value);
        break;
      case 'transfer-encoding':
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        break;
      case 'connection':
        scan.connection = scan.connection ? `${scan.connection},${value.toLowerCase()}` : value.toLowerCase();
        break;
    }
    if (request !== undefined) readRequestHeader(request, name, value, stickyHeader);
    if (!dropped.has(name)) scan.forward += `${line}\r\n`;
  }
  if (transferEncoding !== undefined) {
    const codings = transferEncoding.toLowerCase().split(',');
    if (codings[codings.length - 1]!.trim() !== 'chunked') return failScan(scan, 501, 'unsupported Transfer-Encoding');
    scan.chunked = true;
  }
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

/** Removes the headers a Connection header names (they are hop-by-hop too). */
function dropNamed(forward: string, connection: string): string {
  const named = new Set(connection.split(',').map((token) => token.trim()));
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

function hasToken(list: string, token: string): boolean {
  return list === token || list.split(',').some((t) => t.trim() === token);
}

/** Parses a request head (without its final blank line). */
export function parseRequestHead(head: string, stickyHeader: string | undefined): RequestHead | HeadError {
  const lines = head.split('\r\n');
  const match = REQUEST_LINE.exec(lines[0]!);
  if (!match) {
    return /^\S+ \S+ HTTP\/\d/.test(lines[0]!) ? new HeadError(505, 'HTTP version not supported') : new HeadError(400, 'malformed request line');
  }
  const out: RequestHead = {
    method: match[1]!,
    target: match[2]!,
    minorVersion: Number(match[3]),
    host: '',
    hostCount: 0,
    contentLength: -1,
    chunked: false,
    keepAlive: true,
    expectContinue: false,
    variantHeader: undefined,
    stickyValue: undefined,
    cookie: undefined,
    forwardedFor: undefined,
    forward: '',
  };
  const scan = scanHeaders(lines, DROPPED_REQUEST, out, stickyHeader);
  if (scan.errorStatus !== 0) return new HeadError(scan.errorStatus, scan.error);
  if (scan.chunked && scan.contentLength !== -1) return new HeadError(400, 'both Content-Length and Transfer-Encoding');
  if (out.hostCount > 1 || (out.hostCount === 0 && out.minorVersion === 1)) return new HeadError(400, 'exactly one Host header is required');
  if (out.method === 'CONNECT') return new HeadError(405, 'CONNECT is not supported');
  if (out.target[0] !== '/' && !toOriginForm(out)) return new HeadError(400, 'invalid request target');
  out.forward = scan.forward;
  out.contentLength = scan.contentLength;
  out.chunked = scan.chunked;
  out.keepAlive = out.minorVersion === 1 ? !hasToken(scan.connection, 'close') : hasToken(scan.connection, 'keep-alive');
  return out;
}

/** Parses an upstream's response head (without its final blank line); undefined when malformed. */
export function parseResponseHead(head: string): ResponseHead | undefined {
  const lines = head.split('\r\n');
  const match = STATUS_LINE.exec(lines[0]!);
  if (!match) return undefined;
  const scan = scanHeaders(lines, DROPPED_RESPONSE, undefined, undefined);
  // Both framings at once is how responses get smuggled: refuse it.
  if (scan.errorStatus !== 0 || (scan.chunked && scan.contentLength !== -1)) return undefined;
  const minorVersion = Number(match[1]);
  return {
    status: Number(match[2]),
    minorVersion,
    reason: match[3] ?? '',
    contentLength: scan.chunked ? -1 : scan.contentLength,
    chunked: scan.chunked,
    keepAlive: minorVersion === 1 ? !hasToken(scan.connection, 'close') : hasToken(scan.connection, 'keep-alive'),
    forward: scan.forward,
  };
}
