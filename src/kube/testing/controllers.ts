/**
 * Status writes in the shape KServe's and the gateways' controllers write
 * them, through the status subresource, for tests against an API server
 * that runs no controllers. Also helpers to read back what a router applied.
 */
import assert from 'node:assert/strict';
import { parseModelCanary } from '../../core/validate.js';
import type { ModelCanary } from '../../core/spec.js';
import type { KubeClient } from '../client.js';
import { InferenceService, typeOf, type KubeObject, type ResourceType } from '../resources.js';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function condition(type: string, ready: boolean, message?: string) {
  return { type, status: ready ? 'True' : 'False', lastTransitionTime: now(), ...(message ? { reason: 'NotReady', message } : {}) };
}

/** KServe marks an InferenceService (not) Ready for the generation it acted on. */
export async function setInferenceServiceReady(client: KubeClient, name: string, ready: boolean, extra: Record<string, unknown> = {}): Promise<KubeObject> {
  const isvc = await client.get(InferenceService, name);
  return client.patchStatus(InferenceService, name, {
    observedGeneration: isvc.metadata.generation,
    conditions: [condition('PredictorReady', ready, ready ? undefined : 'pods not ready'), condition('Ready', ready, ready ? undefined : 'pods not ready')],
    url: `http://${name}.${client.namespace}.example.com`,
    ...extra,
  });
}

/** The spec of each object as the server holds it equals the rendered one (labels and annotations included). */
export async function assertStored(client: KubeClient, expected: readonly KubeObject[]): Promise<void> {
  for (const object of expected) {
    const type = typeOf(object) as ResourceType;
    const stored = await client.get(type, object.metadata.name);
    assert.deepEqual(stored.spec, object.spec, `${object.kind} ${object.metadata.name}: stored spec`);
    assert.deepEqual(stored.metadata.labels, object.metadata.labels, `${object.kind} ${object.metadata.name}: labels`);
    assert.deepEqual(stored.metadata.annotations ?? {}, object.metadata.annotations ?? {}, `${object.kind} ${object.metadata.name}: annotations`);
  }
}

export async function assertAbsent(client: KubeClient, type: ResourceType, name: string): Promise<void> {
  assert.equal(await client.find(type, name), null, `${type.kind} ${name} must be gone`);
}

/** The ModelCanary of DESIGN.md in a given namespace, for a given router. */
export function sampleModelCanary(router: string, namespace: string, rollout: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): ModelCanary {
  return parseModelCanary({
    apiVersion: 'kcanary.io/v1alpha1',
    kind: 'ModelCanary',
    metadata: { name: 'sklearn', namespace },
    spec: {
      router,
      predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'gs://kfserving-examples/models/sklearn/1.0/model' } },
      canary: { storageUri: 'gs://kfserving-examples/models/sklearn/1.0/model-2' },
      rollout,
      ingress: { domain: 'example.com', gateways: ['istio-system/kcanary-gateway'], parentRefs: [{ name: 'kserve-ingress-gateway', namespace: 'kserve' }] },
      ...spec,
    },
  }).canary;
}

export function sampleContext(router: string, namespace: string, rollout: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  const canary = sampleModelCanary(router, namespace, rollout, spec);
  return { canary, stableStorageUri: canary.spec.predictor.model.storageUri, canaryStorageUri: canary.spec.canary.storageUri };
}
