import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../kube/client.js';
import { InferenceService } from '../kube/resources.js';
import { sampleContext } from '../kube/testing/controllers.js';
import { startFaultProxy } from '../kube/testing/fault-proxy.js';
import { startKserveController, type KserveController } from '../kube/testing/kserve-controller.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { renderInputFrom } from '../render/input.js';
import { renderKnative } from '../render/knative.js';
import { createKnativeRouter } from './knative.js';
import { NotReadyError } from './kserve-status.js';
import type { RouterContext, TrafficRouter } from './types.js';
import { tickUntil } from './testing/tick-until.js';

const rev = (n: number) => `sklearn-predictor-0000${n}`;

type Json = Record<string, unknown>;

async function specOf(client: KubeClient): Promise<{ uri: string; percent: unknown }> {
  const isvc = await client.get(InferenceService, 'sklearn');
  const predictor = (isvc.spec as { predictor: { model: { storageUri: string }; canaryTrafficPercent?: number } }).predictor;
  return { uri: predictor.model.storageUri, percent: predictor.canaryTrafficPercent };
}

describe('knative router against a real API server and KServe\'s controller (stand-in)', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  before(async () => { env = await startKubeEnv(); });
  after(async () => { await env?.stop(); });

  async function setup(options: { server?: string } = {}) {
    const namespace = await env.createNamespace('knative');
    const client = env.client({ namespace, ...(options.server ? { server: options.server } : {}) });
    const kserve = await startKserveController(env.client({ namespace }), { readinessDelayMs: 300, intervalMs: 50 });
    const ctx = sampleContext('knative', namespace);
    const router = createKnativeRouter(client);
    return { client, kserve, ctx, router, namespace };
  }

  /** Pending: deploy, until both variants are Ready (the engine calls ensureVariants each tick). */
  async function deployed(router: TrafficRouter, ctx: RouterContext, kserve: KserveController) {
    return tickUntil('both variants Ready', router, ctx, () => router.ensureVariants(ctx), (o) => o.primary.ready && o.canary.ready, kserve);
  }

  async function walk(router: TrafficRouter, ctx: RouterContext, kserve: KserveController, weights: number[]) {
    for (const weight of weights) {
      await tickUntil(`${weight}% in force`, router, ctx, () => router.setWeight(ctx, weight), (o) => o.canaryWeight === weight, kserve);
    }
  }

  it('rolls out 0 → 20 → 50 → 100 and completes the promotion at 100%, where KServe writes no previous-revision target', async () => {
    const { client, kserve, ctx, router } = await setup();
    try {
      let seen = await deployed(router, ctx, kserve);
      assert.equal(seen.canaryWeight, 0);
      assert.equal(seen.primary.metricsName, rev(1));
      assert.equal(seen.canary.metricsName, rev(2));
      await walk(router, ctx, kserve, [20, 50, 100]);
      seen = await router.observe(ctx);
      const traffic = (seen.details!.traffic as Json[]).map((t) => [t.revisionName, t.percent]);
      assert.deepEqual(traffic, [[rev(2), 100]], 'no traffic target for the previous revision at 100%');
      assert.equal(seen.primary.metricsName, rev(1), 'the primary is still the previous rolled-out revision, not "<name>-predictor"');
      assert.equal(seen.canary.metricsName, rev(2));
      assert.equal(seen.primary.ready, true);

      seen = await tickUntil('promoted', router, ctx, () => router.promote(ctx), (o) => o.promoted, kserve);
      assert.deepEqual(await specOf(client), { uri: ctx.canaryStorageUri, percent: undefined });
      const isvc = await client.get(InferenceService, 'sklearn');
      assert.ok((isvc.status!.observedGeneration as number) < isvc.metadata.generation!, 'KServe\'s observedGeneration stays behind after a promotion at 100%: it must not matter');
    } finally {
      await kserve.stop();
    }
  });

  it('rolls back with a handful of conditional writes, never writing storageUri back and forth', async () => {
    const proxy = await startFaultProxy(env.server, () => 'forward');
    const { client, kserve, ctx, router } = await setup({ server: proxy.url });
    try {
      await deployed(router, ctx, kserve);
      await walk(router, ctx, kserve, [20, 50]);
      const writesBefore = proxy.requests.length;
      const revisionsBefore = kserve.events.filter((e) => e.kind === 'revision-created').length;
      // RollingBack, as decide.ts runs it every tick: weight 0, then the router's rollback step.
      await tickUntil('rolled back', router, ctx, async () => { await router.setWeight(ctx, 0); await router.rollback(ctx); }, (o) => o.rolledBack && o.canaryWeight === 0, kserve);
      // Keep ticking as a slow operator would: nothing more may be written.
      for (let i = 0; i < 10; i++) {
        await router.setWeight(ctx, 0);
        await router.rollback(ctx);
        await new Promise((r) => setTimeout(r, 100));
      }
      const writes = proxy.requests.slice(writesBefore).filter((r) => r.method === 'PATCH' && r.path.includes('/inferenceservices/sklearn'));
      const uris = writes.map((w) => (JSON.parse(w.body) as { spec: { predictor: { model: { storageUri: string }; canaryTrafficPercent?: number } } }).spec.predictor);
      // A write that met a newer resourceVersion (KServe wrote status in between) is refused with 409 and decided again: count attempts, and the distinct changes.
      const changes = uris.map((p) => JSON.stringify([p.model.storageUri, p.canaryTrafficPercent])).filter((c, i, all) => i === 0 || all[i - 1] !== c).map((c) => JSON.parse(c) as unknown);
      assert.deepEqual(changes, [[ctx.canaryStorageUri, 0], [ctx.stableStorageUri, 0]], 'two changes: 0% to the canary, then the stable model at 0%');
      assert.ok(writes.length <= 6, `${writes.length} write attempts for a whole rollback`);
      for (const w of writes) assert.ok((JSON.parse(w.body) as { metadata: { resourceVersion?: string } }).metadata.resourceVersion, 'every write is conditional on the version read');
      assert.equal(kserve.events.filter((e) => e.kind === 'revision-created').length - revisionsBefore, 1, 'one new revision (the stable model again)');
      assert.deepEqual(await specOf(client), { uri: ctx.stableStorageUri, percent: 0 });
      const seen = await router.observe(ctx);
      assert.equal(seen.primary.metricsName, rev(1));
      assert.deepEqual((seen.details!.traffic as Json[]).find((t) => t.revisionName === rev(1))?.percent, 100);
    } finally {
      await kserve.stop();
      await proxy.close();
    }
  });

  it('rolls back from 100%, where KServe already counts the canary revision as rolled out', async () => {
    const { client, kserve, ctx, router } = await setup();
    try {
      await deployed(router, ctx, kserve);
      await walk(router, ctx, kserve, [50, 100]);
      assert.equal((await router.observe(ctx)).details!.latestRolledoutRevision, rev(2));
      const seen = await tickUntil('rolled back', router, ctx, async () => { await router.setWeight(ctx, 0); await router.rollback(ctx); }, (o) => o.rolledBack && o.canaryWeight === 0, kserve);
      assert.equal(seen.details!.latestRolledoutRevision, rev(1));
      assert.deepEqual(await specOf(client), { uri: ctx.stableStorageUri, percent: 0 });
      assert.equal((seen.details!.traffic as Json[]).find((t) => t.percent === 100)?.revisionName, rev(1), 'the stable model serves all traffic');
    } finally {
      await kserve.stop();
    }
  });

  it('a canary revision that fails is reported failed, and the rollback never routes to it', async () => {
    const namespace = await env.createNamespace('knative-fail');
    const client = env.client({ namespace });
    const ctx = sampleContext('knative', namespace);
    const kserve = await startKserveController(client, { readinessDelayMs: 200, intervalMs: 50, failingStorageUris: [ctx.canaryStorageUri] });
    try {
      const router = createKnativeRouter(client);
      let seen = await tickUntil('canary failed', router, ctx, () => router.ensureVariants(ctx), (o) => o.canary.failed === true, kserve);
      assert.equal(seen.canary.ready, false);
      assert.match(seen.canary.message ?? '', /failed/);
      await assert.rejects(router.setWeight(ctx, 20), NotReadyError);
      seen = await tickUntil('rolled back', router, ctx, async () => { await router.setWeight(ctx, 0); await router.rollback(ctx); }, (o) => o.rolledBack && o.canaryWeight === 0, kserve);
      const served = kserve.events.filter((e) => e.kind === 'status-written').flatMap((e) => ((e.status.components as Json | undefined)?.predictor as { traffic?: Json[] } | undefined)?.traffic ?? []);
      assert.ok(!served.some((t) => t.revisionName === rev(2) && (t.percent as number) > 0), 'the failed revision never had traffic');
      assert.equal(seen.primary.metricsName, rev(1));
    } finally {
      await kserve.stop();
    }
  });

  it('names the deploymentMode as the cluster\'s KServe knows it: Serverless before 0.16, Knative after; an existing InferenceService keeps its own', async () => {
    const namespace = await env.createNamespace('knative-old');
    const client = env.client({ namespace });
    // KServe 0.15 with a Standard-by-default cluster: "Knative" would be unknown to it and fall to RawDeployment.
    const kserve = await startKserveController(client, { version: '0.15', defaultDeploymentMode: 'RawDeployment', readinessDelayMs: 200, intervalMs: 50 });
    try {
      const ctx = sampleContext('knative', namespace, {}, { kserve: { version: '0.15' } });
      const router = createKnativeRouter(client);
      await deployed(router, ctx, kserve);
      const isvc = await client.get(InferenceService, 'sklearn');
      assert.equal(isvc.metadata.annotations!['serving.kserve.io/deploymentMode'], 'Serverless');
      assert.equal(isvc.status!.deploymentMode, 'Serverless');
      // Without spec.kserve.version, the recorded mode of the existing InferenceService wins over the current name.
      const current = sampleContext('knative', namespace);
      await tickUntil('20%', router, current, () => router.setWeight(current, 20), (o) => o.canaryWeight === 20, kserve);
      assert.equal((await client.get(InferenceService, 'sklearn')).metadata.annotations!['serving.kserve.io/deploymentMode'], 'Serverless');
    } finally {
      await kserve.stop();
    }
    const plain = sampleContext('knative', 'default');
    const [rendered] = renderKnative(renderInputFrom(plain.canary, plain), { storageUri: plain.stableStorageUri });
    assert.equal(rendered!.metadata.annotations!['serving.kserve.io/deploymentMode'], 'Knative', 'current KServe names by default');
  });

  it('after a completed promotion, a new rollout starts from the promoted revision and rolls back to it', async () => {
    const { client, kserve, ctx, router, namespace } = await setup();
    try {
      await deployed(router, ctx, kserve);
      await walk(router, ctx, kserve, [100]);
      await tickUntil('promoted', router, ctx, () => router.promote(ctx), (o) => o.promoted, kserve);
      // The next rollout: what was the canary is now the stable version.
      const next = sampleContext('knative', namespace);
      const ctx2 = { canary: next.canary, stableStorageUri: ctx.canaryStorageUri, canaryStorageUri: 'gs://kfserving-examples/models/sklearn/1.0/model-3' };
      let seen = await deployed(router, ctx2, kserve);
      assert.equal(seen.primary.metricsName, rev(2));
      assert.equal(seen.canary.metricsName, rev(3));
      await walk(router, ctx2, kserve, [20]);
      seen = await tickUntil('rolled back', router, ctx2, async () => { await router.setWeight(ctx2, 0); await router.rollback(ctx2); }, (o) => o.rolledBack && o.canaryWeight === 0, kserve);
      assert.deepEqual(await specOf(client), { uri: ctx.canaryStorageUri, percent: 0 });
      assert.equal((seen.details!.traffic as Json[]).find((t) => t.percent === 100)?.revisionName, rev(2), 'the promoted revision serves all traffic again');
    } finally {
      await kserve.stop();
    }
  });
});
