// Operator benchmark: for 1, 100 and 1,000 ModelCanary objects on a real kube-apiserver
// (+ etcd), the operator's memory once every rollout is at its first step, and the time
// from one canary's error rate going bad to its weight being 0 in the API (VirtualService).
// Usage: npm run bench:operator -- [--sizes 1,100,1000] [--tick 1s] [--concurrency 32]
//
// Metrics come from an in-process provider (counts that grow with time, 5xx share set by
// the benchmark), so the figures are the operator's own: watch, queue, engine, router
// reads and writes, status writes. The Prometheus provider is measured by its tests.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKubeEnv } from '../../dist/testing/kube-env.js';
import { applyObject } from '../../dist/operator/apply-objects.js';
import { waitForCrd } from '../../dist/operator/crd-ready.js';
import { modelCanaryCrd, CRD_NAME } from '../../dist/crd/model-canary-crd.js';
import { Operator } from '../../dist/operator/operator.js';
import { InferenceService, ModelCanaryResource, VirtualService } from '../../dist/kube/resources.js';
import { setInferenceServiceReady } from '../../dist/kube/testing/controllers.js';
import { parseDuration } from '../../dist/core/duration.js';
import { DEFAULT_BUCKETS_SECONDS } from '../../dist/core/measurement.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,100,1000' },
    tick: { type: 'string', default: '1s' },
    concurrency: { type: 'string', default: '32' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const tickMs = parseDuration(values.tick);
const concurrency = Number(values.concurrency);

/** Cumulative counts per canary: requests grow at `rate`/s, errors at `rate × errorRatio`. */
class BenchMetrics {
  errorRatio = new Map();
  provider(name, clock) {
    const totals = { primary: { requests: 0, errors: 0 }, canary: { requests: 0, errors: 0 } };
    let last = clock();
    let windowStart = last;
    let base = structuredClone(totals);
    const bounds = DEFAULT_BUCKETS_SECONDS;
    // Every request in the 25–50 ms bucket.
    const counts = (t) => ({ requests: t.requests, errors: t.errors, latencyBuckets: bounds.map((b) => (b === 0.05 ? t.requests : 0)).concat(0) });
    const diff = (a, b) => ({ requests: a.requests - b.requests, errors: a.errors - b.errors });
    return {
      startWindow: (at) => { windowStart = at; base = structuredClone(totals); },
      measure: async (now) => {
        const seconds = Math.max(0, (now - last) / 1000);
        last = now;
        // 1,000 requests/s split as the first step's weight (10%) splits them: enough that one
        // tick holds decisive evidence, so the figure is the operator's latency, not the judge's.
        const n = 1000 * seconds;
        totals.primary.requests += n * 0.9;
        totals.canary.requests += n * 0.1;
        totals.canary.errors += n * 0.1 * (this.errorRatio.get(name) ?? 0);
        return {
          fromMs: windowStart, toMs: now, bucketBounds: bounds, mirrored: [], custom: {},
          primary: counts(diff(totals.primary, base.primary)), canary: counts(diff(totals.canary, base.canary)),
        };
      },
    };
  }
}

function document(name, namespace) {
  return {
    apiVersion: 'kcanary.io/v1alpha1', kind: 'ModelCanary', metadata: { name, namespace },
    spec: {
      router: 'istio',
      predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'gs://models/sklearn/1' } },
      canary: { storageUri: 'gs://models/sklearn/2' },
      // Long steps: every rollout stays at its first step while the benchmark runs.
      rollout: { steps: [10, 50, 100], interval: '30m', progressDeadline: '30m' },
      analysis: { judge: 'sequential', maxFalseRollback: 0.01, metrics: [{ name: 'error-rate', max: 1 }], minSoak: '30m', stepTimeout: '60m' },
      ingress: { domain: 'example.com', gateways: ['istio-system/kcanary-gateway'] },
    },
  };
}

async function pool(items, width, work) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < items.length) await work(items[next++]); }));
}

