import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kubeRequest } from '../../operator/apply-objects.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../../testing/kube-env.js';
import type { KubeClient } from '../client.js';
import { InferenceService, type KubeObject } from '../resources.js';
import { startKserveController, type KserveController } from './kserve-controller.js';
import { waitFor as waitUntil } from './wait-for.js';

const V1 = 'gs://models/fraud/v1';
const V2 = 'gs://models/fraud/v2';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reading deep status JSON in assertions
type Json = Record<string, any>;

let controllerError: () => Error | undefined = () => undefined;

const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false | 0>, timeoutMs = 10_000) =>
  waitUntil(what, probe, { timeoutMs, context: () => (controllerError() ? `controller: ${controllerError()!.message}` : '') });

const condition = (isvc: KubeObject, type: string) => ((isvc.status?.conditions as Json[] | undefined) ?? []).find((c) => c.type === type);

function isvc(name: string, mode: string, predictor: Json, extra: Json = {}): KubeObject {
  return {
    apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService',
    metadata: { name, annotations: { 'serving.kserve.io/deploymentMode': mode, ...(mode === 'Serverless' || mode === 'Knative' ? { 'serving.kserve.io/enable-tag-routing': 'true' } : {}) } },
    spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: V1 }, ...predictor }, ...extra },
  };
}

