/**
 * For the operator's tests and benchmark: KServe's part (marking
 * InferenceServices Ready for the generation they are at, as its controller
 * would), traffic as Istio's sidecars would count it, and ModelCanary objects.
 */
import type { KubeClient } from '../../kube/client.js';
import { InferenceService, ModelCanaryResource, VirtualService, type KubeObject } from '../../kube/resources.js';
import { setInferenceServiceReady } from '../../kube/testing/controllers.js';
import type { MetricsTarget } from '../../metrics/prometheus-test-server.js';
import { virtualServiceWeight } from '../../routers/istio.js';
import { renderInputFrom } from '../../render/input.js';
import { parseModelCanary } from '../../core/validate.js';

/** Marks every InferenceService of the namespaces Ready once it is at a new generation. */
export function readyEverything(clients: () => readonly KubeClient[], periodMs = 100): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const client of clients()) {
        try {
          for (const isvc of await client.list(InferenceService)) {
            const status = isvc.status as { observedGeneration?: number } | undefined;
            if (status?.observedGeneration !== isvc.metadata.generation) await setInferenceServiceReady(client, isvc.metadata.name, true);
          }
        } catch { /* an object deleted meanwhile: next round */ }
      }
      await new Promise((r) => setTimeout(r, periodMs));
    }
  })();
  return { async stop() { stopped = true; await loop; } };
}

export interface VariantTraffic {
  readonly namespace: string;
  readonly service: string;
  /** Requests per second and the share answered 5xx. */
  rate: number;
  errorRatio: number;
  /** Latency bucket (ms `le`) every request lands in. */
  latencyLe: string;
}

const LE = ['5', '10', '25', '50', '100', '250', '500', '1000', '2500', '+Inf'];

/** Istio's request counters and latency histogram for each variant, growing every `periodMs`. */
export function generateTraffic(target: MetricsTarget, variants: VariantTraffic[], periodMs = 100): { stop(): void; add(v: VariantTraffic): void } {
  const totals = new Map<string, { ok: number; failed: number; buckets: number[] }>();
  const tick = () => {
    for (const v of variants) {
      const key = `${v.namespace}/${v.service}`;
      const t = totals.get(key) ?? { ok: 0, failed: 0, buckets: LE.map(() => 0) };
      const n = (v.rate * periodMs) / 1000;
      const failed = n * v.errorRatio;
      t.ok += n - failed;
      t.failed += failed;
      const index = LE.indexOf(v.latencyLe);
      t.buckets = t.buckets.map((count, i) => (i >= index ? count + n : count));
      totals.set(key, t);
      const labels = { reporter: 'destination', destination_service_namespace: v.namespace, destination_service_name: v.service };
      target.set('istio_requests_total', { ...labels, response_code: '200' }, t.ok);
      target.set('istio_requests_total', { ...labels, response_code: '503' }, t.failed);
      target.setHistogram('istio_request_duration_milliseconds', labels, LE.map((le, i) => [le, t.buckets[i]!]));
    }
  };
  tick();
  const timer = setInterval(tick, periodMs);
  return { stop: () => clearInterval(timer), add: (v) => { variants.push(v); tick(); } };
}

/** An istio ModelCanary document judged on Prometheus data (by the threshold judge unless told). */
export function modelCanaryDocument(name: string, namespace: string, overrides: { steps?: number[]; interval?: string; failureLimit?: number; prometheus?: string; canaryUri?: string; judge?: 'sequential' | 'threshold' } = {}): KubeObject {
  return {
    apiVersion: `${ModelCanaryResource.group}/${ModelCanaryResource.version}`,
    kind: ModelCanaryResource.kind,
    metadata: { name, namespace },
    spec: {
      router: 'istio',
      predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'gs://models/sklearn/1' } },
      canary: { storageUri: overrides.canaryUri ?? 'gs://models/sklearn/2' },
      rollout: { steps: overrides.steps ?? [50, 100], interval: overrides.interval ?? '1s', progressDeadline: '1m' },
      analysis: {
        judge: overrides.judge ?? 'threshold', minRequests: 5, failureLimit: overrides.failureLimit ?? 0, inconclusiveLimit: 100,
        metrics: [{ name: 'error-rate', max: 5 }, { name: 'latency-p99', max: '500ms' }],
        ...(overrides.prometheus ? { prometheus: { address: overrides.prometheus } } : {}),
      },
      ingress: { domain: 'example.com', gateways: ['istio-system/kcanary-gateway'] },
    },
  };
}

/** The canary weight in the public VirtualService as stored (null: none). */
export async function storedWeight(client: KubeClient, document: KubeObject): Promise<number | null> {
  const canary = parseModelCanary(document).canary;
  const input = renderInputFrom(canary, { stableStorageUri: canary.spec.predictor.model.storageUri, canaryStorageUri: canary.spec.canary.storageUri }, client.namespace);
  const vs = await client.find(VirtualService, `${input.name}-predictor`);
  return virtualServiceWeight(vs, input).weight;
}
