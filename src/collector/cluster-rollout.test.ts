// Model-aware rollouts on a real API server: the operator renders and applies the
// InferenceServices (with KServe's inference logger) and the VirtualService (with
// the mirror), and judges the answers KServe's agent would log, sent with the
// CloudEvents SDK; the answers come from the real model server (housing v2, and
// the broken v3 that answers ×100).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Phase } from '../core/phase.js';
import { createRandom } from '../core/analysis/simulation/prng.js';
import { CRD_NAME, modelCanaryCrd } from '../crd/model-canary-crd.js';
import type { KubeClient } from '../kube/client.js';
import { InferenceService, ModelCanaryResource, VirtualService, type KubeObject } from '../kube/resources.js';
import type { ModelServer } from '../modelserver/index.js';
import { SAMPLE_ROW, startHousingServer } from '../modelserver/test-support.js';
import { applyObject } from '../operator/apply-objects.js';
import { waitForCrd } from '../operator/crd-ready.js';
import { Operator } from '../operator/operator.js';
import { readyEverything } from '../operator/testing/operator-fixtures.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { logInference } from './testing/kserve-agent.js';

const ROWS = 24;
/** The real model server's V1 answers to ROWS single-instance requests, per version. */
const answers: Record<'v2' | 'v3', string[]> = { v2: [], v3: [] };
const requests: string[] = [];

type Version = 'v2' | 'v3';

interface Canary {
  readonly namespace: string;
  readonly client: KubeClient;
  readonly name: string;
}

