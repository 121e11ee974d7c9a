/**
 * Canary judgment: the sequential (anytime-valid) judge, the threshold judge,
 * and the shapes they share. Each file opens with the statistics it implements.
 */
export * from './types.js';
export { buildJudgeConfig, DEFAULT_BUCKET_BOUNDS, DEFAULT_METRICS, type JudgeConfig, type JudgeParams } from './config.js';
export { initSequentialJudge, updateSequentialJudge, restoreSequentialJudge, tickIssues, metricLogE, type SequentialJudgeState } from './sequential-state.js';
export { judgeSequential, decideSequential, type SequentialJudgment, type SequentialMetricJudgment } from './sequential-judgment.js';
export {
  buildThresholdJudgeConfig, initThresholdJudge, updateThresholdJudge, judgeThreshold,
  type ThresholdJudgeConfig, type ThresholdJudgeParams, type ThresholdJudgeState,
} from './threshold-judge.js';
export { histogramQuantile } from './histogram.js';
export { initOutputShift, updateOutputShift, outputShiftLogE, binOf, type OutputShiftState } from './output-shift.js';
export { answerDistance, type Answer, type Prediction } from './predictions.js';
