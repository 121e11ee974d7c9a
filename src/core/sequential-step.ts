/**
 * The sequential judge inside a rollout step: the spec's metrics mapped onto
 * the e-processes of core/analysis, updated every tick, and turned into the
 * status' MetricResults (with e-values and always-valid p-values).
 */
import {
  Decision, Metric, buildJudgeConfig, judgeSequential, restoreSequentialJudge, updateSequentialJudge,
  type JudgeConfig, type SequentialJudgeState, type SequentialJudgment, type TickInput,
} from './analysis/index.js';
import type { MetricCheck, ModelCanary } from './spec.js';
import type { AnalysisRecord, MetricResult, Verdict } from './status.js';

/** Which e-process judges each kind of metric; custom PromQL metrics have none. */
const METRIC_OF_KIND: Partial<Record<MetricCheck['kind'], Metric>> = {
  'error-rate': Metric.ErrorRate,
  latency: Metric.Latency,
  'prediction-agreement': Metric.Disagreement,
  'prediction-shift': Metric.MeanAbsDiff,
};

/**
 * prediction-shift compares paired answers when requests are mirrored, and the
 * two arms' output distributions on split traffic when they are not.
 */
export function sequentialMetricOf(check: MetricCheck, mirror = 1): Metric | undefined {
  if (check.kind === 'prediction-shift' && mirror === 0) return Metric.OutputShift;
  return METRIC_OF_KIND[check.kind];
}

export function judgeConfigFor(canary: ModelCanary): JudgeConfig {
  const { analysis } = canary.spec;
  const checks = analysis.checks;
  const agreement = checks.find((c) => c.kind === 'prediction-agreement');
  const shift = checks.find((c) => c.kind === 'prediction-shift');
  const mirror = canary.spec.rollout.mirror;
  const metrics = [...new Set(checks.map((c) => sequentialMetricOf(c, mirror)).filter((m): m is Metric => m !== undefined))];
  return buildJudgeConfig({
    maxFalseRollback: analysis.maxFalseRollback,
    detect: {
      errorRate: analysis.detect.errorRate,
      latency: analysis.detect.latency,
      // "at least 99% agree" is an acceptable disagreement rate of 1%.
      disagreement: agreement && agreement.minPercent < 100 ? 1 - agreement.minPercent / 100 : analysis.detect.disagreement,
      ...(shift && shift.max > 0 ? { meanAbsDiff: shift.max } : {}),
    },
    ...(agreement ? { tolerance: agreement.tolerance } : {}),
    metrics,
  });
}

export interface SequentialStep {
  readonly judge: SequentialJudgeState;
  readonly judgment: SequentialJudgment;
  readonly record: AnalysisRecord;
}

/** One tick of evidence; the state is carried across steps, as ANALYSIS.md says. */
export function stepSequentialJudge(
  canary: ModelCanary,
  previous: unknown,
  tick: TickInput | undefined,
  timing: { nowMs: number; stepStartedAtMs: number },
): SequentialStep {
  const config = judgeConfigFor(canary);
  let judge: SequentialJudgeState = restoreSequentialJudge(previous, config);
  if (tick) judge = updateSequentialJudge(judge, config, tick);
  const { minSoak, stepTimeout } = canary.spec.analysis;
  const { interval } = canary.spec.rollout;
  const names = new Map(canary.spec.analysis.checks.map((c) => [sequentialMetricOf(c, canary.spec.rollout.mirror), c.name]));
  const label = (metric: Metric): string => names.get(metric) ?? metric;
  const judgment = judgeSequential(judge, config, { ...timing, minSoakMs: minSoak ?? interval, stepTimeoutMs: stepTimeout ?? 2 * interval }, label);
  const results: MetricResult[] = judgment.metrics.map((m) => ({
    name: label(m.metric as Metric),
    value: m.eValue,
    threshold: `E ≥ ${Number(m.threshold.toPrecision(3))}`,
    verdict: m.verdict,
    message: m.message,
    eValue: m.eValue,
    pValue: m.pValue,
  }));
  const verdict: Verdict = judgment.decision === Decision.Rollback ? 'fail' : judgment.decision === Decision.PromoteOk ? 'pass' : 'inconclusive';
  return { judge, judgment, record: { at: new Date(timing.nowMs).toISOString(), verdict, results } };
}
