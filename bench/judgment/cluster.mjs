// The cluster cases of the judgment benchmark: predictions reach the judge as the operator
// gets them on a cluster. Each simulated request is logged as KServe's agent logs it (a
// request event, then a response event for a 200) into the real PredictionCollector; the
// operator's provider wrapper (withCollectedPredictions) reads it into a window, the
// engine's per-tick deltas are taken, and stepSequentialJudge — what decide() calls every
// tick — judges the spec. Error and latency counts come from the same traffic simulator
// as the other cases.
import { withCollectedPredictions } from '../../dist/collector/collected-metrics.js';
import { PredictionCollector } from '../../dist/collector/prediction-collector.js';
import { DEFAULT_BUCKET_BOUNDS, Decision } from '../../dist/core/analysis/index.js';
import { createRandom } from '../../dist/core/analysis/simulation/prng.js';
import { poisson, standardNormal } from '../../dist/core/analysis/simulation/samplers.js';
import { createTrafficSimulator } from '../../dist/core/analysis/simulation/traffic.js';
import { diffCounts, emptyCounts } from '../../dist/core/measurement.js';
import { stepSequentialJudge } from '../../dist/core/sequential-step.js';
import { parseModelCanary } from '../../dist/core/validate.js';

const NS = 'models';
const KEY = `${NS}/housing`;
const GOOD = { errorRate: 0.005, latencyMedianS: 0.05, latencySigma: 0.5 };
/** House values in $100k, as the demo's housing model answers: median 2, spread ×e^±0.5. */
const ANSWER = { median: 2, sigma: 0.5 };
/** The spec's prediction-shift bound: a mean absolute difference of 0.5 ($50k) on mirrored pairs. */
const SHIFT_MAX = 0.5;

/**
 * The ModelCanary of each case, through the product's own parser: error rate, p99
 * latency and prediction-shift at α = 0.01. mirrored: a dark launch on istio (weight 0,
 * 20% of requests mirrored); split: knative at 20%.
 */
export function clusterSpec(mode) {
  const mirrored = mode === 'mirrored';
  const { canary } = parseModelCanary({
    apiVersion: 'kcanary.io/v1alpha1', kind: 'ModelCanary', metadata: { name: 'housing', namespace: NS },
    spec: {
      router: mirrored ? 'istio' : 'knative',
      predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'gs://models/housing/v2' } },
      canary: { storageUri: 'gs://models/housing/v3' },
      rollout: { steps: [mirrored ? 0 : 20], mirror: mirrored ? 20 : 0, interval: '1m' },
      analysis: {
        prometheus: { address: 'http://prometheus.istio-system:9090' },
        metrics: [{ name: 'error-rate', max: 1 }, { name: 'latency-p99', max: '500ms' }, { name: 'prediction-shift', max: SHIFT_MAX }],
      },
    },
  });
  return canary;
}

/** What the collector listens for, as collectorTargetOf names it for each router. */
function targetOf(mode) {
  if (mode === 'mirrored') {
    return { namespace: NS, mode, primary: { inferenceService: 'housing-primary' }, canary: { inferenceService: 'housing-canary' } };
  }
  return {
    namespace: NS, mode,
    primary: { inferenceService: 'housing', podPrefix: 'housing-predictor-00001-' },
    canary: { inferenceService: 'housing', podPrefix: 'housing-predictor-00002-' },
  };
}

const PODS = {
  mirrored: { primary: ['housing-primary', 'housing-primary-predictor-5c4b9-xyz12'], canary: ['housing-canary', 'housing-canary-predictor-7d9f8-abcde'] },
  split: { primary: ['housing', 'housing-predictor-00001-deployment-6d8c9-x2k4p'], canary: ['housing', 'housing-predictor-00002-deployment-7f6b5-q9z8r'] },
};

/** A stand-in for Prometheus: the counts since the window started, as PrometheusMetrics reads them. */
function countsProvider(buckets) {
  let fromMs = 0;
  let primary = emptyCounts(buckets);
  let canary = emptyCounts(buckets);
  const add = (a, b) => ({ requests: a.requests + b.requests, errors: a.errors + b.errors, latencyBuckets: a.latencyBuckets.map((n, i) => n + b.latencyBuckets[i]) });
  return {
    record(tick) {
      primary = add(primary, tick.primary);
      canary = add(canary, tick.canary);
    },
    startWindow(atMs) {
      fromMs = atMs;
      primary = emptyCounts(buckets);
      canary = emptyCounts(buckets);
    },
    async measure(nowMs) {
      return { fromMs, toMs: nowMs, bucketBounds: DEFAULT_BUCKET_BOUNDS, primary, canary, mirrored: [], custom: {} };
    },
  };
}

