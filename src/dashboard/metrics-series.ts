/**
 * What the dashboard's charts plot: per-variant rates and latency quantiles
 * over short intervals, derived from the gateway's cumulative counters.
 * Pure (no I/O, no clock), and imported by the page too for its types.
 */

/** Cumulative counters of one variant, as the gateway keeps them. */
export interface VariantTotals {
  readonly requests: number;
  readonly errors: number;
  /** Non-cumulative counts per latency bucket (last one is +Inf). */
  readonly latencyBuckets: readonly number[];
}

/** One reading of every counter the charts need, at time `t` (ms since the epoch). */
export interface CounterReading {
  readonly t: number;
  readonly primary: VariantTotals;
  readonly canary: VariantTotals;
  /** Mirrored answer pairs compared so far, and how many of them agreed. */
  readonly mirrorPairs: number;
  readonly mirrorAgreeing: number;
}

/** One variant over one interval. Values are null when it served nothing. */
export interface VariantPoint {
  readonly rps: number;
  readonly errorPercent: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export interface MetricsPoint {
  /** End of the interval, ms since the epoch. */
  readonly t: number;
  readonly primary: VariantPoint;
  readonly canary: VariantPoint;
  /** Percent of the mirrored pairs compared in the interval that agreed; null when none were. */
  readonly agreementPercent: number | null;
}

/** Cumulative since the rollout's process started. */
export interface MetricsTotals {
  readonly primary: { readonly requests: number; readonly errors: number };
  readonly canary: { readonly requests: number; readonly errors: number };
  readonly mirror: { readonly pairs: number; readonly agreeing: number };
}

/** GET /api/v1/metrics, and what a page needs to draw at once. */
export interface MetricsHistory {
  readonly intervalMs: number;
  /** Upper bounds of the latency buckets, seconds. */
  readonly bucketBounds: readonly number[];
  readonly points: readonly MetricsPoint[];
  readonly totals: MetricsTotals;
}

/**
 * The q-quantile read off bucket counts with linear interpolation inside the
 * bucket (as Prometheus' histogram_quantile); in the +Inf bucket, the highest bound.
 */
export function quantileOf(counts: readonly number[], bounds: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const inBucket = counts[i] ?? 0;
    if (inBucket > 0 && seen + inBucket >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? null;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + ((bounds[i]! - lower) * (rank - seen)) / inBucket;
    }
    seen += inBucket;
  }
  return bounds[bounds.length - 1] ?? null;
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function variantPoint(later: VariantTotals, earlier: VariantTotals, seconds: number, bounds: readonly number[]): VariantPoint {
  // Counters only grow; a smaller reading means they were reset, so count from zero.
  const reset = later.requests < earlier.requests;
  const requests = reset ? later.requests : later.requests - earlier.requests;
  const errors = reset ? later.errors : later.errors - earlier.errors;
  const buckets = later.latencyBuckets.map((n, i) => (reset ? n : n - (earlier.latencyBuckets[i] ?? 0)));
  const p50 = quantileOf(buckets, bounds, 0.5);
  const p99 = quantileOf(buckets, bounds, 0.99);
  return {
    rps: seconds > 0 ? round(requests / seconds, 2) : 0,
    errorPercent: requests > 0 ? round((100 * errors) / requests, 2) : null,
    p50Ms: p50 === null ? null : round(p50 * 1000, 2),
    p99Ms: p99 === null ? null : round(p99 * 1000, 2),
  };
}

/** The interval between two readings as one point of every chart. */
export function pointBetween(earlier: CounterReading, later: CounterReading, bounds: readonly number[]): MetricsPoint {
  const seconds = Math.max(0, (later.t - earlier.t) / 1000);
  const pairs = later.mirrorPairs - earlier.mirrorPairs;
  const agreeing = later.mirrorAgreeing - earlier.mirrorAgreeing;
  return {
    t: later.t,
    primary: variantPoint(later.primary, earlier.primary, seconds, bounds),
    canary: variantPoint(later.canary, earlier.canary, seconds, bounds),
    agreementPercent: pairs > 0 ? round((100 * agreeing) / pairs, 2) : null,
  };
}

export function totalsOf(reading: CounterReading): MetricsTotals {
  return {
    primary: { requests: reading.primary.requests, errors: reading.primary.errors },
    canary: { requests: reading.canary.requests, errors: reading.canary.errors },
    mirror: { pairs: reading.mirrorPairs, agreeing: reading.mirrorAgreeing },
  };
}

/** A fixed-size buffer that forgets its oldest entries. */
export class RingBuffer<T> {
  readonly #items: T[] = [];
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
  }

  push(item: T): void {
    this.#items.push(item);
    if (this.#items.length > this.capacity) this.#items.splice(0, this.#items.length - this.capacity);
  }

  toArray(): T[] {
    return [...this.#items];
  }

  get size(): number {
    return this.#items.length;
  }
}
