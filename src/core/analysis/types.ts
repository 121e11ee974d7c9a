/**
 * The shapes the canary judges read and write. Everything here is plain data:
 * a judge's state is persisted in the rollout status after every tick and read
 * back after a restart, so it must survive JSON.stringify/parse unchanged.
 */
import type { Answer } from './predictions.js';

/** Counter deltas of one variant over one tick. */
export interface VariantCounts {
  readonly requests: number;
  readonly errors: number;
  /** Non-cumulative counts per latency bucket; bounds come from the config, the last bucket is +Inf. */
  readonly latencyBuckets: readonly number[];
}

/** What happened since the previous tick. */
export interface TickInput {
  readonly atMs: number;
  /** Canary share ρ of the traffic in force during the tick, 0..1. */
  readonly canaryShare: number;
  readonly primary: VariantCounts;
  readonly canary: VariantCounts;
  /** |y_c − y_p| per mirrored pair in this tick; Infinity marks a certain disagreement. */
  readonly mirrored?: readonly number[];
  /** Each arm's answers in this tick (split traffic): the output-shift test compares their distributions. */
  readonly answers?: { readonly primary: readonly Answer[]; readonly canary: readonly Answer[] };
  /** Start of the analysis window the counts were read in: the sample-ratio test restarts with each window. */
  readonly windowFromMs?: number;
  /** False while the window's counts may still miss requests the metrics pipeline has not seen yet (default true). */
  readonly settled?: boolean;
}

export const Metric = {
  ErrorRate: 'error-rate',
  Latency: 'latency',
  Disagreement: 'disagreement',
  MeanAbsDiff: 'mean-abs-diff',
  /** Split traffic: the canary's output distribution against the primary's. */
  OutputShift: 'output-shift',
} as const;
export type Metric = (typeof Metric)[keyof typeof Metric];

export const Verdict = { Pass: 'pass', Fail: 'fail', Inconclusive: 'inconclusive' } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/**
 * One metric's judgment, as shown to users and stored in the status. The
 * sequential judge's value is the e-value (see SequentialMetricJudgment); the
 * threshold judge's is the measured error rate or quantile.
 */
export interface MetricJudgment {
  readonly metric: string;
  readonly verdict: Verdict;
  /** null when there was nothing to measure ("no values"). */
  readonly value: number | null;
  /** Sequential: 1/α_m, the e-value that rolls back. Threshold: the user's bound. */
  readonly threshold: number;
  readonly message: string;
}

export const Decision = {
  Rollback: 'rollback',
  PromoteOk: 'promote-ok',
  Continue: 'continue',
  /** The judge cannot tell (split is off, or no traffic when the step timed out): ask a person. */
  Inconclusive: 'inconclusive',
} as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

export interface Judgment {
  readonly decision: Decision;
  readonly reason: string;
  readonly metrics: readonly MetricJudgment[];
}

/** When the caller's step started and how long it must / may last. */
export interface StepTiming {
  readonly nowMs: number;
  readonly stepStartedAtMs: number;
  readonly minSoakMs?: number;
  readonly stepTimeoutMs?: number;
}
