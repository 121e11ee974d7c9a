import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../kube/client.js';
import { InferenceService } from '../kube/resources.js';
import { assertStored, sampleContext, setInferenceServiceReady } from '../kube/testing/controllers.js';
import { renderInputFrom } from '../render/input.js';
import { renderKnative } from '../render/knative.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { createKnativeRouter } from './knative.js';
import { NotReadyError } from './kserve-status.js';

const rev = (n: number) => `sklearn-predictor-0000${n}`;

/** What KServe's Serverless reconciler writes: revisions and the split Knative has in force. */
async function writeKnativeStatus(client: KubeClient, s: { created: number; ready: number; traffic: [number, number, boolean][]; rolledOut: number; previous?: number }) {
  await setInferenceServiceReady(client, 'sklearn', true, {
    components: {
      predictor: {
        latestCreatedRevision: rev(s.created),
        latestReadyRevision: rev(s.ready),
        latestRolledoutRevision: rev(s.rolledOut),
        ...(s.previous ? { previousRolledoutRevision: rev(s.previous) } : {}),
        traffic: s.traffic.map(([n, percent, latest]) => ({
          revisionName: rev(n), percent, latestRevision: latest, tag: latest ? 'latest' : 'prev',
          url: `http://${latest ? 'latest' : 'prev'}-sklearn-predictor.${client.namespace}.example.com`,
        })),
      },
    },
  });
}

describe('knative router against a real API server', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  before(async () => { env = await startKubeEnv(); });
  after(async () => { await env?.stop(); });

  /** The stable version rolled out as revision 1, then the canary deployed as revision 2 at 0%. */
  async function deployed() {
    const namespace = await env.createNamespace('knative');
    const client = env.client({ namespace });
    const ctx = sampleContext('knative', namespace);
    const input = renderInputFrom(ctx.canary, ctx);
    const router = createKnativeRouter(client);
    await router.ensureVariants(ctx);
    await assertStored(client, renderKnative(input, { storageUri: ctx.stableStorageUri }));
    await writeKnativeStatus(client, { created: 1, ready: 1, rolledOut: 1, traffic: [[1, 100, true]] });
    await router.ensureVariants(ctx);
    await assertStored(client, renderKnative(input, { storageUri: ctx.canaryStorageUri, canaryTrafficPercent: 0 }));
    await writeKnativeStatus(client, { created: 2, ready: 1, rolledOut: 1, previous: 1, traffic: [[1, 100, false], [2, 0, true]] });
    return { client, ctx, input, router };
  }

  it('walks a rollout 0 → 20 → 50 → 100 → promoted with canaryTrafficPercent', async () => {
    const { client, ctx, input, router } = await deployed();
    let seen = await router.observe(ctx);
    assert.equal(seen.canaryWeight, 0);
    assert.equal(seen.canary.ready, false);
    await assert.rejects(router.setWeight(ctx, 20), NotReadyError);

    await writeKnativeStatus(client, { created: 2, ready: 2, rolledOut: 1, previous: 1, traffic: [[1, 100, false], [2, 0, true]] });
    for (const weight of [20, 50, 100]) {
      await router.setWeight(ctx, weight);
      await assertStored(client, renderKnative(input, { storageUri: ctx.canaryStorageUri, canaryTrafficPercent: weight }));
      assert.equal((await router.observe(ctx)).canaryWeight, null, 'unknown until KServe acts on the new generation');
      await writeKnativeStatus(client, { created: 2, ready: 2, rolledOut: 1, previous: 1, traffic: [[1, 100 - weight, false], [2, weight, true]] });
      seen = await router.observe(ctx);
      assert.equal(seen.canaryWeight, weight);
      assert.equal(seen.primary.revision, rev(1));
      assert.equal(seen.canary.revision, rev(2));
    }

    await router.promote(ctx);
    await assertStored(client, renderKnative(input, { storageUri: ctx.canaryStorageUri }));
    assert.equal((await router.observe(ctx)).promoted, false, 'not until KServe reports the revision rolled out');
    await writeKnativeStatus(client, { created: 2, ready: 2, rolledOut: 2, previous: 1, traffic: [[2, 100, true]] });
    seen = await router.observe(ctx);
    assert.equal(seen.promoted, true);
    assert.equal(seen.canaryWeight, 100);
  });

  it('rolls back through Ready revisions only: 0%, then the old model at 0%, then 100% once Ready', async () => {
    const { client, ctx, input, router } = await deployed();
    await writeKnativeStatus(client, { created: 2, ready: 2, rolledOut: 1, previous: 1, traffic: [[1, 100, false], [2, 0, true]] });
    await router.setWeight(ctx, 50);
    await writeKnativeStatus(client, { created: 2, ready: 2, rolledOut: 1, previous: 1, traffic: [[1, 50, false], [2, 50, true]] });

    await router.rollback(ctx);
    await assertStored(client, renderKnative(input, { storageUri: ctx.canaryStorageUri, canaryTrafficPercent: 0 }));
    await router.rollback(ctx); // the 0% is not in force yet: nothing else changes
    await assertStored(client, renderKnative(input, { storageUri: ctx.canaryStorageUri, canaryTrafficPercent: 0 }));
    await writeKnativeStatus(client, { created: 2, ready: 2, rolledOut: 1, previous: 1, traffic: [[1, 100, false], [2, 0, true]] });

    await router.rollback(ctx);
    await assertStored(client, renderKnative(input, { storageUri: ctx.stableStorageUri, canaryTrafficPercent: 0 }));
    await writeKnativeStatus(client, { created: 3, ready: 2, rolledOut: 1, previous: 1, traffic: [[1, 100, false], [3, 0, true]] });
    await router.rollback(ctx); // revision 3 (old model) not Ready: keep 0%
    await assertStored(client, renderKnative(input, { storageUri: ctx.stableStorageUri, canaryTrafficPercent: 0 }));

    await writeKnativeStatus(client, { created: 3, ready: 3, rolledOut: 1, previous: 1, traffic: [[1, 100, false], [3, 0, true]] });
    await router.rollback(ctx);
    await assertStored(client, renderKnative(input, { storageUri: ctx.stableStorageUri }));
    await writeKnativeStatus(client, { created: 3, ready: 3, rolledOut: 3, previous: 1, traffic: [[3, 100, true]] });
    const seen = await router.observe(ctx);
    assert.equal(seen.rolledBack, true);
    assert.equal(seen.canaryWeight, 0);
    const isvc = await client.get(InferenceService, 'sklearn');
    assert.equal(isvc.metadata.annotations!['serving.kserve.io/enable-tag-routing'], 'true');
  });
});
