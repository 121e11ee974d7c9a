/**
 * From the sequential judge's state to a judgment: one verdict per enabled
 * metric and an overall decision.
 *
 * - rollback: some metric's E reached 1/α_m (the alarm stands once raised);
 * - promote-ok: every metric rejected "unacceptably worse" (its likelihood
 *   ratio at the detect effect is at most β) and the minimum soak passed — or
 *   the step timed out with no alarm; both need canary traffic in this step;
 * - inconclusive: the sample-ratio test found the split off in this analysis
 *   window, or the step timed out with no canary traffic: a person should look;
 * - continue: otherwise.
 */
import type { JudgeConfig } from './config.js';
import { eValueOf, pValueOf } from './log-space.js';
import { tailBoundSeconds } from './latency.js';
import { splitLogE } from './sample-ratio.js';
import { metricLogE, type SequentialJudgeState } from './sequential-state.js';
import { Decision, Metric, Verdict, type Judgment, type MetricJudgment, type StepTiming } from './types.js';

/** How a reason names a metric: by the name the spec gives it (latency-p99, not latency). */
export type MetricLabel = (metric: Metric) => string;

/** A metric judgment of the sequential judge: its value is the e-value. */
export interface SequentialMetricJudgment extends MetricJudgment {
  readonly eValue: number;
  readonly pValue: number;
}

export interface SequentialJudgment extends Judgment {
  readonly metrics: readonly SequentialMetricJudgment[];
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(2)}%` : 'n/a';
}

function round(value: number): string {
  return value >= 1e6 || (value > 0 && value < 1e-3) ? value.toExponential(2) : String(Number(value.toPrecision(3)));
}

interface Evidence {
  /** Whether the metric has seen anything to compare. */
  readonly seen: boolean;
  /** Whether "worse by the detect effect" is rejected (likelihood ratio ≤ β). */
  readonly rejectedWorse: boolean;
  readonly alarmAtMs: number | undefined;
}

function evidenceOf(state: SequentialJudgeState, config: JudgeConfig, metric: Metric): Evidence {
  const lnBeta = Math.log(config.beta);
  const alarmAtMs = state.alarms[metric];
  switch (metric) {
    case Metric.ErrorRate:
      return { alarmAtMs, seen: state.errors.canary + state.errors.primary > 0, rejectedWorse: (state.errors.logs[0] as number) <= lnBeta };
    case Metric.Latency:
      return { alarmAtMs, seen: state.latencyRequests > 0, rejectedWorse: state.latency.detectLog <= lnBeta };
    case Metric.Disagreement:
      return { alarmAtMs, seen: state.disagreement.pairs > 0, rejectedWorse: (state.disagreement.logs[0] as number) <= lnBeta };
    case Metric.MeanAbsDiff:
      return { alarmAtMs, seen: state.meanAbsDiff.pairs > 0, rejectedWorse: state.meanAbsDiff.logNotWorse >= -lnBeta };
    case Metric.OutputShift: {
      // A two-sample test has no "worse by the detect effect" to reject: enough canary answers with no alarm pass.
      const answers = state.outputShift?.canaryAnswers ?? 0;
      return { alarmAtMs, seen: answers > 0, rejectedWorse: answers >= config.shiftMinAnswers };
    }
  }
}

function verdictOf(state: SequentialJudgeState, evidence: Evidence): Verdict {
  if (state.split.offSinceMs !== null) return Verdict.Inconclusive;
  if (evidence.alarmAtMs !== undefined) return Verdict.Fail;
  if (evidence.seen && evidence.rejectedWorse) return Verdict.Pass;
  return Verdict.Inconclusive;
}

/** What the metric has seen, in words. */
function summaryOf(state: SequentialJudgeState, config: JudgeConfig, metric: Metric): string {
  switch (metric) {
    case Metric.ErrorRate: {
      const { canary, primary } = state.errors;
      return `errors ${canary} on the canary (${percent(canary, state.canaryRequests)}) and ${primary} on the primary (${percent(primary, state.primaryRequests)})`;
    }
    case Metric.Latency:
      return `latency of ${state.latencyRequests} canary requests against the primary's histogram (tail: slower than ${tailBoundSeconds(state.latency, config.bucketBounds)}s)`;
    case Metric.Disagreement: {
      const { pairs, disagreements } = state.disagreement;
      return `${disagreements} of ${pairs} mirrored answers disagree (${percent(disagreements, pairs)}, acceptable ${percent(config.disagreementBase, 1)})`;
    }
    case Metric.MeanAbsDiff: {
      const { pairs, mean } = state.meanAbsDiff;
      return `mean clipped |difference| ${round(mean * config.meanAbsDiffClip)} over ${pairs} mirrored pairs (acceptable ${config.meanAbsDiff})`;
    }
    case Metric.OutputShift: {
      const shift = state.outputShift;
      if (!shift) return 'no answers compared';
      const mean = (sum: number, n: number) => (n > 0 ? round(sum / n) : 'n/a');
      return `${shift.canaryAnswers} canary and ${shift.primaryAnswers} primary answers compared (mean prediction ${mean(shift.canarySum, shift.canaryNumbers)} on the canary, ${mean(shift.primarySum, shift.primaryNumbers)} on the primary; ${config.shiftMinAnswers} canary answers needed to pass)`;
    }
  }
}

