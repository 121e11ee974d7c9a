/**
 * The sequential judge's configuration: user-facing parameters (the most false
 * rollbacks accepted, the effects worth detecting) turned into the grids the
 * e-processes mix over. Built once per rollout; validation names the field.
 */
import { ValidationError, type FieldIssue } from '../../errors.js';
import type { SplitConfig } from './sample-ratio.js';
import { Metric } from './types.js';

/** KServe's (and Prometheus client libraries') default latency buckets, in seconds. */
export const DEFAULT_BUCKET_BOUNDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const DEFAULT_METRICS: readonly Metric[] = [Metric.ErrorRate, Metric.Latency];

export interface JudgeParams {
  /** α: the most false rollbacks accepted over the whole rollout, split evenly across the metrics. */
  readonly maxFalseRollback?: number;
  /** The effects worth detecting; promotion needs each one rejected. */
  readonly detect?: {
    /** Canary/primary error-rate ratio (default 2: a doubled error rate). */
    readonly errorRate?: number;
    /** Latency slow-down factor (default 1.2: 20% slower). */
    readonly latency?: number;
    /** Acceptable disagreement rate d0 on mirrored pairs (default 0.01). */
    readonly disagreement?: number;
    /** Acceptable mean absolute difference τ on mirrored pairs (default 0.01). */
    readonly meanAbsDiff?: number;
  };
  /** β: promotion needs each "unacceptably worse" hypothesis down to this likelihood ratio (default 0.05). */
  readonly beta?: number;
  /** Canary answers the output-shift test needs before it can pass (default 200). */
  readonly shiftMinAnswers?: number;
  /** Two mirrored answers agree when they differ by at most this much (default 0). */
  readonly tolerance?: number;
  /** Latency bucket upper bounds in seconds, increasing, without +Inf. */
  readonly bucketBounds?: readonly number[];
  readonly metrics?: readonly Metric[];
}

export interface JudgeConfig {
  readonly alpha: number;
  readonly beta: number;
  readonly metrics: readonly Metric[];
  /** α/m: each metric's share of α. */
  readonly alphaPerMetric: number;
  /** r_min·{1,2,4,8}; the first is the detect effect. */
  readonly errorRatios: readonly number[];
  readonly latencyFactors: readonly number[];
  readonly latencyDetect: number;
  /** Ratios of "slower than the reference p99" for the tail test. */
  readonly tailRatios: readonly number[];
  readonly disagreementBase: number;
  /** d0·{2,4,8,16} below 1; the first is the detect effect. */
  readonly disagreementRates: readonly number[];
  readonly tolerance: number;
  /** τ and the clip B = 10τ of the betting test. */
  readonly meanAbsDiff: number;
  readonly meanAbsDiffClip: number;
  readonly bucketBounds: readonly number[];
  readonly shiftMinAnswers: number;
  /** The sample-ratio test (sample-ratio.ts). */
  readonly split: SplitConfig;
}

const LATENCY_FACTORS = [1.1, 1.2, 1.35, 1.5, 2, 3];
const DOUBLINGS = [1, 2, 4, 8];
/** Metrics pipelines blur the observed split (scrape lag, series born mid-window): within 2× the odds set it counts as right. */
const SPLIT_BAND = 2;
const SPLIT_FACTORS = [2, 4, 8];
/** "Split is off" only pauses, but a pause needs a person: the test gets a tenth of α. */
const SPLIT_ALPHA_SHARE = 0.1;
const SPLIT_MIN_EXPECTED = 20;
const METRICS = Object.values(Metric);

function check(issues: FieldIssue[], path: string, value: number, ok: boolean, message: string): void {
  if (!Number.isFinite(value) || !ok) issues.push({ path, message });
}

/** Defaults applied, values checked; throws a ValidationError naming every bad field. */
export function buildJudgeConfig(params: JudgeParams = {}): JudgeConfig {
  const alpha = params.maxFalseRollback ?? 0.01;
  const beta = params.beta ?? 0.05;
  const errorRate = params.detect?.errorRate ?? 2;
  const latency = params.detect?.latency ?? 1.2;
  const d0 = params.detect?.disagreement ?? 0.01;
  const tau = params.detect?.meanAbsDiff ?? 0.01;
  const tolerance = params.tolerance ?? 0;
  const bounds = params.bucketBounds ?? DEFAULT_BUCKET_BOUNDS;
  const shiftMinAnswers = params.shiftMinAnswers ?? 200;
  const metrics = [...new Set(params.metrics ?? DEFAULT_METRICS)];

  const issues: FieldIssue[] = [];
  const at = 'spec.analysis';
  check(issues, `${at}.maxFalseRollback`, alpha, alpha > 0 && alpha <= 0.5, 'must be between 0 and 0.5');
  check(issues, `${at}.beta`, beta, beta > 0 && beta < 1, 'must be between 0 and 1');
  check(issues, `${at}.detect.errorRate`, errorRate, errorRate > 1, 'must be a ratio above 1 (2 = a doubled error rate)');
  check(issues, `${at}.detect.latency`, latency, latency > 1, 'must be a slow-down factor above 1 (1.2 = 20% slower)');
  check(issues, `${at}.detect.disagreement`, d0, d0 > 0 && d0 < 0.5, 'must be a rate between 0 and 0.5');
  check(issues, `${at}.detect.meanAbsDiff`, tau, tau > 0, 'must be a positive difference');
  check(issues, `${at}.shiftMinAnswers`, shiftMinAnswers, Number.isInteger(shiftMinAnswers) && shiftMinAnswers >= 1, 'must be a whole number of answers, at least 1');
  check(issues, `${at}.tolerance`, tolerance, tolerance >= 0, 'must not be negative');
  if (bounds.length === 0 || bounds.some((b, i) => !(Number.isFinite(b) && b > 0 && (i === 0 || b > (bounds[i - 1] as number))))) {
    issues.push({ path: `${at}.bucketBounds`, message: 'must be positive, finite and increasing (seconds; +Inf is implied)' });
  }
  if (metrics.length === 0) issues.push({ path: `${at}.metrics`, message: 'must enable at least one metric' });
  metrics.forEach((metric, i) => {
    if (!METRICS.includes(metric)) issues.push({ path: `${at}.metrics[${i}]`, message: `must be one of ${METRICS.join(', ')}` });
  });
  if (issues.length > 0) throw new ValidationError(issues);

  return Object.freeze({
    alpha,
    beta,
    metrics: Object.freeze(metrics),
    alphaPerMetric: alpha / metrics.length,
    errorRatios: Object.freeze(DOUBLINGS.map((k) => errorRate * k)),
    latencyFactors: Object.freeze(LATENCY_FACTORS),
    latencyDetect: latency,
    tailRatios: Object.freeze(DOUBLINGS.map((k) => 2 * k)),
    disagreementBase: d0,
    disagreementRates: Object.freeze(DOUBLINGS.map((k) => 2 * k * d0).filter((d) => d < 1)),
    tolerance,
    meanAbsDiff: tau,
    meanAbsDiffClip: 10 * tau,
    bucketBounds: Object.freeze([...bounds]),
    shiftMinAnswers,
    split: Object.freeze({
      alpha: alpha * SPLIT_ALPHA_SHARE,
      band: SPLIT_BAND,
      lowRatios: Object.freeze(SPLIT_FACTORS.map((k) => 1 / (SPLIT_BAND * k))),
      highRatios: Object.freeze(SPLIT_FACTORS.map((k) => SPLIT_BAND * k)),
      minExpected: SPLIT_MIN_EXPECTED,
    }),
  });
}
