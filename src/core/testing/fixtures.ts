// Builders shared by the core's tests.
import { parseModelCanary } from '../validate.js';
import type { ModelCanary } from '../spec.js';
import type { Observations } from '../decide.js';
import { DEFAULT_BUCKETS_SECONDS, emptyCounts, type WindowMeasurement } from '../measurement.js';

export function makeCanary(spec: Record<string, unknown> = {}): ModelCanary {
  return parseModelCanary({
    apiVersion: 'kcanary.io/v1alpha1',
    kind: 'ModelCanary',
    metadata: { name: 'housing' },
    spec: {
      predictor: { model: { storageUri: 'file://v1' } },
      canary: { storageUri: 'file://v2' },
      rollout: { steps: [20, 50, 100], interval: '10s' },
      ...spec,
      // The table tests of decide() are about the threshold judge unless they say otherwise.
      analysis: { judge: 'threshold', ...(spec.analysis as Record<string, unknown> | undefined) },
    },
  }).canary;
}

/** A window where the canary served `requests` with `errors` 5xx, all fast. */
export function window(requests: number, errors: number, mirrored: number[] = []): WindowMeasurement {
  const buckets = DEFAULT_BUCKETS_SECONDS.length;
  const fast = (n: number) => { const c = emptyCounts(buckets); return { ...c, requests: n, latencyBuckets: c.latencyBuckets.map((_, i) => (i === 1 ? n : 0)) }; };
  return {
    fromMs: 0, toMs: 10_000, bucketBounds: DEFAULT_BUCKETS_SECONDS,
    primary: fast(requests * 4), canary: { ...fast(requests), errors }, mirrored, custom: {},
  };
}

export function observe(weight: number | null, extra: Partial<Observations> = {}): Observations {
  return { specHash: 'h1', primary: { ready: true }, canary: { ready: true }, canaryWeight: weight, ...extra };
}
