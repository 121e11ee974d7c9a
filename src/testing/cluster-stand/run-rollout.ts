/**
 * One rollout on the cluster stand, with no human action: a namespace with
 * KServe's stand-in controller, a gateway, the data plane and its traffic;
 * the ModelCanary applied with kubectl; then only watching until the
 * operator finishes. Healthy canaries must be promoted, a canary answering
 * 20% 5xx rolled back, and no request may reach a variant that is not Ready.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Router } from '../../core/spec.js';
import { ModelCanaryResource, type KubeObject } from '../../kube/resources.js';
import { startKserveController } from '../../kube/testing/kserve-controller.js';
import { Backends } from './backends.js';
import { startDataPlane } from './data-plane.js';
import { startGatewayStandIn } from './gateway-stand-in.js';
import type { ClusterStand } from './stand.js';

export const STABLE_URI = 'gs://models/fraud-scorer/v7';
export const HEALTHY_URI = 'gs://models/fraud-scorer/v8';
export const BAD_URI = 'gs://models/fraud-scorer/v8-bad';
/** Error ratios the versions answer with: the stable and healthy ones as a real service, the bad one 20% 5xx. */
export const ERROR_RATIO = { ok: 0.005, bad: 0.2 } as const;

export type CanaryKind = 'healthy' | 'bad';

export interface RolloutResult {
  readonly router: Router;
  readonly canary: CanaryKind;
  /** The phase it ended in (or the last seen at the timeout). */
  readonly phase: string;
  /** From kubectl apply to the final phase. */
  readonly seconds: number;
  /** From the canary's first request to its last one (how long the bad version got traffic). */
  readonly canaryTrafficSeconds: number | null;
  /** Writes of the operator to the router's objects (InferenceService, VirtualService, HTTPRoute) from the rollback's start to its end. */
  readonly rollbackWrites: number | null;
  /** Requests routed to a variant with no Ready pods. */
  readonly notReady: number;
  readonly history: readonly string[];
  readonly message: string;
}

const FINAL = new Set(['Succeeded', 'RolledBack', 'Failed']);
const ROUTER_OBJECTS = /\/(inferenceservices|virtualservices|httproutes)\//;

function modelCanary(router: Router, namespace: string, canaryUri: string): KubeObject {
  return {
    apiVersion: `${ModelCanaryResource.group}/${ModelCanaryResource.version}`,
    kind: ModelCanaryResource.kind,
    metadata: { name: 'fraud-scorer', namespace },
    spec: {
      router,
      predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: STABLE_URI } },
      canary: { storageUri: canaryUri },
      rollout: { steps: [10, 50], interval: '5s', progressDeadline: '2m' },
      ingress: {
        domain: 'example.com', gateways: ['istio-system/kcanary-gateway'],
        ...(router === 'gateway-api' ? { parentRefs: [{ name: 'kserve-ingress-gateway', namespace: 'kserve' }] } : {}),
      },
    },
  };
}

export async function runRollout(stand: ClusterStand, router: Router, canary: CanaryKind, options: { timeoutMs?: number; rate?: number } = {}): Promise<RolloutResult> {
  const namespace = await stand.env.createNamespace(`e2e-${router}`);
  const client = stand.env.client({ namespace });
  const readinessDelayMs = 1500;
  const kserve = await startKserveController(client, { readinessDelayMs, domain: 'example.com' });
  const gateway = startGatewayStandIn(client);
  const backends = new Backends(client, kserve, { readinessDelayMs, passMs: 150, failing: [] });
  const plane = startDataPlane({
    client, target: stand.target, gateway, backends, router, name: 'fraud-scorer', rate: options.rate ?? 200,
    errorRatioOf: (uri) => (uri === BAD_URI ? ERROR_RATIO.bad : ERROR_RATIO.ok),
  });
  const canaryUri = canary === 'bad' ? BAD_URI : HEALTHY_URI;
  const file = join(stand.dir, `${namespace}.yaml`);
  writeFileSync(file, stringify(modelCanary(router, namespace, canaryUri)));
  const started = Date.now();
  let phase = '';
  let status: { phase?: string; message?: string; history?: { at: string; to: string; reason: string }[] } = {};
  try {
    await stand.kubectl(['apply', '-f', file]);
    const deadline = started + (options.timeoutMs ?? 120_000);
    while (Date.now() < deadline) {
      const object = await client.find(ModelCanaryResource, 'fraud-scorer');
      status = (object?.status ?? {}) as typeof status;
      phase = status.phase ?? '';
      if (FINAL.has(phase)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (Date.now() - started) / 1000;
    // The rollback's end is when the canary's last request was served and the router is settled: let traffic run a moment longer.
    await new Promise((r) => setTimeout(r, 1500));
    const rollingBack = status.history?.find((h) => h.to === 'RollingBack');
    const rolledBack = status.history?.find((h) => h.to === 'RolledBack');
    const mine = stand.operator.writes.filter((w) => w.path.includes(`/namespaces/${namespace}/`) && ROUTER_OBJECTS.test(w.path));
    const rollbackWrites = rollingBack
      ? mine.filter((w) => w.at >= Date.parse(rollingBack.at) - 5 && (!rolledBack || w.at <= Date.parse(rolledBack.at) + 5)).length
      : null;
    const window = plane.servedBetween(canaryUri);
    return {
      router, canary, phase, seconds,
      canaryTrafficSeconds: window ? (window.last - window.first) / 1000 : null,
      rollbackWrites,
      notReady: plane.notReady,
      history: (status.history ?? []).map((h) => `${h.at} → ${h.to}: ${h.reason}`),
      message: status.message ?? '',
    };
  } finally {
    await plane.stop();
    await gateway.stop();
    await kserve.stop();
  }
}
