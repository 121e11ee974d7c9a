import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeForbiddenError } from '../kube/errors.js';
import { InferenceService, VirtualService } from '../kube/resources.js';
import { assertAbsent, assertStored, sampleContext, setInferenceServiceReady } from '../kube/testing/controllers.js';
import { startFaultProxy, type ProxyAction } from '../kube/testing/fault-proxy.js';
import { renderInputFrom } from '../render/input.js';
import { renderIstio, renderSplitVirtualService } from '../render/istio.js';
import { kubeSuiteOptions, LIMITED_USER, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { createIstioRouter } from './istio.js';
import { NotReadyError } from './kserve-status.js';

describe('istio router against a real API server', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  before(async () => { env = await startKubeEnv(); });
  after(async () => { await env?.stop(); });

  async function setup(rollout: Record<string, unknown> = {}) {
    const namespace = await env.createNamespace('istio');
    const client = env.client({ namespace });
    const ctx = sampleContext('istio', namespace, rollout);
    const input = renderInputFrom(ctx.canary, ctx);
    return { namespace, client, ctx, input, router: createIstioRouter(client) };
  }

  it('walks a rollout 0 → 20 → 50 → 100 → promoted, never routing to a backend that is not Ready', async () => {
    const { client, ctx, input, router } = await setup();
    await router.ensureVariants(ctx);
    // No route yet: a VirtualService to `sklearn-primary-predictor` before it is Ready answers 503.
    const [primaryIsvc, canaryIsvc, split, primaryRoute, canaryRoute] = renderIstio(input, { primaryStorageUri: input.stableStorageUri, canary: 'running', canaryWeight: 0 });
    await assertStored(client, [primaryIsvc!, canaryIsvc!]);
    for (const route of [split!, primaryRoute!, canaryRoute!]) await assertAbsent(client, VirtualService, route.metadata.name);
    let seen = await router.observe(ctx);
    assert.equal(seen.canaryWeight, null);
    assert.equal(seen.canary.ready, false);
    await assert.rejects(router.setWeight(ctx, 0), NotReadyError, 'no route to a primary that is not Ready');

    await setInferenceServiceReady(client, 'sklearn-primary', true);
    await router.ensureVariants(ctx);
    await assertStored(client, [split!, primaryRoute!]);
    await assertAbsent(client, VirtualService, canaryRoute!.metadata.name);
    assert.equal((await router.observe(ctx)).canaryWeight, 0);

    await assert.rejects(router.setWeight(ctx, 20), NotReadyError, 'no traffic to a canary that is not Ready');
    await setInferenceServiceReady(client, 'sklearn-canary', true);

    for (const weight of [20, 50, 100]) {
      await router.setWeight(ctx, weight);
      await assertStored(client, [renderSplitVirtualService(input, weight), canaryRoute!]);
      seen = await router.observe(ctx);
      assert.equal(seen.canaryWeight, weight);
      assert.equal(seen.promoted, false);
    }

    // Promotion, first tick: the primary takes the canary's version while the canary serves everything.
    await router.promote(ctx);
    const primary = await client.get(InferenceService, 'sklearn-primary');
    assert.equal((primary.spec!.predictor as { model: { storageUri: string } }).model.storageUri, ctx.canaryStorageUri);
    await assertStored(client, [renderSplitVirtualService(input, 100)]);
    seen = await router.observe(ctx);
    assert.equal(seen.primary.ready, false, 'the primary status is for the old generation');
    assert.equal(seen.promoted, false);

    // Ticking again changes nothing until the primary is Ready on the new version.
    await router.promote(ctx);
    await assertStored(client, [renderSplitVirtualService(input, 100)]);

    await setInferenceServiceReady(client, 'sklearn-primary', true);
    await router.promote(ctx);
    await assertStored(client, [renderSplitVirtualService(input, 0, false)]);
    await assertAbsent(client, InferenceService, 'sklearn-canary');
    await assertAbsent(client, VirtualService, 'sklearn-canary-predictor');
    assert.ok(await client.find(VirtualService, 'sklearn-primary-predictor'));
    seen = await router.observe(ctx);
    assert.equal(seen.promoted, true);
    assert.equal(seen.primary.storageUri, ctx.canaryStorageUri);
    await router.promote(ctx); // idempotent once done
    assert.equal((await router.observe(ctx)).promoted, true);
  });

  it('rolls back from 50%: weight 0 first, then the canary goes', async () => {
    const { client, ctx, input, router } = await setup();
    await router.ensureVariants(ctx);
    await setInferenceServiceReady(client, 'sklearn-primary', true);
    await setInferenceServiceReady(client, 'sklearn-canary', true);
    await router.setWeight(ctx, 50);
    await router.rollback(ctx);
    await assertStored(client, [renderSplitVirtualService(input, 0, false)]);
    await assertAbsent(client, InferenceService, 'sklearn-canary');
    const primary = await client.get(InferenceService, 'sklearn-primary');
    assert.equal((primary.spec!.predictor as { model: { storageUri: string } }).model.storageUri, ctx.stableStorageUri);
    const seen = await router.observe(ctx);
    assert.equal(seen.rolledBack, true);
    assert.equal(seen.canaryWeight, 0);
  });

  it('scale-to-zero cleanup keeps the canary InferenceService at minReplicas 0', async () => {
    const { client, ctx, input, router } = await setup({ canaryCleanup: 'scale-to-zero' });
    await router.ensureVariants(ctx);
    await setInferenceServiceReady(client, 'sklearn-primary', true);
    await setInferenceServiceReady(client, 'sklearn-canary', true);
    await router.setWeight(ctx, 20);
    await router.rollback(ctx);
    await assertStored(client, renderIstio(input, { primaryStorageUri: input.stableStorageUri, canary: 'scaled-to-zero', canaryWeight: 0 }));
    assert.equal((await router.observe(ctx)).rolledBack, true);
  });

  it('a conflict (409) in the middle of a step is retried and ends in the intended state', async () => {
    const { namespace, ctx, input } = await setup();
    const admin = env.client({ namespace });
    await createIstioRouter(admin).ensureVariants(ctx);
    await setInferenceServiceReady(admin, 'sklearn-primary', true);
    await setInferenceServiceReady(admin, 'sklearn-canary', true);
    let raced = false;
    const proxy = await startFaultProxy(env.server, async (request): Promise<ProxyAction> => {
      if (!raced && request.method === 'PATCH' && request.path.includes('/virtualservices/sklearn-predictor')) {
        raced = true;
        // Istio writes the route's status between kcanary's read and its write.
        await admin.patchStatus(VirtualService, 'sklearn-predictor', { observedGeneration: 1 });
      }
      return 'forward';
    });
    try {
      await createIstioRouter(env.client({ namespace, server: proxy.url })).setWeight(ctx, 20);
      const patches = proxy.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/virtualservices/sklearn-predictor'));
      assert.equal(patches.length, 2, 'the stale write is refused with 409 and the step runs again');
      await assertStored(admin, [renderSplitVirtualService(input, 20)]);
    } finally {
      await proxy.close();
    }
  });

  it('a dropped connection in the middle of a step is retried and ends in the intended state', async () => {
    const { namespace, ctx, input } = await setup();
    const admin = env.client({ namespace });
    await createIstioRouter(admin).ensureVariants(ctx);
    await setInferenceServiceReady(admin, 'sklearn-primary', true);
    await setInferenceServiceReady(admin, 'sklearn-canary', true);
    let dropped = 0;
    const proxy = await startFaultProxy(env.server, (request) =>
      request.method === 'PATCH' && dropped++ === 0 ? 'drop-response' : 'forward');
    try {
      await createIstioRouter(env.client({ namespace, server: proxy.url })).setWeight(ctx, 50);
      assert.equal(dropped > 1, true, 'the write was sent again after the connection dropped');
      await assertStored(admin, [renderSplitVirtualService(input, 50)]);
    } finally {
      await proxy.close();
    }
  });

  it('a user without permission gets an error naming the verb, resource and namespace', async () => {
    const { namespace, ctx } = await setup();
    const router = createIstioRouter(env.client({ namespace, user: LIMITED_USER }));
    await assert.rejects(router.ensureVariants(ctx), (error: unknown) => {
      assert.ok(error instanceof KubeForbiddenError);
      assert.equal(error.code, 'KCANARY_ERR_FORBIDDEN');
      assert.deepEqual(error.missing, { verb: 'patch', resource: 'inferenceservices.serving.kserve.io', namespace });
      assert.match(error.message, new RegExp(`verb "patch" on resource "inferenceservices.serving.kserve.io" in namespace "${namespace}"`));
      return true;
    });
  });
});
