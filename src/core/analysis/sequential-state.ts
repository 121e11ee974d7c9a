/**
 * The sequential judge's state and its update, one tick at a time. The state
 * is plain JSON data (persisted in the rollout status after every tick); the
 * update is pure: state in, new state out. E-values carry across weight
 * changes because each tick brings the share ρ that was in force.
 */
import { StateError, ValidationError, type FieldIssue } from '../../errors.js';
import type { JudgeConfig } from './config.js';
import { initLatency, latencyLogE, updateLatency, type LatencyGrid, type LatencyState } from './latency.js';
import { disagreementLogE, initDisagreement, initMeanAbsDiff, updateDisagreement, updateMeanAbsDiff, type DisagreementState, type MeanAbsDiffState } from './mirrored.js';
import { initOutputShift, outputShiftLogE, outputShiftMaxLog, updateOutputShift, type OutputShiftState } from './output-shift.js';
import { initRatioLogs, mixtureLog, updateRatioLogs, type RatioLogs } from './rate-ratio.js';
import { initSplit, updateSplit, type SplitState } from './sample-ratio.js';
import { Metric, type TickInput, type VariantCounts } from './types.js';

export const SEQUENTIAL_STATE_VERSION = 2;

export interface SequentialJudgeState {
  readonly version: typeof SEQUENTIAL_STATE_VERSION;
  /** Ticks at or before this are ignored, so replaying a tick after a restart counts nothing twice. */
  readonly lastTickAtMs: number | null;
  /** The last tick in which the canary served requests or answered mirrored ones: promotion needs traffic in the current step. */
  readonly lastCanaryTrafficAtMs: number | null;
  readonly canaryRequests: number;
  readonly primaryRequests: number;
  /** Σ ρ·requests over the ticks: what the canary should have served. */
  readonly expectedCanaryRequests: number;
  readonly errors: { readonly canary: number; readonly primary: number; readonly logs: RatioLogs };
  readonly latencyRequests: number;
  readonly latency: LatencyState;
  readonly disagreement: DisagreementState;
  readonly meanAbsDiff: MeanAbsDiffState;
  /** Split-traffic output test; absent in states saved before it existed. */
  readonly outputShift?: OutputShiftState;
  /** Sample-ratio test of the current analysis window; while it has fired, verdicts are inconclusive. */
  readonly split: SplitState;
  /** When each metric's E first reached its threshold (an alarm stands once raised). */
  readonly alarms: Readonly<Partial<Record<Metric, number>>>;
}

export function latencyGrid(config: JudgeConfig): LatencyGrid {
  return { bounds: config.bucketBounds, factors: config.latencyFactors, detect: config.latencyDetect, tailRatios: config.tailRatios };
}

export function initSequentialJudge(config: JudgeConfig): SequentialJudgeState {
  return {
    version: SEQUENTIAL_STATE_VERSION,
    lastTickAtMs: null,
    lastCanaryTrafficAtMs: null,
    canaryRequests: 0,
    primaryRequests: 0,
    expectedCanaryRequests: 0,
    errors: { canary: 0, primary: 0, logs: initRatioLogs(config.errorRatios) },
    latencyRequests: 0,
    latency: initLatency(latencyGrid(config)),
    disagreement: initDisagreement(config.disagreementRates),
    meanAbsDiff: initMeanAbsDiff(),
    outputShift: initOutputShift(),
    split: initSplit(),
    alarms: {},
  };
}

function maxOf(logs: readonly number[]): number {
  let max = -Infinity;
  for (const log of logs) if (log > max) max = log;
  return max;
}

/** An upper bound of ln E (a mean never exceeds its largest term): skips the exact sum on most ticks. */
function metricLogEBound(state: SequentialJudgeState, metric: Metric): number {
  switch (metric) {
    case Metric.ErrorRate: return maxOf(state.errors.logs);
    case Metric.Latency: return Math.max(maxOf(state.latency.shapeLogs), maxOf(state.latency.tailLogs));
    case Metric.Disagreement: return maxOf(state.disagreement.logs);
    case Metric.MeanAbsDiff: return state.meanAbsDiff.logWorse;
    case Metric.OutputShift: return state.outputShift ? outputShiftMaxLog(state.outputShift) : 0;
  }
}

