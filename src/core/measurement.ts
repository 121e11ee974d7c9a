/**
 * What metric providers measure over an analysis window: raw counts per
 * variant, so that every judge (threshold or sequential) reads the same data
 * whether it came from the local gateway or from Prometheus.
 */

import { DEFAULT_BUCKET_BOUNDS, type Answer, type VariantCounts } from './analysis/index.js';

export type { VariantCounts };

/** Prometheus' (and KServe's) default histogram buckets, in seconds: the bounds every judge reads. */
export const DEFAULT_BUCKETS_SECONDS: readonly number[] = DEFAULT_BUCKET_BOUNDS;

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
  /** Each arm's answers since the previous reading (not since the window started): the split prediction-shift test. */
  readonly answers?: { readonly primary: readonly Answer[]; readonly canary: readonly Answer[] };
  /** Values of custom (PromQL) metrics, by metric name. */
  readonly custom: Readonly<Record<string, CustomValue>>;
  /** Set when the provider could not measure at all (e.g. Prometheus down), with the query that failed. */
  readonly unavailable?: string;
  /** False while the counts may still miss requests the provider has not seen yet (just after the window started); default true. */
  readonly settled?: boolean;
  /** The queries the counts came from, for reports of counts that make no sense. */
  readonly queries?: readonly string[];
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
