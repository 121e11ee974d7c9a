/**
 * Shadow traffic: copies of some primary-served requests go to the canary;
 * the canary's answer is only compared with the primary's, never returned.
 * In-flight copies are bounded, so a slow canary costs dropped copies, not memory.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { predictionAbsDiff } from './mirror-compare.js';

export interface MirrorPair {
  atMs: number;
  primaryStatus: number;
  canaryStatus: number;
  /** Max |canary − primary| over the predictions; Infinity when not comparable. */
  absDiff: number;
}

export interface MirrorCounts {
  sent: number;
  completed: number;
  dropped: number;
}

export interface MirrorOptions {
  maxInFlight: number;
  timeoutMs: number;
  now: () => number;
  /** Bodies larger than this are not copied (request) or not compared (response). */
  maxBodyBytes?: number;
  maxPairs?: number;
}

/** One request being copied: collects both bodies, then pairs both answers. */
export class MirrorCapture {
  readonly requestChunks: Buffer[] = [];
  requestBytes = 0;
  readonly responseChunks: Buffer[] = [];
  responseBytes = 0;
  primaryStatus = 0;
  canaryStatus = 0;
  canaryBody = '';
  #pending = 2;

  constructor(
    readonly mirror: Mirror,
    readonly method: string,
    readonly path: string,
    readonly headers: Record<string, string>,
  ) {}

  addRequestBytes(buf: Buffer, start: number, end: number): void {
    this.requestBytes += end - start;
    if (this.requestBytes <= this.mirror.maxBodyBytes) this.requestChunks.push(Buffer.from(buf.subarray(start, end)));
  }

  addResponseBytes(buf: Buffer, start: number, end: number): void {
    this.responseBytes += end - start;
    if (this.responseBytes <= this.mirror.maxBodyBytes) this.responseChunks.push(Buffer.from(buf.subarray(start, end)));
  }

  /** The whole request body is in: send the copy. */
  requestComplete(): void {
    this.mirror.send(this);
  }

  primaryDone(status: number): void {
    this.primaryStatus = status;
    if (--this.#pending === 0) this.mirror.pair(this);
  }

  canaryDone(status: number, body: string): void {
    this.canaryStatus = status;
    this.canaryBody = body;
    if (--this.#pending === 0) this.mirror.pair(this);
  }
}

export class Mirror {
  sent = 0;
  completed = 0;
  dropped = 0;
  inFlight = 0;
  readonly maxBodyBytes: number;
  /** Canary status code → count, for the metrics. */
  readonly byCode = new Map<number, number>();
  #pairs: MirrorPair[] = [];
  #target: URL | null = null;
  readonly #agent: Agent;
  readonly #options: MirrorOptions;
  readonly #maxPairs: number;

  constructor(options: MirrorOptions) {
    this.#options = options;
    this.maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
    this.#maxPairs = options.maxPairs ?? 10_000;
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.maxInFlight });
  }

  setTarget(base: string | null): void {
    this.#target = base === null ? null : new URL(base);
  }

  /** A capture for a request chosen for mirroring, or null (counted dropped) when at the bound. */
  begin(method: string, path: string, forwardHeaders: string): MirrorCapture | null {
    if (this.#target === null) return null;
    if (this.inFlight >= this.#options.maxInFlight) {
      this.dropped++;
      return null;
    }
    this.inFlight++;
    return new MirrorCapture(this, method, path, headersOf(forwardHeaders));
  }

  /** The primary's exchange broke before the copy could be sent. */
  abandon(_capture: MirrorCapture): void {
    this.inFlight--;
    this.dropped++;
  }

  send(capture: MirrorCapture): void {
    const target = this.#target;
    if (target === null || capture.requestBytes > this.maxBodyBytes) {
      this.abandon(capture);
      return;
    }
    this.sent++;
    const body = Buffer.concat(capture.requestChunks);
    const headers = { ...capture.headers, 'content-length': String(body.length), 'x-kcanary-mirror': '1' };
    let req: ReturnType<typeof httpRequest>;
    try {
      req = httpRequest({ host: target.hostname, port: target.port || 80, method: capture.method, path: capture.path, headers, agent: this.#agent, timeout: this.#options.timeoutMs });
    } catch {
      // node:http refused something the gateway's parser let through: no copy, no crash.
      this.#finish(capture, 502, '');
      return;
    }
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= this.maxBodyBytes) chunks.push(chunk);
      });
      res.on('end', () => this.#finish(capture, res.statusCode ?? 0, bytes <= this.maxBodyBytes ? Buffer.concat(chunks).toString('utf8') : ''));
      res.on('error', () => this.#finish(capture, 502, ''));
    });
    req.on('timeout', () => req.destroy(new Error('mirror timeout')));
    req.on('error', (error) => this.#finish(capture, error.message === 'mirror timeout' ? 504 : 502, ''));
    req.end(body);
  }

  #finish(capture: MirrorCapture, status: number, body: string): void {
    if (capture.canaryStatus !== 0) return; // an error after the answer was read
    this.inFlight--;
    this.completed++;
    this.byCode.set(status, (this.byCode.get(status) ?? 0) + 1);
    capture.canaryDone(status, body);
  }

  pair(capture: MirrorCapture): void {
    if (capture.primaryStatus === 0) return; // the client went away: nothing to compare
    const primaryBody = capture.responseBytes <= this.maxBodyBytes ? Buffer.concat(capture.responseChunks).toString('utf8') : '';
    const absDiff = predictionAbsDiff(capture.primaryStatus, primaryBody, capture.canaryStatus, capture.canaryBody);
    if (this.#pairs.length >= this.#maxPairs) this.#pairs.shift();
    this.#pairs.push({ atMs: this.#options.now(), primaryStatus: capture.primaryStatus, canaryStatus: capture.canaryStatus, absDiff });
  }

  drainPairs(): MirrorPair[] {
    const pairs = this.#pairs;
    this.#pairs = [];
    return pairs;
  }

  counts(): MirrorCounts {
    return { sent: this.sent, completed: this.completed, dropped: this.dropped };
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Forwarded header lines → an object for node:http (repeated names joined). */
function headersOf(forward: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of forward.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    if (name === 'content-length') continue;
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return headers;
}