/** ln E of one metric. */
export function metricLogE(state: SequentialJudgeState, metric: Metric): number {
  switch (metric) {
    case Metric.ErrorRate: return mixtureLog(state.errors.logs);
    case Metric.Latency: return latencyLogE(state.latency);
    case Metric.Disagreement: return disagreementLogE(state.disagreement);
    case Metric.MeanAbsDiff: return state.meanAbsDiff.logWorse;
    case Metric.OutputShift: return state.outputShift ? outputShiftLogE(state.outputShift) : 0;
  }
}

function checkCounts(issues: FieldIssue[], path: string, counts: VariantCounts, buckets: number): void {
  const ok = (n: number) => Number.isFinite(n) && n >= 0;
  if (!ok(counts.requests)) issues.push({ path: `${path}.requests`, message: 'must be a non-negative count' });
  if (!ok(counts.errors)) issues.push({ path: `${path}.errors`, message: 'must be a non-negative count' });
  if (counts.latencyBuckets.length !== 0 && counts.latencyBuckets.length !== buckets) {
    issues.push({ path: `${path}.latencyBuckets`, message: `must have ${buckets} counts (one per bound and +Inf), or none` });
  } else if (!counts.latencyBuckets.every(ok)) {
    issues.push({ path: `${path}.latencyBuckets`, message: 'must be non-negative counts' });
  }
}

/** What is wrong with a tick's counts, or nothing: a measurement problem, for callers to report before judging. */
export function tickIssues(tick: TickInput, config: Pick<JudgeConfig, 'bucketBounds'>): FieldIssue[] {
  const buckets = config.bucketBounds.length + 1;
  const issues: FieldIssue[] = [];
  if (!Number.isFinite(tick.atMs)) issues.push({ path: 'tick.atMs', message: 'must be a time in milliseconds' });
  if (!(tick.canaryShare >= 0 && tick.canaryShare <= 1)) issues.push({ path: 'tick.canaryShare', message: 'must be between 0 and 1' });
  checkCounts(issues, 'tick.primary', tick.primary, buckets);
  checkCounts(issues, 'tick.canary', tick.canary, buckets);
  return issues;
}

function checkTick(tick: TickInput, config: JudgeConfig): void {
  const issues = tickIssues(tick, config);
  if (issues.length > 0) throw new ValidationError(issues, { source: 'judge tick' });
}

/**
 * A saved state as the current version: version 1 latched its split guard for
 * the whole rollout; its other evidence carries over, the split test restarts.
 */
export function restoreSequentialJudge(saved: unknown, config: JudgeConfig): SequentialJudgeState {
  if (saved === null || saved === undefined) return initSequentialJudge(config);
  const state = saved as SequentialJudgeState | (Omit<SequentialJudgeState, 'version'> & { version: 1 });
  if (state.version === 1) return { ...state, version: SEQUENTIAL_STATE_VERSION, split: initSplit() };
  return state as SequentialJudgeState;
}

function checkState(state: SequentialJudgeState, config: JudgeConfig): void {
  const fits = state.version === SEQUENTIAL_STATE_VERSION
    && state.errors.logs.length === config.errorRatios.length
    && state.latency.primarySeen.length === config.bucketBounds.length + 1
    && state.latency.shapeLogs.length === config.latencyFactors.length
    && state.disagreement.logs.length === config.disagreementRates.length;
  if (!fits) throw new StateError('the saved analysis state does not match the analysis settings (were buckets or detect changed mid-rollout?)');
}

function has(config: JudgeConfig, metric: Metric): boolean {
  return config.metrics.includes(metric);
}

