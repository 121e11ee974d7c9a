/**
 * Finds where an HTTP/1.1 message body ends in a stream of raw bytes, so the
 * gateway can forward the bytes as they are (no re-encoding) and still know
 * when the message is over. Chunked bodies are followed by a small state
 * machine; their payload can be reported for the few callers that need it.
 */

export const BodyKind = { None: 0, Length: 1, Chunked: 2, UntilClose: 3 } as const;
export type BodyKind = (typeof BodyKind)[keyof typeof BodyKind];

/** Result of `feed` when the body is not over yet. */
export const NEED_MORE = -1;
/** Result of `feed` when the chunked framing is broken. */
export const MALFORMED = -2;

const MAX_CHUNK_LINE = 4096;
/** Trailer lines allowed after the last chunk, as header lines are in a head. */
const MAX_TRAILER_LINES = 64;

const State = {
  Size: 0,
  SizeMore: 1,
  ExtStart: 2,
  ExtName: 3,
  ExtValue: 4,
  ExtQuoted: 5,
  ExtQuotedPair: 6,
  ExtQuotedDone: 7,
  SizeLf: 8,
  Data: 9,
  DataCr: 10,
  DataLf: 11,
  TrailerStart: 12,
  TrailerName: 13,
  TrailerValue: 14,
  TrailerLf: 15,
  EndLf: 16,
} as const;
type State = (typeof State)[keyof typeof State];

/** tchar (RFC 9110 §5.6.2), the bytes of header names and chunk extension names and values. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

/** HTAB, SP, visible ASCII and obs-text: the bytes of a header value. */
function isValueByte(c: number): boolean {
  return c === 0x09 || (c >= 0x20 && c !== 0x7f);
}

export type PayloadSink = (chunk: Buffer, start: number, end: number) => void;

/**
 * Chunked framing is checked byte by byte as llhttp checks it in strict mode:
 * no whitespace after the size, chunk extensions as tokens or quoted strings,
 * CRLF everywhere, and trailers as header lines (no Content-Length, and in a
 * request no Transfer-Encoding, among them).
 */
export class BodyFramer {
  kind: BodyKind = BodyKind.None;
  /** Set for requests: a trailer may not redo Transfer-Encoding there. */
  request = false;
  /** A trailer said `Connection: close`, which ends the connection for llhttp too. */
  trailerClose = false;
  #remaining = 0;
  #state: State = State.Size;
  #sizeDigits = 0;
  #lineBytes = 0;
  #trailerLines = 0;
  /** The current trailer line, kept only while its name could be a framing one. */
  #trailerLine = '';

  reset(kind: BodyKind, length = 0): void {
    this.kind = kind;
    this.#remaining = kind === BodyKind.Length ? length : 0;
    this.#state = State.Size;
    this.#sizeDigits = 0;
    this.#lineBytes = 0;
    this.#trailerLines = 0;
    this.#trailerLine = '';
    this.trailerClose = false;
  }

