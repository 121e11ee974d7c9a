/**
 * One client connection: reads request heads, picks a variant, and relays
 * raw bytes both ways (only heads are rewritten), one exchange at a time.
 * Pipelined requests wait in `pending` until the current response is done.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BodyFramer, BodyKind, MALFORMED, NEED_MORE, type PayloadSink } from './body-framer.js';
import { HeadError, parseRequestHead, PartialHeadCheck, type RequestHead } from './http-head.js';
import { upstreamRequestHead, writeHeadAndBody } from './head-rewrite.js';
import { JSON_TYPE, jsonError, localAnswer, localResponse } from './local-response.js';
import type { Mirror, MirrorCapture } from './mirror.js';
import { ResponseRelay, type RelayTarget } from './response-relay.js';
import { PRIMARY, Route, VARIANTS, type Routing, type VariantIndex } from './routing.js';
import { FailureKind, type UpstreamConnection, type UpstreamOwner, type UpstreamPool } from './upstream-pool.js';
import type { VariantCounters } from './variant-stats.js';

const MAX_HEAD_BYTES = 32 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

/** What a connection needs from its gateway. */
export interface ProxyCore {
  readonly routing: Routing;
  readonly pools: [UpstreamPool, UpstreamPool | null];
  readonly counters: readonly [VariantCounters, VariantCounters];
  readonly mirror: Mirror;
  metricsText(): string;
  forget(connection: ClientConnection): void;
  /** Checks `connection.checkHeadDeadline` until it says it no longer waits on a head. */
  watchHead(connection: ClientConnection): void;
}

export class ClientConnection implements UpstreamOwner, RelayTarget {
  readonly #core: ProxyCore;
  readonly socket: Socket;
  readonly #clientAddress: string;
  /** Client bytes not yet part of the current exchange (a head, or pipelined requests). */
  #pending: Buffer | null = null;
  /** Close once the current answer is out. */
  closing = false;
  /** When the first byte of a request head still incomplete arrived (performance.now()); 0 when none is. */
  #headSince = 0;
  readonly #partialHead = new PartialHeadCheck();
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
  readonly #response = new ResponseRelay(this);
  #capture: MirrorCapture | null = null;
  readonly #captureRequest = (buf: Buffer, start: number, end: number): void => this.#capture?.addRequestBytes(buf, start, end);
  readonly #captureResponse = (buf: Buffer, start: number, end: number): void => this.#capture?.addResponseBytes(buf, start, end);

  constructor(core: ProxyCore, socket: Socket) {
    this.#core = core;
    this.socket = socket;
    const address = socket.remoteAddress ?? '';
    this.#clientAddress = address.startsWith('::ffff:') ? address.slice(7) : address;
  }

  /** An exchange is under way (a request read or an answer relayed). */
  get busy(): boolean {
    return this.#active;
  }

