/**
 * Samples the local gateway's counters at a steady interval into a short
 * history, so a page opened mid-rollout draws its charts at once and then
 * follows them live over the event stream.
 */
import type { Gateway } from '../gateway/index.js';
import { LATENCY_BUCKETS_SECONDS } from '../gateway/index.js';
import { RingBuffer, pointBetween, totalsOf, type CounterReading, type MetricsHistory, type MetricsPoint, type MetricsTotals } from './metrics-series.js';

type GatewayCounters = Pick<Gateway, 'stats' | 'drainMirrorPairs'>;

export interface LiveMetricsOptions {
  readonly gateway: GatewayCounters;
  /** Two mirrored answers agree when they differ by at most this much. */
  readonly tolerance?: number;
  readonly clock?: () => number;
  /** Default 1000. */
  readonly intervalMs?: number;
  /** Points kept; default 600 (ten minutes at one a second). */
  readonly capacity?: number;
}

export type PointListener = (point: MetricsPoint, totals: MetricsTotals) => void;

/** What the control server needs of it. */
export interface MetricsFeed {
  history(): MetricsHistory;
  /** Called with every new point and the totals after it; returns the unsubscribe function. */
  onPoint(listener: PointListener): () => void;
}

export class LiveMetrics implements MetricsFeed {
  readonly intervalMs: number;
  readonly #gateway: GatewayCounters;
  readonly #tolerance: number;
  readonly #clock: () => number;
  readonly #points: RingBuffer<MetricsPoint>;
  readonly #listeners = new Set<PointListener>();
  #mirrorPairs = 0;
  #mirrorAgreeing = 0;
  #last: CounterReading;
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * Mirrored pairs are handed out once (drained): whoever measures the
   * canary drains them through `tap`, which counts them on the way.
   */
  readonly tap: GatewayCounters;

  constructor(options: LiveMetricsOptions) {
    this.#gateway = options.gateway;
    this.#tolerance = options.tolerance ?? 0;
    this.#clock = options.clock ?? Date.now;
    this.intervalMs = options.intervalMs ?? 1000;
    this.#points = new RingBuffer(options.capacity ?? 600);
    this.tap = {
      stats: () => this.#gateway.stats(),
      drainMirrorPairs: () => {
        const pairs = this.#gateway.drainMirrorPairs();
        for (const pair of pairs) {
          this.#mirrorPairs++;
          if (pair.absDiff <= this.#tolerance) this.#mirrorAgreeing++;
        }
        return pairs;
      },
    };
    this.#last = this.#read();
  }

  #read(): CounterReading {
    const stats = this.#gateway.stats();
    return { t: this.#clock(), primary: stats.primary, canary: stats.canary, mirrorPairs: this.#mirrorPairs, mirrorAgreeing: this.#mirrorAgreeing };
  }

  /** Takes one reading now: the point since the previous one. */
  sample(): MetricsPoint {
    const now = this.#read();
    const point = pointBetween(this.#last, now, LATENCY_BUCKETS_SECONDS);
    this.#last = now;
    this.#points.push(point);
    const totals = totalsOf(now);
    for (const listener of this.#listeners) listener(point, totals);
    return point;
  }

  start(): this {
    // unref: sampling alone never keeps the process alive.
    this.#timer ??= setInterval(() => this.sample(), this.intervalMs).unref();
    return this;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  history(): MetricsHistory {
    return { intervalMs: this.intervalMs, bucketBounds: LATENCY_BUCKETS_SECONDS, points: this.#points.toArray(), totals: totalsOf(this.#last) };
  }

  onPoint(listener: PointListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The tolerance the spec's prediction-agreement metric uses, if any. */
export function agreementTolerance(checks: readonly { kind: string; tolerance?: number }[]): number {
  for (const check of checks) if (check.kind === 'prediction-agreement' && typeof check.tolerance === 'number') return check.tolerance;
  return 0;
}