describe('model-aware rollouts on a real API server, judged on KServe inference-logger events', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  let operator: Operator;
  let kserve: { stop(): Promise<void> };
  const namespaces: string[] = [];
  const servers: ModelServer[] = [];
  const traffic: { stop: boolean; loops: Promise<void>[] } = { stop: false, loops: [] };

  before(async () => {
    for (let i = 0; i < ROWS; i++) {
      const row = SAMPLE_ROW.map((v, k) => (k === 0 ? v * (0.5 + i / ROWS) : k === 1 ? (v + i) % 52 : v));
      requests.push(JSON.stringify({ instances: [row] }));
    }
    for (const version of ['v2', 'v3'] as const) {
      const server = await startHousingServer(version);
      servers.push(server);
      for (const body of requests) {
        const response = await fetch(`${server.url}/v1/models/housing:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        assert.equal(response.status, 200);
        answers[version].push(await response.text());
      }
    }
    env = await startKubeEnv();
    await applyObject(env.adminConfig, modelCanaryCrd() as never);
    await waitForCrd(env.adminConfig, CRD_NAME);
    kserve = readyEverything(() => namespaces.map((namespace) => env.client({ namespace })));
    operator = new Operator({
      kubeConfig: env.adminConfig, namespaces: [], identity: 'model-aware', tickMs: 200,
      listen: { host: '127.0.0.1', port: 0 }, collector: { host: '127.0.0.1', port: 0 },
    });
    await operator.start();
  });

  after(async () => {
    traffic.stop = true;
    await Promise.all(traffic.loops);
    await operator?.stop();
    await kserve?.stop();
    await env?.stop();
    await Promise.all(servers.map((s) => s.close()));
  });

  async function createCanary(prefix: string, canaryVersion: Version, rollout: Record<string, unknown>, metric: Record<string, unknown>): Promise<Canary> {
    const namespace = await env.createNamespace(prefix);
    namespaces.push(namespace);
    const client = env.client({ namespace });
    const document: KubeObject = {
      apiVersion: `${ModelCanaryResource.group}/${ModelCanaryResource.version}`,
      kind: ModelCanaryResource.kind,
      metadata: { name: 'housing', namespace },
      spec: {
        router: 'istio',
        predictor: { model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/housing/v2' } },
        // The same model at a new address is still v2's answers; v3 is the broken one.
        canary: { storageUri: canaryVersion === 'v3' ? 's3://models/housing/v3' : 's3://models/housing/v2-rebuilt' },
        rollout: { interval: '1s', progressDeadline: '1m', ...rollout },
        analysis: {
          // A step passes at its timeout when nothing was alarming; the broken model must be caught by evidence, however slow the machine.
          judge: 'sequential', minSoak: '1s', stepTimeout: canaryVersion === 'v3' ? '120s' : '6s', metrics: [metric],
          collector: { url: operator.collectorUrl },
        },
        ingress: { domain: 'example.com', gateways: ['istio-system/kcanary-gateway'] },
      },
    };
    for (let i = 0; ; i++) {
      try { await client.apply(document); break; } catch (error) { if (i > 100) throw error; await sleep(50); }
    }
    return { namespace, client, name: 'housing' };
  }

  /**
   * The mesh and KServe's agents, as a stand-in: requests at ~40/s follow the
   * weights and the mirror percentage stored in the VirtualService; each
   * answer is logged as the agent logs it, a mirrored copy with the
   * original's X-Request-Id.
   */
  function sendTraffic(canary: Canary, canaryVersion: Version, seed: number): void {
    const random = createRandom(seed);
    const url = operator.collectorUrl as string;
    const loop = async () => {
      let route = { weight: 0, mirror: 0 };
      let readAt = 0;
      while (!traffic.stop) {
        if (Date.now() - readAt > 200) {
          readAt = Date.now();
          route = await routeOf(canary.client).catch(() => route);
        }
        const row = Math.floor(random() * ROWS);
        const requestId = randomUUID();
        const toCanary = random() * 100 < route.weight;
        const log = (variant: 'primary' | 'canary') => logInference({
          url, pod: `housing-${variant}-predictor-6f7d8c9b5-x${seed}`, inferenceService: `housing-${variant}`, namespace: canary.namespace,
          requestBody: requests[row] as string, responseBody: (variant === 'canary' ? answers[canaryVersion] : answers.v2)[row] as string,
          metadata: { 'X-Request-Id': [requestId] },
        });
        const sends = [log(toCanary ? 'canary' : 'primary')];
        if (!toCanary && random() * 100 < route.mirror) sends.push(log('canary'));
        await Promise.all(sends).catch(() => undefined);
        await sleep(10);
      }
    };
    traffic.loops.push(loop());
  }

  async function routeOf(client: KubeClient): Promise<{ weight: number; mirror: number }> {
    const vs = await client.find(VirtualService, 'housing-predictor');
    const http = ((vs?.spec as { http?: { route: { destination: { host: string }; weight?: number }[]; mirrors?: { percentage?: { value: number } }[] }[] } | undefined)?.http) ?? [];
    const split = http.at(-1);
    const weight = split?.route.find((r) => r.destination.host === 'housing-canary-predictor')?.weight ?? 0;
    return { weight, mirror: split?.mirrors?.[0]?.percentage?.value ?? 0 };
  }

  async function phaseOf(canary: Canary): Promise<{ phase?: string; message?: string; canaryWeight?: number }> {
    return ((await canary.client.get(ModelCanaryResource, canary.name)).status ?? {}) as { phase?: string; message?: string; canaryWeight?: number };
  }

  async function until(canary: Canary, ok: (status: { phase?: string; canaryWeight?: number }) => boolean, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await phaseOf(canary);
      if (ok(status)) return status;
      if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(await (await fetch(`${operator.collectorUrl}/stats`)).json())} ${JSON.stringify(status).slice(0, 300)}`);
      await sleep(200);
    }
  }

  const finished = (s: { phase?: string }) => s.phase === Phase.Succeeded || s.phase === Phase.RolledBack;

  it('dark launch at 0% with 20% mirrored: v3 is rolled back, the same traffic promotes v2; split prediction-shift rolls v3 back', async () => {
    const agreement = { name: 'prediction-agreement', min: 99, tolerance: 0.5 };
    const dark = { steps: [0, 20, 100], mirror: 20 };
    const badDark = await createCanary('dark-v3', 'v3', dark, agreement);
    const goodDark = await createCanary('dark-v2', 'v2', dark, agreement);
    const badSplit = await createCanary('split-v3', 'v3', { steps: [20, 100] }, { name: 'prediction-shift', max: 0.5 });

    // What the operator rendered and the API server accepted: the logger on both InferenceServices, the mirror on the route.
    await until(goodDark, (s) => s.phase === Phase.Progressing);
    for (const variant of ['primary', 'canary']) {
      const isvc = await goodDark.client.get(InferenceService, `housing-${variant}`);
      assert.deepEqual((isvc.spec as { predictor: { logger: unknown } }).predictor.logger,
        { mode: 'all', url: operator.collectorUrl, metadataHeaders: ['X-Request-Id', 'X-Kcanary-Variant'] });
    }
    assert.deepEqual(await routeOf(goodDark.client), { weight: 0, mirror: 20 });

    sendTraffic(badDark, 'v3', 1);
    sendTraffic(goodDark, 'v2', 2);
    sendTraffic(badSplit, 'v3', 3);

    const [bad, good, split] = await Promise.all([until(badDark, finished), until(goodDark, finished), until(badSplit, finished)]);
    assert.equal(bad.phase, Phase.RolledBack, JSON.stringify(bad));
    assert.match(bad.message ?? '', /prediction-agreement/);
    assert.equal(good.phase, Phase.Succeeded, JSON.stringify(good));
    assert.equal(split.phase, Phase.RolledBack, JSON.stringify(split));
    assert.match(split.message ?? '', /prediction-shift/);
    // After the rollback nothing reaches the canary: no mirror, no header route.
    assert.deepEqual(await routeOf(badDark.client), { weight: 0, mirror: 0 });
    assert.equal(await badDark.client.find(InferenceService, 'housing-canary'), null);

    const stats = await (await fetch(`${operator.collectorUrl}/stats`)).json() as { pairs: number; answers: number; refused: number };
    assert.ok(stats.pairs > 0 && stats.answers > 0, JSON.stringify(stats));
    const refused = await logInference({ url: operator.collectorUrl as string, pod: 'other-predictor-1', inferenceService: 'other', namespace: badDark.namespace, requestBody: requests[0] as string, responseBody: answers.v2[0] as string });
    assert.deepEqual(refused, [403, 403]);
  });
});
