/**
 * The local data plane: an HTTP/1.1 reverse proxy in front of a primary and
 * a canary model server, with an exact weighted split, sticky keys, header
 * and host overrides, shadow traffic and per-variant Prometheus metrics.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { UsageError } from '../errors.js';
import { ClientConnection, type ProxyCore } from './client-connection.js';
import { renderMetrics } from './metrics-text.js';
import { Mirror, type MirrorCounts, type MirrorPair } from './mirror.js';
import { Routing, type StickyOptions } from './routing.js';
import { isWholePercent } from './smooth-split.js';
import { UpstreamPool } from './upstream-pool.js';
import { VariantCounters, type VariantStats } from './variant-stats.js';

export interface Upstreams {
  primary: string;
  canary?: string | null;
}

export interface GatewayOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** 0 = ephemeral. */
  port?: number;
  /** Base URLs, e.g. http://127.0.0.1:9001. */
  upstreams: Upstreams;
  /** Whole percent 0..100, default 0. */
  canaryWeight?: number;
  /** 0..100: share of primary-served requests also sent to the canary (answer discarded). */
  mirrorPercent?: number;
  /** Optional sticky routing key. */
  sticky?: StickyOptions;
  /** Default 30000 → 504 when an upstream stays silent that long. */
  upstreamTimeoutMs?: number;
  /** Mirroring never queues without bound; default 64. */
  maxMirrorInFlight?: number;
  /** Idle client keep-alive connections close after this long; default 65000. */
  keepAliveTimeoutMs?: number;
  /**
   * A whole head must arrive this long after its first byte; default 60000 (nginx's
   * client_header_timeout). A late request head is a 408 and the connection closes;
   * a late response head is a 502.
   */
  headTimeoutMs?: number;
  /** Clock for mirror pair timestamps; default Date.now. */
  now?: () => number;
  /** More exposition lines for /metrics (e.g. the rollout's analysis gauges). */
  extraMetrics?: () => readonly string[];
}

export interface GatewayStats {
  primary: VariantStats;
  canary: VariantStats;
  mirror: MirrorCounts;
}

export interface Gateway {
  /** http://host:port */
  readonly url: string;
  /** Takes effect for the next request; validates a 0..100 integer. */
  setWeight(canaryPercent: number): void;
  setMirror(percent: number): void;
  /** E.g. on promotion the canary's server becomes the primary. */
  setUpstreams(upstreams: Upstreams): void;
  /**
   * Once `setUpstreams` has replaced an upstream, waits until none of its
   * requests is in flight (or `timeoutMs` passes): then its server can stop
   * without failing a request. Resolves to how many were still in flight.
   */
  drain(upstream: string, timeoutMs?: number): Promise<number>;
  /** Cumulative since start (a snapshot copy). */
  stats(): GatewayStats;
  /** Pairs completed since the last drain (bounded buffer). */
  drainMirrorPairs(): MirrorPair[];
  /** Prometheus exposition text, the same as GET /metrics. */
  metricsText(): string;
  /**
   * Stops listening and closes every connection. With `graceMs`, the requests
   * under way are answered first (with `connection: close`), for up to that long.
   */
  close(graceMs?: number): Promise<void>;
}

class LocalGateway implements Gateway, ProxyCore {
  url = '';
  readonly routing: Routing;
  readonly pools: [UpstreamPool, UpstreamPool | null];
  readonly counters = [new VariantCounters(), new VariantCounters()] as const;
  readonly mirror: Mirror;
  readonly #server: Server;
  readonly #connections = new Set<ClientConnection>();
  readonly #timeoutMs: number;
  readonly #keepAliveTimeoutMs: number;
  readonly #headTimeoutMs: number;
  /** Connections waiting on an incomplete head, checked by one timer for all. */
  readonly #waitingHeads = new Set<ClientConnection>();
  #headTimer: NodeJS.Timeout | null = null;
  /** Pools replaced by setUpstreams whose requests may still be in flight. */
  #retired: UpstreamPool[] = [];
  readonly extraMetrics: (() => readonly string[]) | undefined;

