/**
 * Latency histograms as KServe and Prometheus keep them: counts per bucket with
 * fixed upper bounds (seconds), the last bucket +Inf. Helpers to turn counts into
 * a smoothed distribution, to slow a distribution down by a factor, and to read
 * a quantile the way PromQL's histogram_quantile does.
 */

/** Pseudo-count per bucket, so no bucket has probability 0 (a log of 0 would end the test). */
const PSEUDO_COUNT = 0.5;

/** Bucket probabilities from counts, with a small uniform prior. */
export function smoothedDistribution(counts: readonly number[]): number[] {
  let total = 0;
  for (const c of counts) total += c;
  const denominator = total + PSEUDO_COUNT * counts.length;
  return counts.map((c) => (c + PSEUDO_COUNT) / denominator);
}

/**
 * The distribution's CDF at x, interpolated inside buckets: linearly in the
 * first (it starts at 0), log-linearly above it, where bounds grow
 * geometrically and latency is roughly lognormal.
 */
export function cdfAt(probs: readonly number[], bounds: readonly number[], x: number): number {
  if (x <= 0) return 0;
  let below = 0;
  for (let k = 0; k < bounds.length; k++) {
    const upper = bounds[k] as number;
    const mass = probs[k] as number;
    if (x < upper) {
      if (k === 0) return below + (mass * x) / upper;
      const lower = bounds[k - 1] as number;
      return below + (mass * Math.log(x / lower)) / Math.log(upper / lower);
    }
    below += mass;
  }
  return below;
}

/** The bucket probabilities of latency × factor when latency follows `probs`. */
export function slowedDistribution(probs: readonly number[], bounds: readonly number[], factor: number): number[] {
  const result: number[] = [];
  let previous = 0;
  for (const upper of bounds) {
    const cdf = cdfAt(probs, bounds, upper / factor);
    result.push(cdf - previous);
    previous = cdf;
  }
  result.push(1 - previous);
  return result;
}

/** Index of the first bucket whose requests are "slower than the reference quantile". */
export function tailStartIndex(probs: readonly number[], level: number): number {
  let cumulative = 0;
  for (let k = 0; k < probs.length - 1; k++) {
    cumulative += probs[k] as number;
    if (cumulative >= level) return k + 1;
  }
  return probs.length - 1;
}

/**
 * PromQL's histogram_quantile on non-cumulative counts: linear inside the bucket
 * holding the rank, the last finite bound when the rank falls in +Inf, NaN with
 * no observations ("no values").
 */
export function histogramQuantile(counts: readonly number[], bounds: readonly number[], quantile: number): number {
  let total = 0;
  for (const c of counts) total += c;
  if (!(total > 0)) return Number.NaN;
  const rank = quantile * total;
  let cumulative = 0;
  for (let k = 0; k < counts.length; k++) {
    const count = counts[k] as number;
    if (cumulative + count >= rank && count > 0) {
      if (k >= bounds.length) return bounds[bounds.length - 1] as number;
      const lower = k === 0 ? 0 : (bounds[k - 1] as number);
      const upper = bounds[k] as number;
      return lower + ((upper - lower) * (rank - cumulative)) / count;
    }
    cumulative += count;
  }
  return bounds[bounds.length - 1] as number;
}