/**
 * One run: `scale` multiplies the canary's answers (100: housing v3), `jitter` is the
 * canary's own noise (a retrained model: e^{jitter·N} per answer). Returns the second of
 * the first rollback, or null within the horizon, and the collector's counters.
 */
export async function runClusterTrial({ mode, scale, jitter, horizonS, seed, requestsPerSecond = 100, share = 0.2}) {
  const random = createRandom(seed);
  const canarySpec = clusterSpec(mode);
  const mirrored = mode === 'mirrored';
  const weight = mirrored ? 0 : share;
  const traffic = createTrafficSimulator({
    requestsPerSecond, canaryShare: weight, bucketBounds: DEFAULT_BUCKET_BOUNDS, primary: GOOD, canary: GOOD,
  }, random);
  const collector = new PredictionCollector();
  collector.manage(KEY, targetOf(mode));
  const counts = countsProvider(DEFAULT_BUCKET_BOUNDS.length);
  const provider = withCollectedPredictions(counts, collector, KEY);
  provider.startWindow(0);
  const pods = PODS[mode];
  let serial = 0;
  const input = () => ANSWER.median * Math.exp(ANSWER.sigma * standardNormal(random));
  const canaryAnswer = (value) => [value * scale * Math.exp(jitter * standardNormal(random))];
  /** The agent's two events for one request; an error is logged as a request only. */
  const log = (arm, nowMs, answer, requestId) => {
    const [inferenceService, source] = pods[arm];
    const id = `e${serial++}`;
    const base = { id, source, inferenceService, namespace: NS, ...(requestId === undefined ? {} : { requestId }) };
    collector.accept({ kind: 'request', ...base }, nowMs);
    if (answer) collector.accept({ kind: 'response', ...base, answer }, nowMs);
  };

  let judge = null;
  let previous;
  for (let t = 1; t <= horizonS; t++) {
    const nowMs = t * 1000;
    const tick = traffic.next();
    counts.record(tick);
    if (mirrored) {
      // Every primary request carries an X-Request-Id; the mesh mirrors a fifth of them to the canary.
      const served = tick.primary.requests - tick.primary.errors;
      const copies = Math.min(served, poisson(random, requestsPerSecond * share));
      for (let i = 0; i < served; i++) {
        const requestId = `r${serial}`;
        const value = input();
        // The mirrored copy's answer may reach the collector before or after the primary's.
        const canaryFirst = i < copies && random() < 0.5;
        if (canaryFirst) log('canary', nowMs, canaryAnswer(value), requestId);
        log('primary', nowMs, [value], requestId);
        if (i < copies && !canaryFirst) log('canary', nowMs, canaryAnswer(value), requestId);
      }
      for (let i = 0; i < tick.primary.errors; i++) log('primary', nowMs, undefined, `r${serial}`);
    } else {
      for (const arm of ['primary', 'canary']) {
        const { requests, errors } = tick[arm];
        for (let i = 0; i < requests - errors; i++) log(arm, nowMs, arm === 'canary' ? canaryAnswer(input()) : [input()]);
        for (let i = 0; i < errors; i++) log(arm, nowMs, undefined);
      }
    }
    const window = await provider.measure(nowMs);
    // The engine's readTick: counter deltas since the previous reading of the same window.
    const judged = {
      atMs: nowMs, canaryShare: weight,
      primary: previous ? diffCounts(window.primary, previous.primary) : window.primary,
      canary: previous ? diffCounts(window.canary, previous.canary) : window.canary,
      mirrored: window.mirrored.slice(previous?.mirrored.length ?? 0),
      windowFromMs: window.fromMs,
      ...(window.answers ? { answers: window.answers } : {}),
    };
    previous = window;
    const step = stepSequentialJudge(canarySpec, judge, judged, { nowMs, stepStartedAtMs: 0 });
    judge = step.judge;
    if (step.judgment.decision === Decision.Rollback) return { rollbackAtS: t, stats: collector.stats() };
  }
  return { rollbackAtS: null, stats: collector.stats() };
}
