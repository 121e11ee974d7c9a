/**
 * Relays one upstream response to the client: reads the head (skipping 1xx),
 * rewrites it, then passes the body bytes on as they come, framing untouched
 * (HTTP/1.0 clients get chunked bodies de-chunked).
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BodyFramer, BodyKind, MALFORMED, NEED_MORE, type PayloadSink } from './body-framer.js';
import { clientResponseHead, writeHeadAndBody } from './head-rewrite.js';
import { parseResponseHead, PartialHeadCheck, type RequestHead, type ResponseHead } from './http-head.js';

const MAX_HEAD_BYTES = 32 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

/** The client side of a relay: where the bytes go and whom to tell. */
export interface RelayTarget {
  readonly socket: Socket;
  /** True when the client connection closes after this answer; the relay may set it. */
  closing: boolean;
  /** The client cannot take more for now. */
  pauseUpstream(): void;
  /** Where a copy of the response body goes (mirroring), if anywhere. */
  responseCapture(): PayloadSink | undefined;
  responseComplete(trailingBytes: boolean): void;
  responseBroken(status: number, message: string): void;
}

export class ResponseRelay {
  /** The head has been sent to the client. */
  started = false;
  status = 0;
  /** The upstream connection can carry another request afterwards. */
  reusable = false;
  #headBytes: Buffer | null = null;
  readonly #body = new BodyFramer();
  #dechunk = false;
  #request: RequestHead | null = null;
  #variant = '';
  readonly #target: RelayTarget;
  readonly #writeDechunked: PayloadSink;

  constructor(target: RelayTarget) {
    this.#target = target;
    this.#writeDechunked = (buf, start, end) => {
      this.#target.responseCapture()?.(buf, start, end);
      if (!this.#target.socket.write(buf.subarray(start, end))) this.#target.pauseUpstream();
    };
  }

  /** When the first byte of the pending head arrived (performance.now()), for the head deadline. */
  headSince = 0;
  readonly #partialHead = new PartialHeadCheck();

  reset(request: RequestHead, variant: string): void {
    this.started = false;
    this.status = 0;
    this.reusable = false;
    this.#headBytes = null;
    this.#partialHead.reset();
    this.#request = request;
    this.#variant = variant;
  }

  /** Part of a head has arrived (so the request cannot be sent again elsewhere). */
  get hasPartialHead(): boolean {
    return this.#headBytes !== null;
  }

  /** The body ends when the upstream closes the connection. */
  get endsAtClose(): boolean {
    return this.started && this.#body.kind === BodyKind.UntilClose;
  }

  onData(chunk: Buffer): void {
    if (this.started) {
      this.#forwardBody(chunk, 0);
      return;
    }
    if (this.#headBytes === null) this.headSince = performance.now();
    let buf = this.#headBytes === null ? chunk : Buffer.concat([this.#headBytes, chunk]);
    for (;;) {
      let start = 0;
      while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++; // llhttp skips CRLFs before a message
      if (start > 0) {
        this.#partialHead.reset();
        buf = buf.subarray(start);
      }
      const headEnd = buf.indexOf(CRLF2);
      if (headEnd === -1 ? buf.length > MAX_HEAD_BYTES : headEnd > MAX_HEAD_BYTES) {
        this.#target.responseBroken(502, 'upstream response head too large');
        return;
      }
      if (headEnd === -1) {
        if (!this.#partialHead.check(buf, false)) {
          this.#target.responseBroken(502, 'invalid response from upstream');
          return;
        }
        this.#headBytes = buf.length > 0 ? buf : null;
        return;
      }
      this.#partialHead.reset();
      const head = parseResponseHead(buf.toString('latin1', 0, headEnd));
      // 101 would switch protocols; a 1xx with a body is something llhttp frames but no client expects.
      if (head === undefined || head.status === 101 || (head.status < 200 && (head.contentLength > 0 || head.transferEncoding !== ''))) {
        this.#target.responseBroken(502, 'invalid response from upstream');
        return;
      }
      if (head.status >= 200) {
        this.#headBytes = null;
        this.#start(head, buf, headEnd + 4);
        return;
      }
      // Interim 1xx answers are not relayed: the gateway answers Expect itself.
      buf = buf.subarray(headEnd + 4);
      this.#headBytes = buf.length > 0 ? buf : null;
      if (buf.length === 0) return;
    }
  }

  #start(head: ResponseHead, buf: Buffer, bodyStart: number): void {
    const request = this.#request!;
    const target = this.#target;
    const noBody = request.method === 'HEAD' || head.status === 204 || head.status === 304;
    const kind = noBody ? BodyKind.None : head.chunked ? BodyKind.Chunked : head.contentLength >= 0 ? BodyKind.Length : BodyKind.UntilClose;
    this.#body.reset(kind, head.contentLength);
    this.reusable = head.keepAlive && kind !== BodyKind.UntilClose;
    this.#dechunk = kind === BodyKind.Chunked && request.minorVersion === 0;
    this.status = head.status;
    const capture = target.responseCapture();
    // What arrived with the head is checked before anything is relayed: a broken answer in one read reaches the client as a 502 only.
    const end = this.#dechunk ? this.#body.feed(buf, bodyStart, buf.length) : this.#body.feed(buf, bodyStart, buf.length, capture);
    if (end === MALFORMED) {
      target.responseBroken(502, 'malformed chunked response from upstream');
      return;
    }
    if (kind === BodyKind.UntilClose || this.#dechunk) target.closing = true;
    this.started = true;
    const clientHead = clientResponseHead(head, this.#variant, { chunked: head.chunked && !this.#dechunk, close: target.closing, http10: request.minorVersion === 0 });
    if (this.#dechunk) {
      target.socket.write(clientHead, 'latin1');
      this.#body.reset(kind, head.contentLength);
      this.#forwardBody(buf, bodyStart);
      return;
    }
    const stop = end < 0 ? buf.length : end;
    if (!writeHeadAndBody(target.socket, clientHead, buf, bodyStart, stop)) target.pauseUpstream();
    this.#after(end, buf.length);
  }

  #forwardBody(buf: Buffer, start: number): void {
    let end: number;
    if (this.#dechunk) end = this.#body.feed(buf, start, buf.length, this.#writeDechunked);
    else {
      end = this.#body.feed(buf, start, buf.length, this.#target.responseCapture());
      const stop = end < 0 ? buf.length : end;
      if (stop > start && !this.#target.socket.write(start === 0 && stop === buf.length ? buf : buf.subarray(start, stop))) this.#target.pauseUpstream();
    }
    this.#after(end, buf.length);
  }

  #after(end: number, length: number): void {
    if (end === MALFORMED) this.#target.responseBroken(502, 'malformed chunked response from upstream');
    else if (end !== NEED_MORE) this.#target.responseComplete(end < length);
  }
}
