import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../kube/client.js';
import { InferenceService } from '../kube/resources.js';
import { sampleContext } from '../kube/testing/controllers.js';
import { startKserveController, type KserveController } from '../kube/testing/kserve-controller.js';
import { waitFor } from '../kube/testing/wait-for.js';
import { kubeRequest } from '../operator/apply-objects.js';
import { variantNamesOf } from '../operator/cluster-routers.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { createKserveRawRouter } from './kserve-raw.js';
import type { RouterContext } from './types.js';
import { tickUntil } from './testing/tick-until.js';

type Json = Record<string, unknown>;

async function deployment(client: KubeClient, name: string): Promise<{ uid: string; template: string } | null> {
  try {
    const d = await kubeRequest(client.kubeConfig, 'GET', `/apis/apps/v1/namespaces/${client.namespace}/deployments/${name}`) as { metadata: { uid: string }; spec: { template: unknown } };
    return { uid: d.metadata.uid, template: JSON.stringify(d.spec.template) };
  } catch {
    return null;
  }
}

describe('kserve-raw router against a real API server and KServe\'s controller (stand-in)', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  before(async () => { env = await startKubeEnv(); });
  after(async () => { await env?.stop(); });

  async function setup() {
    const namespace = await env.createNamespace('raw');
    const client = env.client({ namespace });
    const kserve = await startKserveController(client, { readinessDelayMs: 300, intervalMs: 50 });
    const ctx = sampleContext('kserve-raw', namespace);
    return { client, kserve, ctx, router: createKserveRawRouter(client), namespace };
  }

  /** An InferenceService a person created, Ready, before any canary. */
  async function existingStable(client: KubeClient, ctx: RouterContext, kserve: KserveController) {
    await client.apply({
      apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService',
      metadata: { name: 'sklearn', annotations: { 'serving.kserve.io/deploymentMode': 'Standard' } },
      spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: ctx.stableStorageUri } } },
    }, { force: false });
    await waitFor('stable Ready', async () => (await client.get(InferenceService, 'sklearn')).status?.conditions && ((await client.get(InferenceService, 'sklearn')).status!.conditions as Json[]).some((c) => c.type === 'Ready' && c.status === 'True'), { context: () => kserve.lastError?.message ?? '' });
  }

  it('leaves Pending on KServe\'s conditions, not on observedGeneration, and queries the Services KServe names', async () => {
    const { client, kserve, ctx, router, namespace } = await setup();
    try {
      await existingStable(client, ctx, kserve);
      let seen = await tickUntil('both Ready', router, ctx, () => router.ensureVariants(ctx), (o) => o.primary.ready && o.canary.ready, kserve);
      const isvc = await client.get(InferenceService, 'sklearn');
      assert.ok((isvc.status!.observedGeneration as number) < isvc.metadata.generation!, 'KServe copies the stable Deployment\'s observedGeneration: behind the InferenceService\'s');
      assert.equal(seen.canaryWeight, 0);
      for (const weight of [20, 50]) {
        seen = await tickUntil(`${weight}%`, router, ctx, () => router.setWeight(ctx, weight), (o) => o.canaryWeight === weight, kserve);
      }
      // The names kcanary queries are the backends KServe routes to.
      const route = await kubeRequest(client.kubeConfig, 'GET', `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/httproutes/sklearn`) as { spec: { rules: { backendRefs: { name: string; weight: number }[] }[] } };
      const backends = route.spec.rules[0]!.backendRefs;
      assert.deepEqual(backends.map((b) => b.weight), [50, 50]);
      const names = variantNamesOf(ctx, seen);
      assert.deepEqual([names.primary, names.canary], backends.map((b) => b.name));
      assert.equal(names.primary, 'sklearn-predictor');
      assert.match(names.canary, /^sklearn-v[0-9a-f]{8}-predictor$/);
      assert.deepEqual(variantNamesOf(ctx, undefined), names, 'derived the same way before the first observation');
    } finally {
      await kserve.stop();
    }
  });

  it('starting, walking and promoting a canary never replaces the stable pods until the canary serves 100%', async () => {
    const { client, kserve, ctx, router } = await setup();
    try {
      await existingStable(client, ctx, kserve);
      const stable = await deployment(client, 'sklearn-predictor');
      assert.ok(stable);
      await tickUntil('both Ready', router, ctx, () => router.ensureVariants(ctx), (o) => o.primary.ready && o.canary.ready, kserve);
      const canaryDeployment = (await router.observe(ctx)).canary.metricsName!;
      for (const weight of [20, 100]) await tickUntil(`${weight}%`, router, ctx, () => router.setWeight(ctx, weight), (o) => o.canaryWeight === weight, kserve);
      assert.deepEqual(await deployment(client, 'sklearn-predictor'), stable, 'the stable Deployment is the same object with the same pods');
      assert.ok(!kserve.events.some((e) => e.name === 'sklearn-predictor' && e.kind !== 'deployment-created'), JSON.stringify(kserve.events.filter((e) => e.kind !== 'status-written')));
      const canaryBefore = await deployment(client, canaryDeployment);

      const seen = await tickUntil('promoted', router, ctx, () => router.promote(ctx), (o) => o.promoted, kserve);
      assert.equal(seen.primary.metricsName, canaryDeployment, 'the canary\'s Service is the stable one now');
      assert.equal((await deployment(client, canaryDeployment))?.uid, canaryBefore?.uid, 'KServe kept the canary\'s Deployment as the stable one');
      assert.equal((await deployment(client, canaryDeployment))?.template, canaryBefore?.template, 'without restarting its pods');
      await waitFor('old stable deleted', async () => (await deployment(client, 'sklearn-predictor')) === null);
    } finally {
      await kserve.stop();
    }
  });

  it('rolls back: 0% first, the entry goes once 0% is in force; the stable pods are untouched', async () => {
    const { client, kserve, ctx, router } = await setup();
    try {
      await existingStable(client, ctx, kserve);
      const stable = await deployment(client, 'sklearn-predictor');
      await tickUntil('both Ready', router, ctx, () => router.ensureVariants(ctx), (o) => o.primary.ready && o.canary.ready, kserve);
      await tickUntil('50%', router, ctx, () => router.setWeight(ctx, 50), (o) => o.canaryWeight === 50, kserve);
      const canaryDeployment = (await router.observe(ctx)).canary.metricsName!;
      await tickUntil('rolled back', router, ctx, async () => { await router.setWeight(ctx, 0); await router.rollback(ctx); }, (o) => o.rolledBack && o.canaryWeight === 0, kserve);
      const isvc = await client.get(InferenceService, 'sklearn');
      assert.equal((isvc.spec as { canary?: unknown }).canary, undefined);
      assert.deepEqual(await deployment(client, 'sklearn-predictor'), stable);
      await waitFor('canary Deployment deleted', async () => (await deployment(client, canaryDeployment)) === null);
    } finally {
      await kserve.stop();
    }
  });
});