  constructor(options: GatewayOptions) {
    this.extraMetrics = options.extraMetrics;
    this.#timeoutMs = options.upstreamTimeoutMs ?? 30_000;
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 65_000;
    this.#headTimeoutMs = options.headTimeoutMs ?? 60_000;
    this.routing = new Routing(options.sticky);
    this.mirror = new Mirror({ maxInFlight: options.maxMirrorInFlight ?? 64, timeoutMs: this.#timeoutMs, now: options.now ?? Date.now });
    this.pools = [new UpstreamPool(options.upstreams.primary, { timeoutMs: this.#timeoutMs }), null];
    this.#applyUpstreams(options.upstreams);
    this.setWeight(options.canaryWeight ?? 0);
    this.setMirror(options.mirrorPercent ?? 0);
    this.#server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.#accept(socket));
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address();
    const boundPort = typeof address === 'object' && address !== null ? address.port : port;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  }

  #accept(socket: Socket): void {
    const connection = new ClientConnection(this, socket);
    this.#connections.add(connection);
    (socket as TaggedSocket)[kClient] = connection;
    socket.setTimeout(this.#keepAliveTimeoutMs);
    socket.on('data', onClientData);
    socket.on('end', onClientEnd);
    socket.on('drain', onClientDrain);
    socket.on('timeout', onClientTimeout);
    socket.on('error', ignoreError); // 'close' follows and cleans up
    socket.on('close', onClientClose);
  }

  forget(connection: ClientConnection): void {
    this.#connections.delete(connection);
    this.#waitingHeads.delete(connection);
  }

  watchHead(connection: ClientConnection): void {
    this.#waitingHeads.add(connection);
    if (this.#headTimer !== null) return;
    // A slow head is rare: one coarse timer, only while some head is awaited, and no timer per request.
    this.#headTimer = setInterval(() => this.#checkHeads(), Math.max(10, Math.min(1000, this.#headTimeoutMs / 4)));
    this.#headTimer.unref();
  }

  #checkHeads(): void {
    const now = performance.now();
    for (const connection of this.#waitingHeads) {
      if (!connection.checkHeadDeadline(now, this.#headTimeoutMs)) this.#waitingHeads.delete(connection);
    }
    if (this.#waitingHeads.size === 0 && this.#headTimer !== null) {
      clearInterval(this.#headTimer);
      this.#headTimer = null;
    }
  }

  setWeight(canaryPercent: number): void {
    if (!isWholePercent(canaryPercent)) throw new UsageError(`canary weight must be a whole percent 0..100, got ${String(canaryPercent)}`);
    this.routing.split.set(canaryPercent);
  }

  setMirror(percent: number): void {
    if (!isWholePercent(percent)) throw new UsageError(`mirror percent must be a whole percent 0..100, got ${String(percent)}`);
    this.routing.mirrorSplit.set(percent);
  }

  setUpstreams(upstreams: Upstreams): void {
    this.#applyUpstreams(upstreams);
  }

  #applyUpstreams(upstreams: Upstreams): void {
    const primary = upstreams.primary;
    const canary = upstreams.canary ?? null;
    if (primary !== this.pools[0].base) {
      const old = this.pools[0];
      this.pools[0] = new UpstreamPool(primary, { timeoutMs: this.#timeoutMs });
      old.retire();
      this.#retired.push(old);
    }
    if (canary !== (this.pools[1]?.base ?? null)) {
      const old = this.pools[1];
      this.pools[1] = canary === null ? null : new UpstreamPool(canary, { timeoutMs: this.#timeoutMs });
      old?.retire();
      if (old) this.#retired.push(old);
    }
    this.routing.hasCanary = canary !== null;
    this.mirror.setTarget(canary);
  }

  async drain(upstream: string, timeoutMs = this.#timeoutMs): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    const inFlight = (): number => this.#retired.filter((p) => p.base === upstream).reduce((n, p) => n + p.inFlight, 0);
    while (inFlight() > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const left = inFlight();
    this.#retired = this.#retired.filter((p) => p.base !== upstream && p.inFlight > 0);
    return left;
  }

  stats(): GatewayStats {
    return { primary: this.counters[0].snapshot(), canary: this.counters[1].snapshot(), mirror: this.mirror.counts() };
  }

  drainMirrorPairs(): MirrorPair[] {
    return this.mirror.drainPairs();
  }

  metricsText(): string {
    return renderMetrics({
      variants: [
        ['primary', this.counters[0]],
        ['canary', this.counters[1]],
      ],
      canaryWeight: this.routing.split.percent,
      mirrorPercent: this.routing.mirrorSplit.percent,
      mirror: this.mirror.counts(),
      mirrorByCode: this.mirror.byCode,
    }) + (this.extraMetrics ? this.extraMetrics().map((line) => `${line}\n`).join('') : '');
  }

  async close(graceMs = 0): Promise<void> {
    if (this.#headTimer !== null) clearInterval(this.#headTimer);
    this.#headTimer = null;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (graceMs > 0) {
      for (const connection of this.#connections) {
        connection.closing = true;
        if (!connection.busy) connection.socket.destroy();
      }
      const deadline = performance.now() + graceMs;
      while (this.#connections.size > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (const connection of this.#connections) connection.socket.destroy();
    this.pools[0].close();
    this.pools[1]?.close();
    this.mirror.close();
    await closed;
  }
}

const kClient = Symbol('kcanary.client');
type TaggedSocket = Socket & { [kClient]: ClientConnection };

// Listeners shared by all client sockets: no closures per connection.
function onClientData(this: Socket, chunk: Buffer): void {
  (this as TaggedSocket)[kClient].onClientData(chunk);
}
function onClientEnd(this: Socket): void {
  (this as TaggedSocket)[kClient].onClientEnd();
}
function onClientDrain(this: Socket): void {
  (this as TaggedSocket)[kClient].onClientDrain();
}
function onClientTimeout(this: Socket): void {
  (this as TaggedSocket)[kClient].onClientTimeout();
}
function onClientClose(this: Socket): void {
  (this as TaggedSocket)[kClient].onClientClose();
}
function ignoreError(): void {}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const gateway = new LocalGateway(options);
  await gateway.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return gateway;
}
