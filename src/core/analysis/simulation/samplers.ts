/**
 * Samplers for simulated traffic: Poisson (inversion for small means, Hörmann's
 * PTRS above), binomial (inversion, by symmetry for p > ½), and the normal CDF
 * that turns a lognormal latency into bucket probabilities.
 */
import type { Random } from './prng.js';

const LOG_FACTORIALS: number[] = [0];
for (let k = 1; k < 256; k++) LOG_FACTORIALS.push((LOG_FACTORIALS[k - 1] as number) + Math.log(k));

function logFactorial(k: number): number {
  if (k < LOG_FACTORIALS.length) return LOG_FACTORIALS[k] as number;
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}

export function poisson(random: Random, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 30) {
    let k = 0;
    let p = Math.exp(-mean);
    let cumulative = p;
    const u = random();
    while (u > cumulative && k < 1000) {
      k += 1;
      p *= mean / k;
      cumulative += p;
    }
    return k;
  }
  // PTRS: W. Hörmann, "The transformed rejection method for generating Poisson random variables" (1993).
  const slam = Math.sqrt(mean);
  const logMean = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = random() - 0.5;
    const v = random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * logMean - logFactorial(k)) return k;
  }
}

export function binomial(random: Random, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(random, n, 1 - p);
  if (n * p > 50) {
    // Far from the edges a rounded normal is close enough for traffic simulation.
    const draw = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * standardNormal(random));
    return Math.min(n, Math.max(0, draw));
  }
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  let r = Math.pow(q, n);
  let u = random();
  let x = 0;
  while (u > r && x < n) {
    u -= r;
    x += 1;
    r *= a / x - s;
  }
  return x;
}

export function standardNormal(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Φ(x), from the complementary error function (Numerical Recipes' erfc, |error| < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Bucket probabilities (bounds in seconds, +Inf last) of a lognormal latency. */
export function lognormalBuckets(bounds: readonly number[], medianS: number, sigma: number): number[] {
  const cdf = bounds.map((b) => normalCdf(Math.log(b / medianS) / sigma));
  return [...cdf.map((c, k) => c - (k === 0 ? 0 : (cdf[k - 1] as number))), 1 - (cdf[cdf.length - 1] as number)];
}