function judgeMetric(state: SequentialJudgeState, config: JudgeConfig, metric: Metric, evidence: Evidence): SequentialMetricJudgment {
  const threshold = 1 / config.alphaPerMetric;
  const logE = metricLogE(state, metric);
  const eValue = eValueOf(logE);
  const verdict = verdictOf(state, evidence);
  const base = { metric, verdict, value: eValue, eValue, pValue: pValueOf(logE), threshold };
  const summary = summaryOf(state, config, metric);
  if (state.split.offSinceMs !== null) return { ...base, message: `split is off, so the comparison means nothing; ${summary}` };
  if (evidence.alarmAtMs !== undefined) {
    return { ...base, message: `canary worse: E reached ${round(threshold)} at ${new Date(evidence.alarmAtMs).toISOString()}; now E = ${round(eValue)}; ${summary}` };
  }
  // The error-rate test learns only from errors, but requests without errors are data all the same.
  const hasData = metric === Metric.ErrorRate ? state.canaryRequests > 0 : evidence.seen;
  if (!hasData) return { ...base, message: `no data yet: ${summary}` };
  if (verdict === Verdict.Pass) return { ...base, message: `not worse by the detect effect (β = ${config.beta}); E = ${round(eValue)}; ${summary}` };
  return { ...base, message: `collecting evidence: E = ${round(eValue)} (rollback at ${round(threshold)}); ${summary}` };
}

/** The overall decision and its reason, without the per-metric details (cheap enough for every tick). */
export function decideSequential(state: SequentialJudgeState, config: JudgeConfig, timing: StepTiming, label: MetricLabel = (m) => m): { decision: Decision; reason: string } {
  const verdicts = config.metrics.map((metric) => ({ metric, verdict: verdictOf(state, evidenceOf(state, config, metric)) }));
  const elapsed = timing.nowMs - timing.stepStartedAtMs;
  const trafficInStep = state.lastCanaryTrafficAtMs !== null && state.lastCanaryTrafficAtMs > timing.stepStartedAtMs;
  const timedOut = timing.stepTimeoutMs !== undefined && elapsed >= timing.stepTimeoutMs;

  if (state.split.offSinceMs !== null) {
    const { canary, total, share } = state.split;
    const pValue = pValueOf(splitLogE(config.split, state.split));
    return {
      decision: Decision.Inconclusive,
      reason: `split is off: the canary served ${percent(canary, total)} of ${Math.round(total)} requests where ${percent(share, 1)} was set (sample-ratio test p = ${round(pValue)} ≤ ${round(config.split.alpha)})`,
    };
  }
  const failed = verdicts.filter((m) => m.verdict === Verdict.Fail).map((m) => label(m.metric));
  if (failed.length > 0) return { decision: Decision.Rollback, reason: `canary worse on ${failed.join(', ')}` };
  const waiting = verdicts.filter((m) => m.verdict !== Verdict.Pass).map((m) => label(m.metric));
  if (waiting.length === 0 && trafficInStep && elapsed >= (timing.minSoakMs ?? 0)) {
    return { decision: Decision.PromoteOk, reason: 'every metric rejected "canary unacceptably worse"' };
  }
  if (timedOut) {
    return trafficInStep
      ? { decision: Decision.PromoteOk, reason: 'step timeout reached with no alarm' }
      : { decision: Decision.Inconclusive, reason: 'step timeout reached with no canary traffic in this step' };
  }
  if (!trafficInStep) return { decision: Decision.Continue, reason: 'no canary traffic in this step yet' };
  if (waiting.length > 0) return { decision: Decision.Continue, reason: `collecting evidence on ${waiting.join(', ')}` };
  return { decision: Decision.Continue, reason: `soaking until ${(timing.minSoakMs ?? 0) / 1000}s into the step` };
}

export function judgeSequential(state: SequentialJudgeState, config: JudgeConfig, timing: StepTiming, label?: MetricLabel): SequentialJudgment {
  const metrics = config.metrics.map((metric) => judgeMetric(state, config, metric, evidenceOf(state, config, metric)));
  return { ...decideSequential(state, config, timing, label), metrics };
}
