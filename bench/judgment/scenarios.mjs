// The simulated cases of the judgment benchmark, shared by the main thread and its workers.
import { DEFAULT_BUCKET_BOUNDS, Metric } from '../../dist/core/analysis/index.js';
import { sequentialEntry, thresholdEntry } from '../../dist/core/analysis/simulation/race.js';

const GOOD = { errorRate: 0.005, latencyMedianS: 0.05, latencySigma: 0.5, disagreement: 0.005 };
const SHARE = 0.2;
const HOUR_S = 3600;

/** The judges raced in every case: the sequential judge (α = 0.01 over three metrics) and Flagger-style thresholds. */
export function judgesFor(latencyMaxMs, sequentialOnly = false, sequentialParams = undefined) {
  const flagger = { intervalMs: 60_000, maxErrorRatePercent: 1, maxLatencyMs: latencyMaxMs, iterations: 5 };
  const judges = [
    sequentialEntry('e-process, α = 0.01', sequentialParams ?? { maxFalseRollback: 0.01, metrics: [Metric.ErrorRate, Metric.Latency, Metric.Disagreement] }),
    thresholdEntry('threshold 1', { ...flagger, threshold: 1 }),
    thresholdEntry('threshold 5', { ...flagger, threshold: 5 }),
  ];
  // Threshold judges have no check on mirrored answers: racing them there only measures their false alarms.
  return sequentialOnly ? judges.slice(0, 1) : judges;
}

export const JUDGE_NAMES = judgesFor(500).map((judge) => judge.name);

function traffic(rate, canary, extra = {}) {
  return {
    requestsPerSecond: rate, canaryShare: SHARE, bucketBounds: DEFAULT_BUCKET_BOUNDS,
    primary: GOOD, canary: { ...GOOD, ...canary },
    // Mirror as many primary requests as the canary serves: paired answers for the disagreement test.
    mirroredPerSecond: rate * SHARE,
    ...extra,
  };
}

/** The housing model's answers ($100,000): lognormal around 2; v3 answers ×100; a retrained equal model differs by its own noise. */
const HOUSING = { kind: 'number', median: 2, sigma: 0.5 };
const answering = (answers) => ({ ...GOOD, errorRate: 0, answers });

/** Cluster cases: answers logged by KServe's inference logger, judged by prediction-shift alone (α = 0.01). */
function predictions(rate, canaryAnswers, mirrored) {
  return {
    requestsPerSecond: rate, canaryShare: SHARE, bucketBounds: DEFAULT_BUCKET_BOUNDS,
    primary: answering(HOUSING), canary: answering(canaryAnswers),
    ...(mirrored ? { mirroredPerSecond: rate * SHARE } : {}),
  };
}
// Mirrored prediction-shift: mean |difference| with τ = 0.5 ($50,000); split: the two-sample test of the answers.
const MIRRORED_SHIFT = { maxFalseRollback: 0.01, metrics: [Metric.MeanAbsDiff], detect: { meanAbsDiff: 0.5 } };
const SPLIT_SHIFT = { maxFalseRollback: 0.01, metrics: [Metric.OutputShift] };

/**
 * kind 'bad': time to roll back; 'equal': false rollbacks and time to promote.
 * latencyMaxMs is the threshold judges' p99 bound: 500 ms (a typical spec) except
 * for the latency case, where it is tuned to 240 ms, between what histogram_quantile
 * reads for the equal (233 ms) and the slowed (245 ms) canary — the best a fixed
 * threshold can do.
 */
