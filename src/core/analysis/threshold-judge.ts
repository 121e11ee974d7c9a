/**
 * The threshold judge, as Flagger judges: every interval, read the canary's
 * error rate (%) and a latency quantile (histogram_quantile over the interval's
 * buckets) and compare each with a fixed bound. `threshold` failed intervals
 * roll back; `iterations` passed intervals promote. An interval with no canary
 * requests has "no values" and fails, as in Flagger. For users who want the
 * familiar behaviour, and as the baseline the sequential judge is measured
 * against (bench/judgment).
 */
import { ValidationError, type FieldIssue } from '../../errors.js';
import { DEFAULT_BUCKET_BOUNDS } from './config.js';
import { histogramQuantile } from './histogram.js';
import { Decision, Verdict, type Judgment, type MetricJudgment, type TickInput } from './types.js';

export interface ThresholdJudgeParams {
  readonly intervalMs?: number;
  /** Failed intervals that roll back (Flagger's analysis.threshold). */
  readonly threshold?: number;
  /** Passed intervals that promote. */
  readonly iterations?: number;
  readonly maxErrorRatePercent?: number;
  readonly maxLatencyMs?: number;
  readonly latencyQuantile?: number;
  readonly bucketBounds?: readonly number[];
}

export type ThresholdJudgeConfig = Required<ThresholdJudgeParams>;

export function buildThresholdJudgeConfig(params: ThresholdJudgeParams = {}): ThresholdJudgeConfig {
  const config = {
    intervalMs: params.intervalMs ?? 60_000,
    threshold: params.threshold ?? 5,
    iterations: params.iterations ?? 5,
    maxErrorRatePercent: params.maxErrorRatePercent ?? 1,
    maxLatencyMs: params.maxLatencyMs ?? 500,
    latencyQuantile: params.latencyQuantile ?? 0.99,
    bucketBounds: params.bucketBounds ?? DEFAULT_BUCKET_BOUNDS,
  };
  const issues: FieldIssue[] = [];
  const at = 'spec.analysis';
  if (!(config.intervalMs > 0)) issues.push({ path: 'spec.rollout.interval', message: 'must be a positive duration' });
  if (!(Number.isInteger(config.threshold) && config.threshold >= 1)) issues.push({ path: `${at}.threshold`, message: 'must be a whole number of at least 1' });
  if (!(Number.isInteger(config.iterations) && config.iterations >= 1)) issues.push({ path: `${at}.iterations`, message: 'must be a whole number of at least 1' });
  if (!(config.maxErrorRatePercent >= 0)) issues.push({ path: `${at}.metrics.error-rate.max`, message: 'must be a percent, 0 or more' });
  if (!(config.maxLatencyMs > 0)) issues.push({ path: `${at}.metrics.latency.max`, message: 'must be a positive duration' });
  if (!(config.latencyQuantile > 0 && config.latencyQuantile < 1)) issues.push({ path: `${at}.metrics.latency.quantile`, message: 'must be between 0 and 1' });
  if (issues.length > 0) throw new ValidationError(issues);
  return Object.freeze(config);
}

export interface ThresholdJudgeState {
  readonly lastTickAtMs: number | null;
  readonly windowStartMs: number;
  readonly window: { readonly requests: number; readonly errors: number; readonly buckets: readonly number[] };
  readonly failedChecks: number;
  readonly passedChecks: number;
  readonly lastChecks: readonly MetricJudgment[];
}

function emptyWindow(config: ThresholdJudgeConfig): ThresholdJudgeState['window'] {
  return { requests: 0, errors: 0, buckets: new Array<number>(config.bucketBounds.length + 1).fill(0) };
}

export function initThresholdJudge(config: ThresholdJudgeConfig, startedAtMs: number): ThresholdJudgeState {
  return { lastTickAtMs: null, windowStartMs: startedAtMs, window: emptyWindow(config), failedChecks: 0, passedChecks: 0, lastChecks: [] };
}

function checkWindow(window: ThresholdJudgeState['window'], config: ThresholdJudgeConfig): MetricJudgment[] {
  const errorRate = window.requests > 0 ? (100 * window.errors) / window.requests : null;
  const latencyMs = 1000 * histogramQuantile(window.buckets, config.bucketBounds, config.latencyQuantile);
  const quantileName = `latency-p${Math.round(config.latencyQuantile * 100)}`;
  return [
    errorRate === null
      ? { metric: 'error-rate', verdict: Verdict.Fail, value: null, threshold: config.maxErrorRatePercent, message: 'no values: the canary served no requests in the interval' }
      : {
        metric: 'error-rate', verdict: errorRate > config.maxErrorRatePercent ? Verdict.Fail : Verdict.Pass, value: errorRate, threshold: config.maxErrorRatePercent,
        message: `${errorRate.toFixed(2)}% errors (${window.errors}/${window.requests}), max ${config.maxErrorRatePercent}%`,
      },
    Number.isNaN(latencyMs)
      ? { metric: quantileName, verdict: Verdict.Fail, value: null, threshold: config.maxLatencyMs, message: 'no values: no latency observations in the interval' }
      : {
        metric: quantileName, verdict: latencyMs > config.maxLatencyMs ? Verdict.Fail : Verdict.Pass, value: latencyMs, threshold: config.maxLatencyMs,
        message: `${quantileName} ${latencyMs.toFixed(0)}ms from buckets, max ${config.maxLatencyMs}ms`,
      },
  ];
}

/** Adds the tick's canary counts; closes the interval (one check) once it is over. */
export function updateThresholdJudge(state: ThresholdJudgeState, config: ThresholdJudgeConfig, tick: TickInput): ThresholdJudgeState {
  if (state.lastTickAtMs !== null && tick.atMs <= state.lastTickAtMs) return state;
  const buckets = tick.canary.latencyBuckets;
  const window = {
    requests: state.window.requests + tick.canary.requests,
    errors: state.window.errors + tick.canary.errors,
    buckets: buckets.length === state.window.buckets.length ? state.window.buckets.map((c, k) => c + (buckets[k] as number)) : state.window.buckets,
  };
  if (tick.atMs - state.windowStartMs < config.intervalMs) return { ...state, lastTickAtMs: tick.atMs, window };
  const checks = checkWindow(window, config);
  const failed = checks.some((c) => c.verdict === Verdict.Fail);
  return {
    lastTickAtMs: tick.atMs,
    windowStartMs: tick.atMs,
    window: emptyWindow(config),
    failedChecks: state.failedChecks + (failed ? 1 : 0),
    passedChecks: state.passedChecks + (failed ? 0 : 1),
    lastChecks: checks,
  };
}

export function judgeThreshold(state: ThresholdJudgeState, config: ThresholdJudgeConfig): Judgment {
  const metrics = state.lastChecks;
  if (state.failedChecks >= config.threshold) {
    return { decision: Decision.Rollback, reason: `${state.failedChecks} failed checks (threshold ${config.threshold})`, metrics };
  }
  if (state.passedChecks >= config.iterations) {
    return { decision: Decision.PromoteOk, reason: `${state.passedChecks} passed checks`, metrics };
  }
  return { decision: Decision.Continue, reason: `${state.passedChecks} of ${config.iterations} checks passed, ${state.failedChecks} failed`, metrics };
}
