/**
 * One client connection: reads request heads, picks a variant, and relays
 * raw bytes both ways (only heads are rewritten), one exchange at a time.
 * Pipelined requests wait in `pending` until the current response is done.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BodyFramer, BodyKind, MALFORMED, NEED_MORE } from './body-framer.js';
import { HeadError, parseRequestHead, parseResponseHead, type RequestHead, type ResponseHead } from './http-head.js';
import { JSON_TYPE, METRICS_TYPE, jsonError, localResponse } from './local-response.js';
import type { Mirror, MirrorCapture } from './mirror.js';
import { PRIMARY, Route, VARIANTS, type Routing, type VariantIndex } from './routing.js';
import { FailureKind, type UpstreamConnection, type UpstreamOwner, type UpstreamPool } from './upstream-pool.js';
import type { VariantCounters } from './variant-stats.js';

const MAX_HEAD_BYTES = 32 * 1024;
/** Bodies up to this size travel in the same write as their head (one syscall, no writev). */
const INLINE_BODY_BYTES = 16 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

/** What a connection needs from its gateway. */
export interface ProxyCore {
  readonly routing: Routing;
  readonly pools: [UpstreamPool, UpstreamPool | null];
  readonly counters: readonly [VariantCounters, VariantCounters];
  readonly mirror: Mirror;
  metricsText(): string;
  forget(connection: ClientConnection): void;
}