/** The state after one tick. A tick at or before the last one changes nothing. */
export function updateSequentialJudge(state: SequentialJudgeState, config: JudgeConfig, tick: TickInput): SequentialJudgeState {
  checkState(state, config);
  checkTick(tick, config);
  if (state.lastTickAtMs !== null && tick.atMs <= state.lastTickAtMs) return state;
  const share = tick.canaryShare;
  const { primary, canary } = tick;
  const mirrored = tick.mirrored ?? [];
  // An arm that served nothing may omit its buckets; an arm that served requests without them gives no latency data.
  const zeros = new Array<number>(config.bucketBounds.length + 1).fill(0);
  const bucketsOf = (counts: VariantCounts) => (counts.latencyBuckets.length > 0 ? counts.latencyBuckets : counts.requests === 0 ? zeros : null);
  const canaryBuckets = bucketsOf(canary);
  const primaryBuckets = bucketsOf(primary);
  const hasLatency = canaryBuckets !== null && primaryBuckets !== null;

  const split = updateSplit(state.split, config.split, {
    atMs: tick.atMs, share, canary: canary.requests, primary: primary.requests,
    ...(tick.windowFromMs === undefined ? {} : { windowFromMs: tick.windowFromMs }),
    ...(tick.settled === undefined ? {} : { settled: tick.settled }),
  });

  const errorLogs = has(config, Metric.ErrorRate)
    ? updateRatioLogs(state.errors.logs, config.errorRatios, { canary: canary.errors, primary: primary.errors, share })
    : state.errors.logs;
  const latency = has(config, Metric.Latency) && canaryBuckets !== null && primaryBuckets !== null
    ? updateLatency(state.latency, latencyGrid(config), share, canaryBuckets, primaryBuckets)
    : state.latency;
  const comparable = share > 0 && share < 1;
  const answers = tick.answers;
  const outputShift = state.outputShift ?? initOutputShift();

  const next: SequentialJudgeState = {
    version: SEQUENTIAL_STATE_VERSION,
    lastTickAtMs: tick.atMs,
    // Mirrored answers are canary traffic too: a dark launch (weight 0) is judged on them.
    lastCanaryTrafficAtMs: canary.requests > 0 || (tick.mirrored?.length ?? 0) > 0 || (answers?.canary.length ?? 0) > 0 ? tick.atMs : state.lastCanaryTrafficAtMs,
    canaryRequests: state.canaryRequests + canary.requests,
    primaryRequests: state.primaryRequests + primary.requests,
    expectedCanaryRequests: state.expectedCanaryRequests + share * (canary.requests + primary.requests),
    errors: {
      canary: state.errors.canary + (comparable ? canary.errors : 0),
      primary: state.errors.primary + (comparable ? primary.errors : 0),
      logs: errorLogs,
    },
    latencyRequests: state.latencyRequests + (comparable && hasLatency ? canary.requests : 0),
    latency,
    disagreement: has(config, Metric.Disagreement)
      ? updateDisagreement(state.disagreement, config.disagreementBase, config.disagreementRates, config.tolerance, mirrored)
      : state.disagreement,
    meanAbsDiff: has(config, Metric.MeanAbsDiff)
      ? updateMeanAbsDiff(state.meanAbsDiff, config.meanAbsDiff, config.meanAbsDiffClip, mirrored)
      : state.meanAbsDiff,
    outputShift: has(config, Metric.OutputShift) && answers
      ? updateOutputShift(outputShift, share, answers.primary, answers.canary)
      : outputShift,
    split,
    alarms: state.alarms,
  };
  return split.offSinceMs === null ? { ...next, alarms: raiseAlarms(next, config, tick.atMs) } : next;
}

function raiseAlarms(state: SequentialJudgeState, config: JudgeConfig, atMs: number): SequentialJudgeState['alarms'] {
  const threshold = -Math.log(config.alphaPerMetric);
  let alarms = state.alarms;
  for (const metric of config.metrics) {
    if (alarms[metric] === undefined && metricLogEBound(state, metric) >= threshold && metricLogE(state, metric) >= threshold) alarms = { ...alarms, [metric]: atMs };
  }
  return alarms;
}
