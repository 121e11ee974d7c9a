/** Per-variant counters, kept in flat arrays so recording allocates nothing. */

/** Prometheus/KServe default histogram bounds. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

export interface VariantStats {
  /** Responses sent to clients by this variant (incl. 502/504 the gateway generated for it). */
  requests: number;
  /** Status code → count, e.g. '200' → n. */
  byCode: Record<string, number>;
  /** 5xx responses, including the gateway's own 502/504. */
  errors: number;
  /** NON-cumulative counts per bucket of LATENCY_BUCKETS_SECONDS, plus a last +Inf bucket. */
  latencyBuckets: number[];
  latencySumSeconds: number;
}

const BOUNDS = LATENCY_BUCKETS_SECONDS;

export class VariantCounters {
  requests = 0;
  errors = 0;
  latencySumSeconds = 0;
  readonly byCode = new Float64Array(600);
  readonly buckets = new Float64Array(BOUNDS.length + 1);

  record(status: number, seconds: number): void {
    this.requests++;
    if (status >= 500) this.errors++;
    this.byCode[status >= 100 && status < 600 ? status : 599]!++;
    this.latencySumSeconds += seconds;
    let i = 0;
    while (i < BOUNDS.length && seconds > BOUNDS[i]!) i++;
    this.buckets[i]!++;
  }

  /** Codes that have been seen, in ascending order. */
  codes(): number[] {
    const seen: number[] = [];
    for (let code = 0; code < this.byCode.length; code++) if (this.byCode[code]! > 0) seen.push(code);
    return seen;
  }

  snapshot(): VariantStats {
    const byCode: Record<string, number> = {};
    for (const code of this.codes()) byCode[String(code)] = this.byCode[code]!;
    return {
      requests: this.requests,
      byCode,
      errors: this.errors,
      latencyBuckets: Array.from(this.buckets),
      latencySumSeconds: this.latencySumSeconds,
    };
  }
}
