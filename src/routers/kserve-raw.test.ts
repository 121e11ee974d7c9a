import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../kube/client.js';
import { assertStored, sampleContext, setInferenceServiceReady } from '../kube/testing/controllers.js';
import { renderInputFrom } from '../render/input.js';
import { predictorName, renderKserveRaw } from '../render/kserve-raw.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { NotReadyError } from './kserve-status.js';
import { createKserveRawRouter } from './kserve-raw.js';

/** What KServe (≥ 0.20, Standard mode) writes for an InferenceService with spec.canary[]. */
async function writeRawStatus(client: KubeClient, canaryStatuses: { name: string; ready: boolean; trafficPercent: number }[], primaryReady = true) {
  await setInferenceServiceReady(client, 'sklearn', primaryReady, { deploymentMode: 'Standard', canaryStatuses });
}

describe('kserve-raw router against a real API server', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  before(async () => { env = await startKubeEnv(); });
  after(async () => { await env?.stop(); });

  async function deployed() {
    const namespace = await env.createNamespace('raw');
    const client = env.client({ namespace });
    const ctx = sampleContext('kserve-raw', namespace);
    const input = renderInputFrom(ctx.canary, ctx);
    const router = createKserveRawRouter(client);
    await router.ensureVariants(ctx);
    const at = (weight: number) => renderKserveRaw(input, { primaryStorageUri: ctx.stableStorageUri, canary: { storageUri: ctx.canaryStorageUri, trafficPercent: weight } });
    await assertStored(client, at(0));
    const canaryName = predictorName(input, 'canary', ctx.canaryStorageUri);
    return { client, ctx, input, router, at, canaryName };
  }

  it('walks a rollout 0 → 20 → 50 → 100 → promoted with spec.canary[]', async () => {
    const { client, ctx, input, router, at, canaryName } = await deployed();
    await writeRawStatus(client, [{ name: canaryName, ready: false, trafficPercent: 0 }]);
    let seen = await router.observe(ctx);
    assert.equal(seen.canaryWeight, 0);
    assert.equal(seen.canary.ready, false);
    await assert.rejects(router.setWeight(ctx, 20), NotReadyError);

    for (const weight of [20, 50, 100]) {
      await writeRawStatus(client, [{ name: canaryName, ready: true, trafficPercent: weight === 20 ? 0 : weight === 50 ? 20 : 50 }]);
      await router.setWeight(ctx, weight);
      await assertStored(client, at(weight));
      assert.equal((await router.observe(ctx)).canaryWeight, null, 'unknown until KServe acts on the new generation');
      await writeRawStatus(client, [{ name: canaryName, ready: true, trafficPercent: weight }]);
      seen = await router.observe(ctx);
      assert.equal(seen.canaryWeight, weight);
    }

    await router.promote(ctx);
    const promoted = renderKserveRaw(input, { primaryStorageUri: ctx.canaryStorageUri, canary: null });
    await assertStored(client, promoted);
    assert.equal((promoted[0]!.spec!.predictor as { name: string }).name, canaryName, 'the primary takes the canary predictor name');
    assert.equal((await router.observe(ctx)).promoted, false);
    await writeRawStatus(client, []);
    seen = await router.observe(ctx);
    assert.equal(seen.promoted, true);
    assert.equal(seen.canaryWeight, 0);
  });

  it('rolls back: 0% first, the entry goes once 0% is in force', async () => {
    const { client, ctx, input, router, at, canaryName } = await deployed();
    await writeRawStatus(client, [{ name: canaryName, ready: true, trafficPercent: 0 }]);
    await router.setWeight(ctx, 50);
    await writeRawStatus(client, [{ name: canaryName, ready: true, trafficPercent: 50 }]);

    await router.rollback(ctx);
    await assertStored(client, at(0));
    await router.rollback(ctx); // 0% not reported yet: the entry stays
    await assertStored(client, at(0));
    await writeRawStatus(client, [{ name: canaryName, ready: true, trafficPercent: 0 }]);
    await router.rollback(ctx);
    await assertStored(client, renderKserveRaw(input, { primaryStorageUri: ctx.stableStorageUri, canary: null }));
    await writeRawStatus(client, []);
    assert.equal((await router.observe(ctx)).rolledBack, true);
  });
});