async function readyAll(client, count, deadline) {
  const done = new Set();
  while (done.size < 2 * count) {
    if (Date.now() > deadline) throw new Error(`only ${done.size} of ${2 * count} InferenceServices appeared`);
    const list = await client.list(InferenceService);
    await pool(list.filter((i) => !done.has(i.metadata.name)), 16, async (isvc) => {
      await setInferenceServiceReady(client, isvc.metadata.name, true);
      done.add(isvc.metadata.name);
    });
    await sleep(200);
  }
}

const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);

async function measure(env, size) {
  const namespace = await env.createNamespace(`bench${size}`);
  const client = env.client({ namespace });
  const metrics = new BenchMetrics();
  globalThis.gc?.();
  const before = process.memoryUsage();
  const operator = new Operator({
    kubeConfig: env.adminConfig, namespaces: [namespace], identity: 'bench', tickMs, concurrency, log: (m) => process.env.BENCH_DEBUG && console.error(m),
    reconciler: { metricsFor: (canary) => metrics.provider(canary.metadata.name, Date.now) },
  });
  await operator.start();
  const names = Array.from({ length: size }, (_, i) => `model-${i}`);
  const created = Date.now();
  await pool(names, 16, (name) => client.apply(document(name, namespace)));
  await readyAll(client, size, Date.now() + 600_000);
  // Every rollout at its first step, in the API.
  for (;;) {
    const list = await client.list(ModelCanaryResource);
    const progressing = list.filter((o) => o.status?.phase === 'Progressing' && o.status?.canaryWeight === 10).length;
    if (progressing === size) break;
    if (Date.now() - created > 900_000) throw new Error(`only ${progressing} of ${size} rollouts reached their first step`);
    await sleep(250);
  }
  const converged = Date.now() - created;
  const reconcilesBefore = operator.metrics.reconciles;
  await sleep(5 * tickMs);
  const reconcilesPerSecond = (operator.metrics.reconciles - reconcilesBefore) / (5 * tickMs / 1000);
  globalThis.gc?.();
  const after = process.memoryUsage();

  // Canaries go bad one after another (half their requests fail); each time, how long until its weight is 0 in the API.
  const detections = [];
  for (const victim of [names[Math.floor(size / 2)], names[size - 1], names[0]].slice(0, Math.min(3, size))) {
    const bad = Date.now();
    metrics.errorRatio.set(victim, 0.5);
    for (;;) {
      const vs = await client.get(VirtualService, `${victim}-predictor`);
      const canary = vs.spec.http[0].route.find((r) => r.destination.host.startsWith(`${victim}-canary`));
      if (!canary || (canary.weight ?? 0) === 0) { detections.push(Date.now() - bad); break; }
      if (Date.now() - bad > 120_000) { detections.push(Infinity); break; }
      await sleep(10);
    }
  }
  const detectedMs = Math.max(...detections);
  const medianMs = [...detections].sort((a, b) => a - b)[Math.floor(detections.length / 2)];
  await operator.stop();
  return {
    size, converged, detectedMs, medianMs, detections: detections.length, reconcilesPerSecond,
    heapMiB: mib(after.heapUsed - before.heapUsed), rssMiB: mib(after.rss), heapTotalMiB: mib(after.heapUsed),
  };
}

const env = await startKubeEnv();
try {
  await applyObject(env.adminConfig, modelCanaryCrd());
  await waitForCrd(env.adminConfig, CRD_NAME);
  const rows = [];
  for (const size of sizes) {
    const row = await measure(env, size);
    rows.push(row);
    console.error(`measured ${size}: ${JSON.stringify(row)}`);
  }
  console.log(`\noperator benchmark: tick ${values.tick}, concurrency ${concurrency}, real kube-apiserver ${env.server}\n`);
  console.log('| ModelCanaries | created → all at first step | bad metric → weight 0 (median / worst of n) | heap growth | process RSS | steady reconciles/s |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.size} | ${(r.converged / 1000).toFixed(1)} s | ${(r.medianMs / 1000).toFixed(2)} s / ${(r.detectedMs / 1000).toFixed(2)} s (n=${r.detections}) | ${r.heapMiB} MiB | ${r.rssMiB} MiB | ${r.reconcilesPerSecond.toFixed(0)} |`);
  }
} finally {
  await env.stop();
}
