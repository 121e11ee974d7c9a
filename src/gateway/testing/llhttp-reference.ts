/**
 * llhttp — the parser inside every Node upstream and client — run directly on
 * raw bytes, in strict mode, the way node:http drives it. The differential
 * tests compare what crosses the gateway with what llhttp reads from the
 * bytes the gateway was given.
 */
import { createRequire } from 'node:module';

interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  execute(data: Buffer): number | (Error & { code: string; bytesParsed: number });
  finish(): undefined | (Error & { code: string });
  close(): void;
  [callback: number]: unknown;
}

interface HttpParserModule {
  HTTPParser: {
    new (): LlhttpParser;
    REQUEST: number;
    RESPONSE: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
    kLenientNone: number;
  };
  methods: string[];
}

// The same binding node:http's server and client use (lib/_http_common.js).
const { HTTPParser, methods } = createRequire(import.meta.url)('_http_common') as HttpParserModule;

export interface ParsedMessage {
  method: string;
  url: string;
  status: number;
  minorVersion: number;
  /** Name, value, name, value… as llhttp delivered them (values without surrounding whitespace). */
  rawHeaders: string[];
  rawTrailers: string[];
  body: Buffer;
  complete: boolean;
  upgrade: boolean;
  keepAlive: boolean;
}

export interface ParseResult {
  messages: ParsedMessage[];
  /** llhttp's error code (`HPE_…`) when it rejected the bytes. */
  error: string | undefined;
  /** Parsing stopped after an upgrade: what follows is not HTTP to llhttp. */
  upgraded: boolean;
}

export interface ParseOptions {
  /** node:http's `maxHeaderSize`. */
  maxHeaderSize: number;
  /** Responses: the method of the request they answer (HEAD answers have no body). */
  requestMethod?: string;
  /** The peer closed the connection after these bytes. */
  eof?: boolean;
  /** Responses: keep 1xx interim answers (node:http's client skips them). */
  keepInterim?: boolean;
}

function parse(type: number, bytes: Buffer, options: ParseOptions): ParseResult {
  const result: ParseResult = { messages: [], error: undefined, upgraded: false };
  const parser = new HTTPParser();
  parser.initialize(type, {}, options.maxHeaderSize, HTTPParser.kLenientNone);
  let headers: string[] = [];
  let url = '';
  let current: ParsedMessage | null = null;
  let bodyParts: Buffer[] = [];
  parser[HTTPParser.kOnMessageBegin] = () => {
    headers = [];
    url = '';
  };
  parser[HTTPParser.kOnHeaders] = (more: string[], moreUrl: string) => {
    // Headers beyond the first batch, and trailers, come this way (as in node:http).
    if (current !== null) current.rawTrailers.push(...more);
    else {
      headers.push(...more);
      url += moreUrl;
    }
  };
  parser[HTTPParser.kOnHeadersComplete] = (
    _major: number,
    minor: number,
    rawHeaders: string[] | undefined,
    method: number | undefined,
    rawUrl: string | undefined,
    status: number | undefined,
    _reason: string | undefined,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    current = {
      method: method === undefined ? '' : (methods[method] ?? ''),
      url: rawUrl ?? url,
      status: status ?? 0,
      minorVersion: minor,
      rawHeaders: rawHeaders ?? headers,
      rawTrailers: [],
      body: Buffer.alloc(0),
      complete: false,
      upgrade,
      keepAlive,
    };
    bodyParts = [];
    result.messages.push(current);
    if (type !== HTTPParser.RESPONSE) return 0;
    const interim = current.status >= 100 && current.status < 200 && current.status !== 101;
    if (interim && !options.keepInterim) result.messages.pop();
    // node:http's client: no body for HEAD answers and interim ones.
    return options.requestMethod === 'HEAD' || interim ? 1 : 0;
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer, start?: number, length?: number) => {
    bodyParts.push(Buffer.from(start === undefined ? chunk : chunk.subarray(start, start + (length ?? 0))));
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    if (current !== null) {
      current.body = Buffer.concat(bodyParts);
      current.complete = true;
    }
    current = null;
  };
  parser[HTTPParser.kOnExecute] = () => {};
  try {
    const parsed = parser.execute(bytes);
    if (typeof parsed !== 'number') result.error = parsed.code;
    else if (parsed < bytes.length) result.upgraded = true;
    else if (options.eof) {
      const end = parser.finish();
      if (end !== undefined) result.error = end.code;
    }
  } finally {
    parser.close();
  }
  // An interim answer the caller skips may still be the last thing parsed.
  return result;
}

/** Every request llhttp reads from one connection's bytes, as node:http's server would. */
export function parseRequests(bytes: Buffer, options: ParseOptions): ParseResult {
  return parse(HTTPParser.REQUEST, bytes, options);
}

/** The responses llhttp reads from one connection's bytes, as node:http's client would. */
export function parseResponses(bytes: Buffer, options: ParseOptions): ParseResult {
  return parse(HTTPParser.RESPONSE, bytes, options);
}
