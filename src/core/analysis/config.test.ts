import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../errors.js';
import { buildJudgeConfig, DEFAULT_BUCKET_BOUNDS } from './config.js';
import { Metric } from './types.js';

test('defaults follow ANALYSIS.md and split α across the metrics', () => {
  const config = buildJudgeConfig();
  assert.equal(config.alpha, 0.01);
  assert.equal(config.beta, 0.05);
  assert.deepEqual(config.metrics, [Metric.ErrorRate, Metric.Latency]);
  assert.equal(config.alphaPerMetric, 0.005);
  assert.deepEqual(config.errorRatios, [2, 4, 8, 16]);
  assert.deepEqual(config.latencyFactors, [1.1, 1.2, 1.35, 1.5, 2, 3]);
  assert.deepEqual(config.disagreementRates, [0.02, 0.04, 0.08, 0.16]);
  assert.equal(config.meanAbsDiffClip, 0.1);
  assert.deepEqual(config.bucketBounds, DEFAULT_BUCKET_BOUNDS);
  assert.ok(Object.isFrozen(config));
});

test('parameters shape the grids', () => {
  const config = buildJudgeConfig({ maxFalseRollback: 0.05, detect: { errorRate: 1.5, disagreement: 0.1 }, metrics: [Metric.ErrorRate, Metric.Latency, Metric.Disagreement, Metric.ErrorRate] });
  assert.equal(config.metrics.length, 3, 'duplicates collapse');
  assert.ok(Math.abs(config.alphaPerMetric - 0.05 / 3) < 1e-15);
  assert.deepEqual(config.errorRatios, [1.5, 3, 6, 12]);
  assert.deepEqual(config.disagreementRates.map((d) => Number(d.toFixed(10))), [0.2, 0.4, 0.8], 'alternatives stay below 1');
});

test('bad parameters are named by their path', () => {
  const cases: [Parameters<typeof buildJudgeConfig>[0], string][] = [
    [{ maxFalseRollback: 0 }, 'spec.analysis.maxFalseRollback'],
    [{ maxFalseRollback: Number.NaN }, 'spec.analysis.maxFalseRollback'],
    [{ beta: 1 }, 'spec.analysis.beta'],
    [{ detect: { errorRate: 1 } }, 'spec.analysis.detect.errorRate'],
    [{ detect: { latency: 0.9 } }, 'spec.analysis.detect.latency'],
    [{ detect: { disagreement: 0.5 } }, 'spec.analysis.detect.disagreement'],
    [{ detect: { meanAbsDiff: 0 } }, 'spec.analysis.detect.meanAbsDiff'],
    [{ tolerance: -1 }, 'spec.analysis.tolerance'],
    [{ bucketBounds: [0.1, 0.05] }, 'spec.analysis.bucketBounds'],
    [{ metrics: [] }, 'spec.analysis.metrics'],
    [{ metrics: ['latency-p99' as Metric] }, 'spec.analysis.metrics[0]'],
  ];
  for (const [params, path] of cases) {
    assert.throws(() => buildJudgeConfig(params), (error: unknown) => error instanceof ValidationError && error.issues.some((i) => i.path === path), path);
  }
});