  /** True when the body needs no bytes at all (no body, or a zero length). */
  get isEmpty(): boolean {
    return this.kind === BodyKind.None || (this.kind === BodyKind.Length && this.#remaining === 0);
  }

  /**
   * Consumes bytes from `buf[start..end)`. Returns the index just past the end
   * of the body when it ends inside this range, NEED_MORE, or MALFORMED.
   * `sink` (optional) receives the payload bytes without chunk framing.
   */
  feed(buf: Buffer, start: number, end: number, sink?: PayloadSink): number {
    switch (this.kind) {
      case BodyKind.None:
        return start;
      case BodyKind.UntilClose:
        if (sink && end > start) sink(buf, start, end);
        return NEED_MORE;
      case BodyKind.Length: {
        const available = end - start;
        if (available < this.#remaining) {
          this.#remaining -= available;
          if (sink && available > 0) sink(buf, start, end);
          return NEED_MORE;
        }
        const stop = start + this.#remaining;
        if (sink && stop > start) sink(buf, start, stop);
        this.#remaining = 0;
        return stop;
      }
      default:
        return this.#feedChunked(buf, start, end, sink);
    }
  }

  #feedChunked(buf: Buffer, start: number, end: number, sink?: PayloadSink): number {
    let i = start;
    while (i < end) {
      if (this.#state === State.Data) {
        const take = Math.min(this.#remaining, end - i);
        if (sink) sink(buf, i, i + take);
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = State.DataCr;
        continue;
      }
      const c = buf[i++]!;
      if (this.#state >= State.ExtStart && this.#state <= State.ExtQuotedDone && ++this.#lineBytes > MAX_CHUNK_LINE) return MALFORMED;
      switch (this.#state) {
        case State.Size:
        case State.SizeMore: {
          const digit = hexValue(c);
          if (digit >= 0) {
            // 13 significant hex digits is beyond any real chunk and keeps the size exact in a double.
            if ((this.#remaining > 0 || digit > 0) && ++this.#sizeDigits > 13) return MALFORMED;
            this.#remaining = this.#remaining * 16 + digit;
            this.#state = State.SizeMore;
          } else if (this.#state === State.Size) return MALFORMED;
          else if (c === 0x3b /* ; */) this.#state = State.ExtStart;
          else if (c === 0x0d) this.#state = State.SizeLf;
          else return MALFORMED; // llhttp: no whitespace after the size
          continue;
        }
        case State.ExtStart:
          if (c === 0x20 || c === 0x0d) return MALFORMED;
          this.#state = State.ExtName;
          i--; // the name starts here
          continue;
        case State.ExtName:
          if (TCHAR[c] === 1) continue;
          if (c === 0x3d /* = */) this.#state = State.ExtValue;
          else if (c === 0x3b) this.#state = State.ExtStart;
          else if (c === 0x0d) this.#state = State.SizeLf;
          else return MALFORMED;
          continue;
        case State.ExtValue:
          if (TCHAR[c] === 1) continue;
          if (c === 0x22 /* " */) this.#state = State.ExtQuoted;
          else if (c === 0x3b) this.#state = State.ExtStart;
          else if (c === 0x0d) this.#state = State.SizeLf;
          else return MALFORMED;
          continue;
        case State.ExtQuoted:
          if (c === 0x22) this.#state = State.ExtQuotedDone;
          else if (c === 0x5c /* \ */) this.#state = State.ExtQuotedPair;
          else if (!isValueByte(c)) return MALFORMED;
          continue;
        case State.ExtQuotedPair:
          if (!isValueByte(c)) return MALFORMED;
          this.#state = State.ExtQuoted;
          continue;
        case State.ExtQuotedDone:
          if (c === 0x3b) this.#state = State.ExtStart;
          else if (c === 0x0d) this.#state = State.SizeLf;
          else return MALFORMED;
          continue;
        case State.SizeLf:
          if (c !== 0x0a) return MALFORMED;
          this.#sizeDigits = 0;
          this.#lineBytes = 0;
          this.#state = this.#remaining === 0 ? State.TrailerStart : State.Data;
          continue;
        case State.DataCr:
          if (c !== 0x0d) return MALFORMED;
          this.#state = State.DataLf;
          continue;
        case State.DataLf:
          if (c !== 0x0a) return MALFORMED;
          this.#state = State.Size;
          continue;
        case State.TrailerStart:
          if (c === 0x0d) this.#state = State.EndLf;
          else if (TCHAR[c] !== 1 || ++this.#trailerLines > MAX_TRAILER_LINES) return MALFORMED; // no obs-fold, no empty name
          else {
            this.#state = State.TrailerName;
            this.#lineBytes = 1;
            this.#trailerLine = String.fromCharCode(c | 0x20);
          }
          continue;
        case State.TrailerName:
          if (++this.#lineBytes > MAX_CHUNK_LINE) return MALFORMED;
          if (TCHAR[c] === 1) {
            if (this.#trailerLine.length < 20) this.#trailerLine += String.fromCharCode(c | 0x20);
          } else if (c === 0x3a /* : */) {
            if (!this.#trailerNameAllowed()) return MALFORMED;
            this.#trailerLine += ':';
            this.#state = State.TrailerValue;
          } else return MALFORMED; // no space before the colon
          continue;
        case State.TrailerValue:
          if (++this.#lineBytes > MAX_CHUNK_LINE) return MALFORMED;
          if (c === 0x0d) this.#state = State.TrailerLf;
          else if (!isValueByte(c)) return MALFORMED;
          else if (this.#trailerLine.startsWith('connection:') && this.#trailerLine.length < 64) this.#trailerLine += String.fromCharCode(c | 0x20);
          continue;
        case State.TrailerLf:
          if (c !== 0x0a) return MALFORMED;
          if (this.#trailerLine.startsWith('connection:') && /(?:^|,)[ \t]*close[ \t]*(?:,|$)/.test(this.#trailerLine.slice(11))) this.trailerClose = true;
          this.#state = State.TrailerStart;
          continue;
        case State.EndLf:
          if (c !== 0x0a) return MALFORMED;
          this.kind = BodyKind.None;
          return i;
      }
    }
    return NEED_MORE;
  }

  /** llhttp refuses Content-Length in trailers (the message is chunked), and in a request Transfer-Encoding too. */
  #trailerNameAllowed(): boolean {
    const name = this.#trailerLine;
    return name !== 'content-length' && !(this.request && name === 'transfer-encoding');
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
