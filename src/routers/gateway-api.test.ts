import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../kube/client.js';
import { HTTPRoute, InferenceService } from '../kube/resources.js';
import { assertAbsent, assertStored, sampleContext, setInferenceServiceReady } from '../kube/testing/controllers.js';
import { renderGatewayApi, renderHttpRoute } from '../render/gateway-api.js';
import { renderInputFrom } from '../render/input.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { createGatewayApiRouter } from './gateway-api.js';
import { NotReadyError } from './kserve-status.js';

/** The gateway controller accepts the route's current generation for its parent, as Gateway API implementations report it. */
async function acceptRoute(client: KubeClient, resolved = true): Promise<void> {
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const generation = (await client.get(HTTPRoute, 'sklearn-predictor')).metadata.generation;
  await client.patchStatus(HTTPRoute, 'sklearn-predictor', {
    parents: [{
      parentRef: { name: 'kserve-ingress-gateway', namespace: 'kserve' },
      controllerName: 'example.com/gateway-controller',
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route is accepted', observedGeneration: generation, lastTransitionTime: at },
        resolved
          ? { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references resolved', observedGeneration: generation, lastTransitionTime: at }
          : { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: 'Service sklearn-canary-predictor not found', observedGeneration: generation, lastTransitionTime: at },
      ],
    }],
  });
}

describe('gateway-api router against a real API server', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  before(async () => { env = await startKubeEnv(); });
  after(async () => { await env?.stop(); });

  async function setup() {
    const namespace = await env.createNamespace('gwapi');
    const client = env.client({ namespace });
    const ctx = sampleContext('gateway-api', namespace);
    return { client, ctx, input: renderInputFrom(ctx.canary, ctx), router: createGatewayApiRouter(client) };
  }

  it('walks a rollout 0 → 20 → 50 → 100 → promoted; weights count only once a gateway accepted the route', async () => {
    const { client, ctx, input, router } = await setup();
    await router.ensureVariants(ctx);
    const [primaryIsvc, canaryIsvc, split, primaryRoute, canaryRoute] = renderGatewayApi(input, { primaryStorageUri: input.stableStorageUri, canary: 'running', canaryWeight: 0 });
    assert.deepEqual([primaryRoute!.metadata.name, canaryRoute!.metadata.name], ['sklearn-primary-kcanary', 'sklearn-canary-kcanary']);
    await assertStored(client, [primaryIsvc!, canaryIsvc!]);
    for (const route of [split!, primaryRoute!, canaryRoute!]) await assertAbsent(client, HTTPRoute, route.metadata.name);

    await setInferenceServiceReady(client, 'sklearn-primary', true);
    await router.ensureVariants(ctx);
    await assertStored(client, [split!, primaryRoute!]);
    let seen = await router.observe(ctx);
    assert.equal(seen.canaryWeight, null, 'not accepted by a gateway: no weight is in force');
    assert.equal(seen.canaryWeightMessage, 'HTTPRoute sklearn-predictor: waiting for a gateway (kserve/kserve-ingress-gateway) to report Accepted and ResolvedRefs');

    await acceptRoute(client, false);
    assert.equal((await router.observe(ctx)).canaryWeightMessage,
      'HTTPRoute sklearn-predictor: waiting for a gateway to accept it and resolve its backends (kserve/kserve-ingress-gateway: ResolvedRefs=False (BackendNotFound): Service sklearn-canary-predictor not found)');
    await acceptRoute(client);
    assert.equal((await router.observe(ctx)).canaryWeight, 0);
    await assert.rejects(router.setWeight(ctx, 20), NotReadyError);
    await setInferenceServiceReady(client, 'sklearn-canary', true);

    for (const weight of [20, 50, 100]) {
      await router.setWeight(ctx, weight);
      await assertStored(client, [renderHttpRoute(input, weight), canaryRoute!]);
      seen = await router.observe(ctx);
      assert.equal(seen.canaryWeight, null, 'the gateway has not acted on the new generation yet');
      assert.match(seen.canaryWeightMessage ?? '', /Accepted is for generation \d+, waiting for \d+/);
      await acceptRoute(client);
      seen = await router.observe(ctx);
      assert.equal(seen.canaryWeight, weight);
    }

    await router.promote(ctx);
    const primary = await client.get(InferenceService, 'sklearn-primary');
    assert.equal((primary.spec!.predictor as { model: { storageUri: string } }).model.storageUri, ctx.canaryStorageUri);
    await assertStored(client, [renderHttpRoute(input, 100)]);
    assert.equal((await router.observe(ctx)).promoted, false);

    await setInferenceServiceReady(client, 'sklearn-primary', true);
    await router.promote(ctx);
    await assertStored(client, [renderHttpRoute(input, 0, false)]);
    await acceptRoute(client);
    await router.promote(ctx);
    await assertAbsent(client, InferenceService, 'sklearn-canary');
    await assertAbsent(client, HTTPRoute, 'sklearn-canary-kcanary');
    seen = await router.observe(ctx);
    assert.equal(seen.promoted, true);
    assert.equal(seen.canaryWeight, 0);
  });

  it('rolls back from 20%: weight 0 first, then the canary goes', async () => {
    const { client, ctx, input, router } = await setup();
    await router.ensureVariants(ctx);
    await setInferenceServiceReady(client, 'sklearn-primary', true);
    await setInferenceServiceReady(client, 'sklearn-canary', true);
    await router.setWeight(ctx, 20);
    await acceptRoute(client);

    // While the primary is not Ready, rollback waits rather than send it all the traffic.
    await setInferenceServiceReady(client, 'sklearn-primary', false);
    await router.rollback(ctx);
    await assertStored(client, [renderHttpRoute(input, 20)]);
    assert.equal((await router.observe(ctx)).rolledBack, false);

    await setInferenceServiceReady(client, 'sklearn-primary', true);
    await router.rollback(ctx);
    await assertStored(client, [renderHttpRoute(input, 0, false)]);
    assert.ok(await client.find(InferenceService, 'sklearn-canary'), 'the canary stays until the gateway has taken the 0% in');
    await acceptRoute(client);
    await router.rollback(ctx);
    await assertAbsent(client, InferenceService, 'sklearn-canary');
    await assertAbsent(client, HTTPRoute, 'sklearn-canary-kcanary');
    assert.equal((await router.observe(ctx)).rolledBack, true);
  });
});