describe('KServe stand-in controller against a real API server', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  before(async () => { env = await startKubeEnv(); });
  after(async () => { await env?.stop(); });

  async function started(prefix: string, options: Parameters<typeof startKserveController>[1] = {}): Promise<{ client: KubeClient; kserve: KserveController; namespace: string }> {
    const namespace = await env.createNamespace(prefix);
    const client = env.client({ namespace });
    const kserve = await startKserveController(client, { readinessDelayMs: 400, intervalMs: 50, ...options });
    controllerError = () => kserve.lastError;
    return { client, kserve, namespace };
  }

  it('Knative mode: revisions, canary traffic targets, no previous target at 100%, rollback to the previous rolled-out revision', async () => {
    const { client, kserve } = await started('kn');
    try {
      await client.apply(isvc('fraud', 'Serverless', {}));
      let seen = await waitFor('revision 1 rolled out', async () => {
        const o = await client.get(InferenceService, 'fraud');
        return (o.status?.components as Json | undefined)?.predictor?.latestRolledoutRevision === 'fraud-predictor-00001' && condition(o, 'Ready')?.status === 'True' && o;
      });
      assert.equal(seen.status!.deploymentMode, 'Knative', 'the legacy name is normalized');
      assert.deepEqual((seen.status!.components as Json).predictor.traffic, [{ tag: 'latest', revisionName: 'fraud-predictor-00001', latestRevision: true, percent: 100, url: `http://latest-fraud-predictor.${client.namespace}.example.com` }]);

      await client.apply(isvc('fraud', 'Serverless', { model: { modelFormat: { name: 'sklearn' }, storageUri: V2 }, canaryTrafficPercent: 20 }));
      seen = await waitFor('revision 2 created', async () => {
        const o = await client.get(InferenceService, 'fraud');
        return (o.status?.components as Json | undefined)?.predictor?.latestCreatedRevision === 'fraud-predictor-00002' && o;
      });
      const pending = (seen.status!.components as Json).predictor;
      if (pending.latestReadyRevision === 'fraud-predictor-00001' && pending.traffic.length === 2) {
        // Before revision 2 is Ready, `latestRevision: true` still resolves to revision 1.
        assert.deepEqual(pending.traffic.map((t: Json) => [t.revisionName, t.percent]), [['fraud-predictor-00001', 20], ['fraud-predictor-00001', 80]]);
        assert.equal(condition(seen, 'PredictorReady')?.status, 'Unknown');
      }
      seen = await waitFor('20% on revision 2', async () => {
        const o = await client.get(InferenceService, 'fraud');
        const t = (o.status?.components as Json | undefined)?.predictor?.traffic as Json[] | undefined;
        return t?.[0]?.revisionName === 'fraud-predictor-00002' && o;
      });
      assert.deepEqual((seen.status!.components as Json).predictor.traffic.map((t: Json) => [t.revisionName, t.percent, t.latestRevision, t.tag]),
        [['fraud-predictor-00002', 20, true, 'latest'], ['fraud-predictor-00001', 80, false, 'prev']]);

      await client.apply(isvc('fraud', 'Serverless', { model: { modelFormat: { name: 'sklearn' }, storageUri: V2 }, canaryTrafficPercent: 100 }));
      seen = await waitFor('100% on revision 2', async () => {
        const o = await client.get(InferenceService, 'fraud');
        const t = (o.status?.components as Json | undefined)?.predictor?.traffic as Json[] | undefined;
        return t?.length === 1 && o;
      });
      const at100 = (seen.status!.components as Json).predictor;
      assert.deepEqual(at100.traffic.map((t: Json) => [t.revisionName, t.percent]), [['fraud-predictor-00002', 100]], 'KServe writes no previous-revision target at 100%');
      assert.equal(at100.latestRolledoutRevision, 'fraud-predictor-00002', 'at 100% the new revision counts as rolled out');
      assert.equal(at100.previousRolledoutRevision, 'fraud-predictor-00001');

      // Promotion: the field goes, the Knative Service does not change, so its generation (copied as observedGeneration) stays behind.
      await client.apply(isvc('fraud', 'Serverless', { model: { modelFormat: { name: 'sklearn' }, storageUri: V2 } }));
      await kserve.reconcileOnce();
      await kserve.reconcileOnce();
      seen = await client.get(InferenceService, 'fraud');
      assert.equal(seen.metadata.generation, 4);
      assert.equal(seen.status!.observedGeneration, 3, 'observedGeneration is the Knative Service\'s, not the InferenceService\'s');
      assert.equal(condition(seen, 'Ready')?.status, 'True');

      await client.apply(isvc('fraud', 'Serverless', { model: { modelFormat: { name: 'sklearn' }, storageUri: V2 }, canaryTrafficPercent: 0 }));
      seen = await waitFor('back on revision 1', async () => {
        const o = await client.get(InferenceService, 'fraud');
        const t = (o.status?.components as Json | undefined)?.predictor?.traffic as Json[] | undefined;
        return t?.some((x) => x.revisionName === 'fraud-predictor-00001' && x.percent === 100) && o;
      });
      assert.equal((seen.status!.components as Json).predictor.latestRolledoutRevision, 'fraud-predictor-00001');
      assert.deepEqual(kserve.events.filter((e) => e.kind === 'revision-created').map((e) => e.name), ['fraud-predictor-00001', 'fraud-predictor-00002']);
    } finally {
      await kserve.stop();
    }
  });

  it('Standard mode: real Deployments, observedGeneration copied from the Deployment, canaries and their statuses', async () => {
    const { client, kserve, namespace } = await started('raw');
    try {
      await client.apply(isvc('fraud', 'Standard', {}));
      let seen = await waitFor('Ready', async () => { const o = await client.get(InferenceService, 'fraud'); return condition(o, 'Ready')?.status === 'True' && o; });
      assert.equal(condition(seen, 'PredictorReady')?.reason, 'NewReplicaSetAvailable');
      const stable = await kubeRequest(client.kubeConfig, 'GET', `/apis/apps/v1/namespaces/${namespace}/deployments/fraud-predictor`) as Json;
      assert.equal(stable.spec.template.metadata.annotations['internal.serving.kserve.io/storage-initializer-sourceuri'], V1);

      const canary = { predictor: { name: 'v2', model: { name: 'kserve-container', modelFormat: { name: 'sklearn' }, storageUri: V2 } }, trafficPercent: 10 };
      await client.apply(isvc('fraud', 'Standard', {}, { canary: [canary] }));
      seen = await waitFor('canary reported', async () => { const o = await client.get(InferenceService, 'fraud'); return (o.status?.canaryStatuses as Json[] | undefined)?.length && o; });
      assert.equal(seen.metadata.generation, 2);
      assert.equal(seen.status!.observedGeneration, 1, 'copied from the stable Deployment, which did not change');
      // The first status KServe wrote for the canary: its Deployment has no available replicas yet.
      const first = kserve.events.find((e) => e.kind === 'status-written' && Array.isArray(e.status.canaryStatuses)) as { status: Json } | undefined;
      assert.deepEqual(first?.status.canaryStatuses, [{ name: 'v2', ready: false, trafficPercent: 10 }]);
      assert.equal((first?.status.conditions as Json[]).find((c) => c.type === 'CanaryPredictorReady')?.reason, 'CanariesNotReady');
      seen = await waitFor('canary Ready', async () => { const o = await client.get(InferenceService, 'fraud'); return condition(o, 'CanaryPredictorReady')?.status === 'True' && o; });
      assert.equal(condition(seen, 'CanaryPredictorReady')?.reason, 'AllCanariesReady');
      const route = await waitFor('weighted route', async () => {
        const r = await kubeRequest(client.kubeConfig, 'GET', `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/httproutes/fraud`) as Json;
        return r.spec.rules[0].backendRefs.length === 2 && r;
      });
      assert.deepEqual(route.spec.rules[0].backendRefs.map((b: Json) => [b.name, b.weight]), [['fraud-predictor', 90], ['fraud-v2-predictor', 10]]);

      // Naming the stable predictor renames its Deployment: KServe creates a new one and deletes the old.
      await client.apply(isvc('fraud', 'Standard', { name: 'v1' }, { canary: [canary] }));
      await waitFor('old stable Deployment deleted', async () => kserve.events.some((e) => e.kind === 'deployment-deleted' && e.name === 'fraud-predictor'));
      assert.ok(kserve.events.some((e) => e.kind === 'deployment-created' && e.name === 'fraud-v1-predictor'));
      const renamed = kserve.events.findIndex((e) => e.kind === 'deployment-created' && e.name === 'fraud-v1-predictor');
      const next = await waitFor('the status after the rename', async () => kserve.events.slice(renamed).find((e) => e.kind === 'status-written') as { status: Json } | undefined);
      assert.notEqual((next?.status.conditions as Json[]).find((c) => c.type === 'PredictorReady')?.status, 'True', 'the renamed stable Deployment has no Ready pods yet');
    } finally {
      await kserve.stop();
    }
  });

  it('KServe before 0.16 knows only Serverless and RawDeployment: "Standard" falls to the default mode', async () => {
    const { client, kserve } = await started('legacy', { version: '0.15' });
    try {
      await client.apply(isvc('fraud', 'Standard', {}));
      const seen = await waitFor('status', async () => { const o = await client.get(InferenceService, 'fraud'); return o.status?.deploymentMode !== undefined && o; });
      assert.equal(seen.status!.deploymentMode, 'Serverless');
      await client.apply({ ...isvc('other', 'RawDeployment', {}) });
      const raw = await waitFor('status', async () => { const o = await client.get(InferenceService, 'other'); return o.status?.deploymentMode !== undefined && o; });
      assert.equal(raw.status!.deploymentMode, 'RawDeployment');
    } finally {
      await kserve.stop();
    }
  });
});