export const SCENARIOS = {
  'errors-100': { label: 'errors 0.5% → 5%, 100 req/s', kind: 'bad', model: traffic(100, { errorRate: 0.05 }), horizonS: HOUR_S, latencyMaxMs: 500 },
  'errors-1': { label: 'errors 0.5% → 5%, 1 req/s', kind: 'bad', model: traffic(1, { errorRate: 0.05 }), horizonS: HOUR_S, latencyMaxMs: 500 },
  'latency-100': { label: 'latency ×1.3, 100 req/s (p99 bound 240 ms)', kind: 'bad', model: traffic(100, { latencyMedianS: 0.065 }), horizonS: HOUR_S, latencyMaxMs: 240 },
  'latency-1': { label: 'latency ×1.3, 1 req/s (p99 bound 240 ms)', kind: 'bad', model: traffic(1, { latencyMedianS: 0.065 }), horizonS: HOUR_S, latencyMaxMs: 240 },
  'disagreement-100': { label: 'mirrored disagreement 0.5% → 5%, 100 req/s', kind: 'bad', model: traffic(100, { disagreement: 0.05 }), horizonS: HOUR_S, latencyMaxMs: 500, sequentialOnly: true },
  'disagreement-1': { label: 'mirrored disagreement 0.5% → 5%, 1 req/s', kind: 'bad', model: traffic(1, { disagreement: 0.05 }), horizonS: HOUR_S, latencyMaxMs: 500, sequentialOnly: true },
  'equal-100': { label: 'equal canary, 100 req/s', kind: 'equal', model: traffic(100, {}), horizonS: HOUR_S, latencyMaxMs: 500 },
  'equal-1': { label: 'equal canary, 1 req/s', kind: 'equal', model: traffic(1, {}), horizonS: HOUR_S, latencyMaxMs: 500 },
  'mirrored-shift-100': { label: 'cluster, mirrored 20%: prediction-shift, a ×100 model, 100 req/s', kind: 'bad', model: predictions(100, { ...HOUSING, scale: 100 }, true), horizonS: HOUR_S, latencyMaxMs: 500, sequentialOnly: true, sequential: MIRRORED_SHIFT },
  'mirrored-equal-100': { label: 'cluster, mirrored 20%: prediction-shift, a retrained equal model (±5% noise), 100 req/s', kind: 'equal', model: predictions(100, { ...HOUSING, jitter: 0.05 }, true), horizonS: HOUR_S, latencyMaxMs: 500, sequentialOnly: true, sequential: MIRRORED_SHIFT },
  'split-shift-100': { label: 'cluster, split 20%: prediction-shift (two-sample), a ×100 model, 100 req/s', kind: 'bad', model: predictions(100, { ...HOUSING, scale: 100 }, false), horizonS: HOUR_S, latencyMaxMs: 500, sequentialOnly: true, sequential: SPLIT_SHIFT },
  'split-shift-x1.5-100': { label: 'cluster, split 20%: prediction-shift (two-sample), a ×1.5 model, 100 req/s', kind: 'bad', model: predictions(100, { ...HOUSING, scale: 1.5 }, false), horizonS: HOUR_S, latencyMaxMs: 500, sequentialOnly: true, sequential: SPLIT_SHIFT },
  'split-equal-100': { label: 'cluster, split 20%: prediction-shift (two-sample), an equal model, 100 req/s', kind: 'equal', model: predictions(100, HOUSING, false), horizonS: HOUR_S, latencyMaxMs: 500, sequentialOnly: true, sequential: SPLIT_SHIFT, maxTrials: 200 },
  'outage-100': { label: '2-minute outage on both arms, equal canary, 100 req/s', kind: 'equal', model: traffic(100, {}, { outage: { fromS: 180, toS: 300 } }), horizonS: 600, latencyMaxMs: 500 },
};

/**
 * The cluster cases (cluster.mjs): predictions through the prediction collector, at
 * 100 req/s. mirrored: a dark launch on istio (weight 0, 20% of requests mirrored, so
 * 20 pairs/s), judged by prediction-shift on the pairs (mean |difference| ≤ 0.5);
 * split: knative at 20%, judged by the two-sample prediction-shift test. House values
 * in $100k (median 2). The equal mirrored canary is a retrained model (its answers
 * within about ±5% of the primary's); the equal split canary answers from the same
 * distribution.
 */
export const CLUSTER_SCENARIOS = {
  'collector-mirrored-x100': { label: 'mirrored, canary answers ×100 (housing v3)', mode: 'mirrored', kind: 'bad', scale: 100, jitter: 0, horizonS: HOUR_S },
  'collector-mirrored-x1.3': { label: 'mirrored, canary answers ×1.3', mode: 'mirrored', kind: 'bad', scale: 1.3, jitter: 0, horizonS: HOUR_S },
  'collector-mirrored-equal': { label: 'mirrored, equal canary (retrained, ±5%)', mode: 'mirrored', kind: 'equal', scale: 1, jitter: 0.05, horizonS: HOUR_S },
  'collector-split-x100': { label: 'split 20%, canary answers ×100 (housing v3)', mode: 'split', kind: 'bad', scale: 100, jitter: 0, horizonS: HOUR_S },
  'collector-split-x1.3': { label: 'split 20%, canary answers ×1.3', mode: 'split', kind: 'bad', scale: 1.3, jitter: 0, horizonS: HOUR_S },
  'collector-split-x1.1': { label: 'split 20%, canary answers ×1.1', mode: 'split', kind: 'bad', scale: 1.1, jitter: 0, horizonS: HOUR_S },
  'collector-split-equal': { label: 'split 20%, equal canary', mode: 'split', kind: 'equal', scale: 1, jitter: 0, horizonS: HOUR_S },
};