  onClientData(chunk: Buffer): void {
    if (this.closing && !this.#active) return;
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
    this.closing = true;
    if (!this.#active) this.socket.end();
  }

  onClientDrain(): void {
    this.#upstream?.socket.resume();
  }

  onClientTimeout(): void {
    if (!this.#active) this.socket.destroy(); // idle keep-alive connection
  }

  onClientClose(): void {
    this.closing = true;
    if (this.#active) {
      this.#upstream?.destroy();
      this.#upstream = null;
      this.#releaseCapture(0);
      this.#active = false;
    }
    this.#core.forget(this);
  }

  #startNext(): void {
    while (this.#pending !== null && !this.#active && !this.closing && !this.socket.destroyed) {
      let buf = this.#pending;
      let start = 0;
      while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++; // llhttp skips CRLFs before a message
      if (start > 0) {
        this.#partialHead.reset();
        buf = buf.subarray(start);
        this.#pending = buf.length > 0 ? buf : null;
        if (buf.length === 0) return;
      }
      const headEnd = buf.indexOf(CRLF2);
      // The limits hold however the bytes came: in one read or in many.
      if (headEnd === -1 ? buf.length > MAX_HEAD_BYTES : headEnd > MAX_HEAD_BYTES) {
        this.#reject(431, 'request head too large');
        return;
      }
      if (headEnd === -1) {
        if (!this.#partialHead.check(buf, true)) {
          this.#reject(400, 'malformed request head');
          return;
        }
        if (this.#headSince === 0) {
          this.#headSince = performance.now();
          this.#core.watchHead(this);
        }
        return;
      }
      this.#headSince = 0;
      this.#partialHead.reset();
      const head = parseRequestHead(buf.toString('latin1', 0, headEnd), this.#core.routing.stickyHeader);
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
    request.request = true;
    request.reset(head.chunked ? BodyKind.Chunked : head.contentLength > 0 ? BodyKind.Length : BodyKind.None, head.contentLength);
    this.#capture = route === Route.Primary && this.#core.routing.shouldMirror() ? this.#core.mirror.begin(head.method, head.target, head.forward) : null;
    const end = request.isEmpty ? bodyStart : request.feed(buf, bodyStart, buf.length, this.#capture === null ? undefined : this.#captureRequest);
    if (end === MALFORMED) {
      if (this.#capture !== null) this.#core.mirror.abandon(this.#capture);
      this.#capture = null;
      this.#reject(400, 'malformed chunked request body');
      return;
    }
    this.#active = true;
    this.#head = head;
    this.#variant = variant;
    this.#startedAt = performance.now();
    this.#requestDone = end !== NEED_MORE;
    this.#response.reset(head, VARIANTS[variant]);
    this.#retried = false;
    // After an upgrade request the client speaks another protocol, which the gateway does not relay.
    if (!head.keepAlive || head.upgrade) this.closing = true;
    const upstreamHead = upstreamRequestHead(head, pool.authority, this.#clientAddress);
    const stop = end === NEED_MORE ? buf.length : end;
    const body = stop > bodyStart ? buf.subarray(bodyStart, stop) : null;
    if (end !== NEED_MORE && end < buf.length) this.#pending = buf.subarray(end);
    this.#retryHead = upstreamHead;
    this.#retryBody = body;
    if (this.#requestDone && request.trailerClose) this.closing = true;
    this.#send(pool, upstreamHead, body);
    if (this.#requestDone) this.#capture?.requestComplete();
    // The gateway answers Expect itself (it is not forwarded), as nginx does.
    else if (head.expectContinue && head.minorVersion === 1) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
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
    if (this.#request.trailerClose) this.closing = true;
    this.#requestDone = true;
    this.#capture?.requestComplete();
    if (end < buf.length) this.#pending = buf.subarray(end);
  }

  onUpstreamData(conn: UpstreamConnection, chunk: Buffer): void {
    if (conn !== this.#upstream) return;
    const wasWaiting = this.#response.hasPartialHead;
    this.#response.onData(chunk);
    if (!wasWaiting && this.#active && this.#response.hasPartialHead) this.#core.watchHead(this);
  }

  /**
   * The head deadlines: a request head must be whole `limitMs` after its first
   * byte (else 408 and close), and so must a response head (else 502).
   * Returns whether a head is still awaited.
   */
  checkHeadDeadline(now: number, limitMs: number): boolean {
    if (this.socket.destroyed) return false;
    if (this.#headSince !== 0 && !this.#active) {
      if (now - this.#headSince < limitMs) return true;
      this.#headSince = 0;
      this.#reject(408, 'request head not received in time');
      return false;
    }
    if (this.#active && this.#response.hasPartialHead) {
      if (now - this.#response.headSince < limitMs) return true;
      this.#upstreamFailed(502, `upstream ${VARIANTS[this.#variant]} sent no whole response head in time`);
      return false;
    }
    return false;
  }

  pauseUpstream(): void {
    this.#upstream?.socket.pause();
  }

  responseCapture(): PayloadSink | undefined {
    return this.#capture === null ? undefined : this.#captureResponse;
  }

  responseBroken(status: number, message: string): void {
    this.#upstreamFailed(status, message);
  }

  onUpstreamEnd(conn: UpstreamConnection): void {
    if (conn !== this.#upstream) return;
    if (this.#response.endsAtClose) this.responseComplete(true);
    else this.onUpstreamFailure(conn, FailureKind.Closed, undefined);
  }

  onUpstreamFailure(conn: UpstreamConnection, kind: FailureKind, _error: Error | undefined): void {
    if (conn !== this.#upstream) return;
    // A pooled connection the upstream had already closed: send the request again, once.
    if (kind !== FailureKind.Timeout && conn.uses > 0 && !this.#retried && !this.#response.started && !this.#response.hasPartialHead && this.#isReplayable()) {
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
    if (this.#response.started) {
      this.#record(this.#response.status);
      this.#releaseCapture(0);
      this.#active = false;
      this.socket.destroy();
      return;
    }
    if (status >= 500) this.#record(status);
    this.#releaseCapture(status);
    this.#active = false;
    if (!this.#requestDone) this.closing = true;
    this.socket.write(localResponse({ status, variant: status >= 500 ? VARIANTS[this.#variant] : 'gateway', contentType: JSON_TYPE, body: jsonError(message), close: this.closing }));
    this.#finished();
  }

  responseComplete(trailingBytes: boolean): void {
    this.#record(this.#response.status);
    this.#releaseCapture(this.#response.status);
    const upstream = this.#upstream!;
    this.#upstream = null;
    if (this.#response.reusable && this.#requestDone && !trailingBytes) upstream.pool.release(upstream);
    else upstream.destroy();
    this.#active = false;
    if (!this.#requestDone) this.closing = true; // the rest of the request body will not be read
    this.#finished();
  }

  /** After an exchange: close, or go on with the next pipelined request. */
  #finished(): void {
    this.#head = null;
    this.#retryBody = null;
    if (this.closing) this.socket.end();
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
    this.socket.write(localAnswer(route, head, close, this.#core));
    if (close) {
      this.closing = true;
      this.socket.end();
    }
  }

  /** A request that cannot be read further: answer and close. */
  #reject(status: number, message: string): void {
    this.#pending = null;
    this.closing = true;
    this.socket.end(localResponse({ status, variant: 'gateway', contentType: JSON_TYPE, body: jsonError(message), close: true }));
  }
}

