/**
 * Arithmetic on logarithms of likelihood ratios. E-values multiply over
 * thousands of ticks, so they are carried as logs and only turned back into
 * numbers for display (where overflow to Infinity is harmless).
 */

/** ln(mean(exp(logs))), stable when the terms are huge or tiny. */
export function logMeanExp(logs: readonly number[]): number {
  if (logs.length === 0) return 0;
  let max = -Infinity;
  for (const value of logs) if (value > max) max = value;
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let sum = 0;
  for (const value of logs) sum += Math.exp(value - max);
  return max + Math.log(sum / logs.length);
}

/** ln(½(eᵃ + eᵇ)). */
export function logAverage2(a: number, b: number): number {
  return logMeanExp([a, b]);
}

/** ln(1 + ρ(r − 1)), the log of the canary-share odds shift; exact near r = 1. */
export function logShare(share: number, ratio: number): number {
  return Math.log1p(share * (ratio - 1));
}

/** The e-value for display: exp of the log, capped so JSON keeps a number. */
export function eValueOf(logE: number): number {
  const value = Math.exp(logE);
  return Number.isFinite(value) ? value : Number.MAX_VALUE;
}

/** The always-valid p-value min(1, 1/E). */
export function pValueOf(logE: number): number {
  return logE <= 0 ? 1 : Math.exp(-logE);
}