export class ClientConnection implements UpstreamOwner {
  readonly #core: ProxyCore;
  readonly socket: Socket;
  readonly #clientAddress: string;
  /** Client bytes not yet part of the current exchange (a head, or pipelined requests). */
  #pending: Buffer | null = null;
  #closing = false;
  // The current exchange.
  #active = false;
  #head: RequestHead | null = null;
  #variant: VariantIndex = PRIMARY;
  #upstream: UpstreamConnection | null = null;
  #startedAt = 0;
  readonly #request = new BodyFramer();
  #requestDone = false;
  /** The request as written, kept to retry once when a pooled connection turns out stale. */
  #retryHead = '';
  #retryBody: Buffer | null = null;
  #retried = false;
  readonly #response = new BodyFramer();
  #responseHeadBytes: Buffer | null = null;
  #responseStarted = false;
  #responseStatus = 0;
  #upstreamReusable = false;
  /** An HTTP/1.0 client gets a chunked upstream body de-chunked. */
  #dechunk = false;
  #capture: MirrorCapture | null = null;
  readonly #captureRequest = (buf: Buffer, start: number, end: number): void => this.#capture?.addRequestBytes(buf, start, end);
  readonly #captureResponse = (buf: Buffer, start: number, end: number): void => this.#capture?.addResponseBytes(buf, start, end);
  readonly #writeDechunked = (buf: Buffer, start: number, end: number): void => {
    this.#capture?.addResponseBytes(buf, start, end);
    if (!this.socket.write(buf.subarray(start, end))) this.#upstream?.socket.pause();
  };

  constructor(core: ProxyCore, socket: Socket) {
    this.#core = core;
    this.socket = socket;
    const address = socket.remoteAddress ?? '';
    this.#clientAddress = address.startsWith('::ffff:') ? address.slice(7) : address;
  }

  onClientData(chunk: Buffer): void {
    if (this.#closing && !this.#active) return;
    if (this.#active && !this.#requestDone) {
      this.#forwardRequestBody(chunk, 0);
      return;
    }
    this.#pending = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    if (!this.#active) this.#startNext();
    else if (this.#pending.length > MAX_HEAD_BYTES) this.socket.pause(); // pipelined requests wait their turn
  }

  /** The client half-closed: finish the current answer, then close. */
  onClientEnd(): void {
    this.#closing = true;
    if (!this.#active) this.socket.end();
  }

  onClientDrain(): void {
    this.#upstream?.socket.resume();
  }

  onClientTimeout(): void {
    if (!this.#active) this.socket.destroy(); // idle keep-alive connection
  }

  onClientClose(): void {
    this.#closing = true;
    if (this.#active) {
      this.#upstream?.destroy();
      this.#upstream = null;
      this.#releaseCapture(0);
      this.#active = false;
    }
    this.#core.forget(this);
  }

  #startNext(): void {
    while (this.#pending !== null && !this.#active && !this.#closing && !this.socket.destroyed) {
      const buf = this.#pending;
      let start = 0;
      while (start < buf.length && start < 8 && (buf[start] === 0x0d || buf[start] === 0x0a)) start++; // stray CRLFs before a request are allowed
      const headEnd = buf.indexOf(CRLF2, start);
      if (headEnd === -1) {
        if (buf.length - start > MAX_HEAD_BYTES) this.#reject(431, 'request head too large');
        return;
      }
      const head = parseRequestHead(buf.toString('latin1', start, headEnd), this.#core.routing.stickyHeader);
      if (head instanceof HeadError) {
        this.#reject(head.status, head.message);
        return;
      }
      this.#pending = null;
      this.#begin(head, buf, headEnd + 4);
    }
    if (this.socket.isPaused() && (this.#pending === null || this.#pending.length <= MAX_HEAD_BYTES)) this.socket.resume();
  }

  #begin(head: RequestHead, buf: Buffer, bodyStart: number): void {
    const route = this.#core.routing.route(head);
    if (route >= Route.Metrics) {
      this.#answerLocally(route, head, buf, bodyStart);
      return;
    }
    const variant = (route & 1) as VariantIndex;
    const pool = this.#core.pools[variant]!;
    const request = this.#request;
    request.reset(head.chunked ? BodyKind.Chunked : head.contentLength > 0 ? BodyKind.Length : BodyKind.None, head.contentLength);
    this.#capture = route === Route.Primary && this.#core.routing.shouldMirror() ? this.#core.mirror.begin(head.method, head.target, head.forward) : null;
    const end = request.isEmpty ? bodyStart : request.feed(buf, bodyStart, buf.length, this.#capture === null ? undefined : this.#captureRequest);
    if (end === MALFORMED) {
      this.#releaseCapture(0);
      this.#reject(400, 'malformed chunked request body');
      return;
    }
    this.#active = true;
    this.#head = head;
    this.#variant = variant;
    this.#startedAt = performance.now();
    this.#requestDone = end !== NEED_MORE;
    this.#responseStarted = false;
    this.#responseHeadBytes = null;
    this.#retried = false;
    if (!head.keepAlive) this.#closing = true;
    const xff = head.forwardedFor === undefined ? this.#clientAddress : `${head.forwardedFor}, ${this.#clientAddress}`;
    const upstreamHead =
      `${head.method} ${head.target} HTTP/1.1\r\nhost: ${pool.authority}\r\n${head.forward}` +
      `x-forwarded-for: ${xff}\r\nx-forwarded-proto: http\r\nx-forwarded-host: ${head.host}\r\n` +
      (head.chunked ? 'transfer-encoding: chunked\r\n\r\n' : '\r\n');
    const stop = end === NEED_MORE ? buf.length : end;
    const body = stop > bodyStart ? buf.subarray(bodyStart, stop) : null;
    if (end !== NEED_MORE && end < buf.length) this.#pending = buf.subarray(end);
    this.#retryHead = upstreamHead;
    this.#retryBody = body;
    this.#send(pool, upstreamHead, body);
    if (this.#requestDone) this.#capture?.requestComplete();
    else if (head.expectContinue) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
  }

  #send(pool: UpstreamPool, head: string, body: Buffer | null): void {
    const upstream = pool.acquire(this);
    this.#upstream = upstream;
    const ok = body === null ? upstream.socket.write(head, 'latin1') : writeHeadAndBody(upstream.socket, head, body, 0, body.length);
    if (!ok && !this.#requestDone) this.socket.pause();
  }

  #forwardRequestBody(buf: Buffer, start: number): void {
    const end = this.#request.feed(buf, start, buf.length, this.#capture === null ? undefined : this.#captureRequest);
    if (end === MALFORMED) {
      this.#upstreamFailed(400, 'malformed chunked request body');
      return;
    }
    const stop = end === NEED_MORE ? buf.length : end;
    this.#retryBody = null; // a body that came in pieces is not kept for a retry
    if (stop > start && this.#upstream !== null && !this.#upstream.socket.write(start === 0 && stop === buf.length ? buf : buf.subarray(start, stop))) {
      this.socket.pause();
    }
    if (end === NEED_MORE) return;
    this.#requestDone = true;
    this.#capture?.requestComplete();
    if (end < buf.length) this.#pending = buf.subarray(end);
  }

  onUpstreamData(conn: UpstreamConnection, chunk: Buffer): void {
    if (conn !== this.#upstream) return;
    if (this.#responseStarted) {
      this.#forwardResponseBody(chunk, 0);
      return;
    }
    let buf = this.#responseHeadBytes === null ? chunk : Buffer.concat([this.#responseHeadBytes, chunk]);
    for (;;) {
      const headEnd = buf.indexOf(CRLF2);
      if (headEnd === -1) {
        if (buf.length > MAX_HEAD_BYTES) this.#upstreamFailed(502, 'upstream response head too large');
        else this.#responseHeadBytes = buf;
        return;
      }
      const head = parseResponseHead(buf.toString('latin1', 0, headEnd));
      if (head === undefined || head.status === 101) {
        this.#upstreamFailed(502, 'invalid response from upstream');
        return;
      }
      if (head.status >= 200) {
        this.#responseHeadBytes = null;
        this.#startResponse(head, buf, headEnd + 4);
        return;
      }
      // Interim 1xx answers are not relayed: the gateway answers Expect itself.
      buf = buf.subarray(headEnd + 4);
      this.#responseHeadBytes = buf.length > 0 ? buf : null;
      if (buf.length === 0) return;
    }
  }

  #startResponse(head: ResponseHead, buf: Buffer, bodyStart: number): void {
    const request = this.#head!;
    const status = head.status;
    const noBody = request.method === 'HEAD' || status === 204 || status === 304;
    const kind = noBody ? BodyKind.None : head.chunked ? BodyKind.Chunked : head.contentLength >= 0 ? BodyKind.Length : BodyKind.UntilClose;
    this.#response.reset(kind, head.contentLength);
    this.#upstreamReusable = head.keepAlive && kind !== BodyKind.UntilClose;
    this.#dechunk = kind === BodyKind.Chunked && request.minorVersion === 0;
    if (kind === BodyKind.UntilClose || this.#dechunk) this.#closing = true;
    this.#responseStarted = true;
    this.#responseStatus = status;
    const clientHead =
      `HTTP/1.1 ${status} ${head.reason}\r\n${head.forward}x-kcanary-variant: ${VARIANTS[this.#variant]}\r\n` +
      (kind === BodyKind.Chunked && !this.#dechunk ? 'transfer-encoding: chunked\r\n' : '') +
      (this.#closing ? 'connection: close\r\n\r\n' : request.minorVersion === 0 ? 'connection: keep-alive\r\n\r\n' : '\r\n');
    if (this.#dechunk) {
      this.socket.write(clientHead, 'latin1');
      this.#forwardResponseBody(buf, bodyStart);
      return;
    }
    const end = this.#response.feed(buf, bodyStart, buf.length, this.#capture === null ? undefined : this.#captureResponse);
    const stop = end < 0 ? buf.length : end;
    if (!writeHeadAndBody(this.socket, clientHead, buf, bodyStart, stop)) this.#upstream?.socket.pause();
    this.#afterResponseBytes(end, buf.length);
  }

  #forwardResponseBody(buf: Buffer, start: number): void {
    const framer = this.#response;
    let end: number;
    if (this.#dechunk) end = framer.feed(buf, start, buf.length, this.#writeDechunked);
    else {
      end = framer.feed(buf, start, buf.length, this.#capture === null ? undefined : this.#captureResponse);
      const stop = end < 0 ? buf.length : end;
      if (stop > start && !this.socket.write(start === 0 && stop === buf.length ? buf : buf.subarray(start, stop))) this.#upstream?.socket.pause();
    }
    this.#afterResponseBytes(end, buf.length);
  }

  #afterResponseBytes(end: number, length: number): void {
    if (end === MALFORMED) this.#upstreamFailed(502, 'malformed chunked response from upstream');
    else if (end !== NEED_MORE) this.#completeExchange(end < length);
  }

  onUpstreamEnd(conn: UpstreamConnection): void {
    if (conn !== this.#upstream) return;
    if (this.#responseStarted && this.#response.kind === BodyKind.UntilClose) this.#completeExchange(true);
    else this.onUpstreamFailure(conn, FailureKind.Closed, undefined);
  }

  onUpstreamFailure(conn: UpstreamConnection, kind: FailureKind, _error: Error | undefined): void {
    if (conn !== this.#upstream) return;
    // A pooled connection the upstream had already closed: send the request again, once.
    if (kind !== FailureKind.Timeout && conn.uses > 0 && !this.#retried && !this.#responseStarted && this.#responseHeadBytes === null && this.#isReplayable()) {
      this.#retried = true;
      conn.destroy();
      this.#send(conn.pool, this.#retryHead, this.#retryBody);
      return;
    }
    if (kind === FailureKind.Timeout) this.#upstreamFailed(504, `upstream ${VARIANTS[this.#variant]} timed out`);
    else this.#upstreamFailed(502, `upstream ${VARIANTS[this.#variant]} unavailable`);
  }

  /** True when the whole request is still in hand: it had no body, or its body came in one piece. */
  #isReplayable(): boolean {
    if (!this.#requestDone) return false;
    const head = this.#head!;
    return this.#retryBody !== null || (!head.chunked && head.contentLength <= 0);
  }

  onUpstreamDrain(_conn: UpstreamConnection): void {
    this.socket.resume();
  }

  /** The exchange cannot go on. Before the response started the client gets a JSON error, else the connection is cut. */
  #upstreamFailed(status: number, message: string): void {
    this.#upstream?.destroy();
    this.#upstream = null;
    this.#upstreamReusable = false;
    if (this.#responseStarted) {
      this.#record(this.#responseStatus);
      this.#releaseCapture(0);
      this.#active = false;
      this.socket.destroy();
      return;
    }
    if (status >= 500) this.#record(status);
    this.#releaseCapture(status);
    this.#active = false;
    if (!this.#requestDone) this.#closing = true;
    this.socket.write(localResponse({ status, variant: status >= 500 ? VARIANTS[this.#variant] : 'gateway', contentType: JSON_TYPE, body: jsonError(message), close: this.#closing }));
    this.#finished();
  }

  #completeExchange(trailingBytes: boolean): void {
    this.#record(this.#responseStatus);
    this.#releaseCapture(this.#responseStatus);
    const upstream = this.#upstream!;
    this.#upstream = null;
    if (this.#upstreamReusable && this.#requestDone && !trailingBytes) upstream.pool.release(upstream);
    else upstream.destroy();
    this.#active = false;
    if (!this.#requestDone) this.#closing = true; // the rest of the request body will not be read
    this.#finished();
  }

  /** After an exchange: close, or go on with the next pipelined request. */
  #finished(): void {
    this.#head = null;
    this.#retryBody = null;
    if (this.#closing) this.socket.end();
    else this.#startNext();
  }

  #record(status: number): void {
    this.#core.counters[this.#variant].record(status, (performance.now() - this.#startedAt) / 1000);
  }

  #releaseCapture(primaryStatus: number): void {
    const capture = this.#capture;
    if (capture === null) return;
    this.#capture = null;
    if (this.#requestDone) capture.primaryDone(primaryStatus);
    else this.#core.mirror.abandon(capture);
  }

  #answerLocally(route: Route, head: RequestHead, buf: Buffer, bodyStart: number): void {
    // Only bodiless requests keep the connection; a body would have to be read first.
    const close = !head.keepAlive || head.chunked || head.contentLength > 0;
    if (!close && bodyStart < buf.length) this.#pending = buf.subarray(bodyStart);
    if (route === Route.Metrics) {
      this.socket.write(localResponse({ status: 200, variant: 'gateway', contentType: METRICS_TYPE, body: this.#core.metricsText(), close, omitBody: head.method === 'HEAD' }));
    } else if (route === Route.BadVariantHeader) {
      this.socket.write(localResponse({ status: 400, variant: 'gateway', contentType: JSON_TYPE, body: jsonError('x-kcanary-variant must be "primary" or "canary"'), close }));
    } else {
      this.socket.write(localResponse({ status: 503, variant: 'canary', contentType: JSON_TYPE, body: jsonError('no canary upstream is configured'), close }));
    }
    if (close) {
      this.#closing = true;
      this.socket.end();
    }
  }

  /** A request that cannot be read further: answer and close. */
  #reject(status: number, message: string): void {
    this.#pending = null;
    this.#closing = true;
    this.socket.end(localResponse({ status, variant: 'gateway', contentType: JSON_TYPE, body: jsonError(message), close: true }));
  }
}

/** Writes a head and the body bytes `buf[start..end)` as one write when the body is small. */
function writeHeadAndBody(socket: Socket, head: string, buf: Buffer, start: number, end: number): boolean {
  if (end - start <= INLINE_BODY_BYTES) return socket.write(end > start ? head + buf.toString('latin1', start, end) : head, 'latin1');
  socket.cork();
  socket.write(head, 'latin1');
  const ok = socket.write(buf.subarray(start, end));
  socket.uncork();
  return ok;
}
