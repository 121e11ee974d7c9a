/**
 * What metric providers measure over an analysis window: raw counts per
 * variant, so that every judge (threshold or sequential) reads the same data
 * whether it came from the local gateway or from Prometheus.
 */

/** Prometheus' (and KServe's) default histogram buckets, in seconds. */
export const DEFAULT_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface VariantCounts {
  readonly requests: number;
  /** Responses with a 5xx status, including the gateway's own 502/504. */
  readonly errors: number;
  /** Non-cumulative counts per bucket of `bucketBounds`, then one for +Inf. */
  readonly latencyBuckets: readonly number[];
}

export interface CustomValue {
  readonly value: number | null;
  readonly message?: string;
}

export interface WindowMeasurement {
  readonly fromMs: number;
  readonly toMs: number;
  readonly bucketBounds: readonly number[];
  readonly primary: VariantCounts;
  readonly canary: VariantCounts;
  /** |canary − primary| per mirrored pair (Infinity: the answers could not be compared). */
  readonly mirrored: readonly number[];
  /** Values of custom (PromQL) metrics, by metric name. */
  readonly custom: Readonly<Record<string, CustomValue>>;
  /** Set when the provider could not measure at all (e.g. Prometheus down). */
  readonly unavailable?: string;
}

export function emptyCounts(buckets: number): VariantCounts {
  return { requests: 0, errors: 0, latencyBuckets: new Array<number>(buckets + 1).fill(0) };
}

/** Counter deltas: `later − earlier`, per field and bucket. */
export function diffCounts(later: VariantCounts, earlier: VariantCounts): VariantCounts {
  return {
    requests: later.requests - earlier.requests,
    errors: later.errors - earlier.errors,
    latencyBuckets: later.latencyBuckets.map((n, i) => n - (earlier.latencyBuckets[i] ?? 0)),
  };
}

/**
 * A quantile read off histogram buckets with linear interpolation inside the
 * bucket, as Prometheus' histogram_quantile does. null when there are no samples.
 */
export function histogramQuantile(quantile: number, bounds: readonly number[], counts: readonly number[]): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = quantile * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const inBucket = counts[i] ?? 0;
    if (seen + inBucket >= rank && inBucket > 0) {
      // The +Inf bucket has no upper bound: report the highest finite one.
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? null;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = bounds[i]!;
      return lower + ((upper - lower) * (rank - seen)) / inBucket;
    }
    seen += inBucket;
  }
  return bounds[bounds.length - 1] ?? null;
}
