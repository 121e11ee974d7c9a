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

const State = { Size: 0, Ext: 1, SizeLf: 2, Data: 3, DataCr: 4, DataLf: 5, TrailerStart: 6, Trailer: 7, TrailerLf: 8, EndLf: 9 } as const;
type State = (typeof State)[keyof typeof State];

export type PayloadSink = (chunk: Buffer, start: number, end: number) => void;

export class BodyFramer {
  kind: BodyKind = BodyKind.None;
  #remaining = 0;
  #state: State = State.Size;
  #sizeDigits = 0;
  #lineBytes = 0;

  reset(kind: BodyKind, length = 0): void {
    this.kind = kind;
    this.#remaining = kind === BodyKind.Length ? length : 0;
    this.#state = State.Size;
    this.#sizeDigits = 0;
    this.#lineBytes = 0;
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
      switch (this.#state) {
        case State.Data: {
          const take = Math.min(this.#remaining, end - i);
          if (sink) sink(buf, i, i + take);
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = State.DataCr;
          continue;
        }
        case State.Size: {
          const c = buf[i++]!;
          const digit = hexValue(c);
          if (digit >= 0) {
            // 13 hex digits is beyond any real chunk and keeps the size exact in a double.
            if (++this.#sizeDigits > 13) return MALFORMED;
            this.#remaining = this.#remaining * 16 + digit;
          } else if (this.#sizeDigits === 0) return MALFORMED;
          else if (c === 0x3b /* ; */ || c === 0x20 || c === 0x09) this.#state = State.Ext;
          else if (c === 0x0d) this.#state = State.SizeLf;
          else return MALFORMED;
          continue;
        }
        case State.Ext: {
          const c = buf[i++]!;
          if (c === 0x0d) this.#state = State.SizeLf;
          else if (c === 0x0a || ++this.#lineBytes > MAX_CHUNK_LINE) return MALFORMED;
          continue;
        }
        case State.SizeLf:
          if (buf[i++] !== 0x0a) return MALFORMED;
          this.#sizeDigits = 0;
          this.#lineBytes = 0;
          this.#state = this.#remaining === 0 ? State.TrailerStart : State.Data;
          continue;
        case State.DataCr:
          if (buf[i++] !== 0x0d) return MALFORMED;
          this.#state = State.DataLf;
          continue;
        case State.DataLf:
          if (buf[i++] !== 0x0a) return MALFORMED;
          this.#state = State.Size;
          continue;
        case State.TrailerStart: {
          const c = buf[i++]!;
          if (c === 0x0d) this.#state = State.EndLf;
          else if (c === 0x0a) return MALFORMED;
          else this.#state = State.Trailer;
          continue;
        }
        case State.Trailer: {
          const c = buf[i++]!;
          if (c === 0x0d) this.#state = State.TrailerLf;
          else if (c === 0x0a || ++this.#lineBytes > MAX_CHUNK_LINE) return MALFORMED;
          continue;
        }
        case State.TrailerLf:
          if (buf[i++] !== 0x0a) return MALFORMED;
          this.#lineBytes = 0;
          this.#state = State.TrailerStart;
          continue;
        case State.EndLf:
          if (buf[i++] !== 0x0a) return MALFORMED;
          this.kind = BodyKind.None;
          return i;
      }
    }
    return NEED_MORE;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
