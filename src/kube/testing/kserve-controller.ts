/**
 * A stand-in for KServe's InferenceService controller, for tests against a
 * real API server that runs no controllers. It is a port of KServe's Go
 * source (kserve/kserve, pkg/controller/v1beta1/inferenceservice/), not of
 * kcanary's expectations:
 *
 * - controller.go Reconcile: the deployment mode (utils.GetDeploymentMode:
 *   status, then the annotation with legacy names normalized, then the
 *   configured default), InitializeConditions, the component reconcile,
 *   the ingress, and updateStatus (one full status write, skipped when equal,
 *   conditional on the resourceVersion read);
 * - Knative mode (kserve-knative.ts): ksvc_reconciler.go's traffic targets,
 *   Knative's revisions `<isvc>-predictor-0000N`, PropagateStatus;
 * - Standard mode (kserve-raw.ts): real Deployments, canary Deployments of
 *   spec.canary[] (KServe ≥ 0.20), PropagateRawStatus copying the
 *   Deployment's observedGeneration, HTTPRoutes with canary weights.
 *
 * New pods become Ready after `readinessDelayMs`; a storageUri listed as
 * failing never does (its revision fails, its Deployment times out).
 *
 *   const kserve = await startKserveController(client, { readinessDelayMs: 300 });
 *   ...
 *   await kserve.stop();
 */
import type { KubeClient } from '../client.js';
import { InferenceService, type KubeObject } from '../resources.js';
import { kubeRequest } from '../../operator/apply-objects.js';
import { ConditionSet, kserveDeploymentMode } from './kserve-conditions.js';
import { propagateKnativeIngress, propagateStatus, reconcileKsvc, stepKnative, type KnativeOptions, type KnativeService } from './kserve-knative.js';
import { RawDeployments } from './kserve-raw.js';

export interface KserveControllerOptions {
  /** Namespace watched (default: the client's). */
  readonly namespace?: string;
  /** KServe release emulated, e.g. "0.15", "0.20" (default). Before 0.16 the modes are Serverless/RawDeployment only; spec.canary[] from 0.20. */
  readonly version?: string;
  /** inferenceservice-config's deploy.defaultDeploymentMode (default: Standard, or Serverless before 0.16). */
  readonly defaultDeploymentMode?: string;
  /** How long new pods take to become Ready (default 300 ms). */
  readonly readinessDelayMs?: number;
  /** Time between passes (default 100 ms). */
  readonly intervalMs?: number;
  readonly domain?: string;
  /** Models whose pods never become Ready. */
  readonly failingStorageUris?: readonly string[];
}

export type KserveEvent =
  | { readonly at: number; readonly kind: 'revision-created'; readonly name: string; readonly storageUri: string | undefined }
  | { readonly at: number; readonly kind: 'deployment-created' | 'deployment-updated' | 'deployment-deleted'; readonly name: string; readonly storageUri?: string }
  | { readonly at: number; readonly kind: 'status-written'; readonly name: string; readonly status: Record<string, unknown> };

export interface KserveController {
  /** What the controller did, in order. */
  readonly events: readonly KserveEvent[];
  /** Runs one pass now (after the one in progress). */
  reconcileOnce(): Promise<void>;
  /** The last error of a pass, if the most recent one failed. */
  readonly lastError: Error | undefined;
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.replace(/^v/, '').split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

/** Canonical JSON (sorted keys), to compare statuses as KServe's equality.Semantic.DeepEqual does. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Json).sort(([a], [b]) => a.localeCompare(b))) : v));
}

export async function startKserveController(client: KubeClient, options: KserveControllerOptions = {}): Promise<KserveController> {
  const namespace = options.namespace ?? client.namespace;
  const version = options.version ?? '0.20';
  const current = versionAtLeast(version, 0, 16);
  const defaultMode = options.defaultDeploymentMode ?? (current ? 'Standard' : 'Serverless');
  const domain = options.domain ?? 'example.com';
  const readinessDelayMs = options.readinessDelayMs ?? 300;
  const failing = new Set(options.failingStorageUris ?? []);
  const isFailing = (uri: string | undefined) => uri !== undefined && failing.has(uri);
  const events: KserveEvent[] = [];
  const knativeServices = new Map<string, KnativeService>();
  const knative: KnativeOptions = {
    namespace, domain, readinessDelayMs, isFailing,
    onRevision: (r) => events.push({ at: Date.now(), kind: 'revision-created', name: r.name, storageUri: r.storageUri }),
  };
  const raw = new RawDeployments({
    kubeConfig: client.kubeConfig, namespace, domain, readinessDelayMs, isFailing, canaries: versionAtLeast(version, 0, 20),
    onDeployment: (e) => events.push({ at: Date.now(), kind: `deployment-${e.kind}`, name: e.name, ...(e.storageUri ? { storageUri: e.storageUri } : {}) }),
  });

  async function reconcile(isvc: KubeObject, at: number): Promise<void> {
    const previous = (isvc.status ?? {}) as Json;
    const annotations = isvc.metadata.annotations ?? {};
    const mode = kserveDeploymentMode({ statusMode: previous.deploymentMode as string | undefined, annotation: annotations['serving.kserve.io/deploymentMode'], defaultMode, current });
    let status: Json;
    if (mode === 'Knative' || mode === 'Serverless') {
      const key = String(isvc.metadata.uid);
      const existing = knativeServices.get(key);
      if (existing) stepKnative(existing, at, knative);
      const component = ((previous.components as Json | undefined)?.predictor as Json | undefined) ?? {};
      const { ksvc, status: kstatus } = reconcileKsvc(existing, isvc as unknown as Json, component, at, knative);
      knativeServices.set(key, ksvc);
      status = structuredClone(previous);
      new ConditionSet(status).initialize();
      propagateStatus(status, kstatus);
      new ConditionSet(status).set('Stopped', { status: 'False' });
      propagateKnativeIngress(status, `http://${isvc.metadata.name}.${namespace}.${domain}`);
    } else {
      status = await raw.reconcile(isvc as unknown as Json, previous);
    }
    status.deploymentMode = mode;
    if (canonical(status) === canonical(previous)) return;
    const path = `/apis/serving.kserve.io/v1beta1/namespaces/${namespace}/inferenceservices/${isvc.metadata.name}/status`;
    try {
      await kubeRequest(client.kubeConfig, 'PUT', path, { body: { ...isvc, status } });
      events.push({ at: Date.now(), kind: 'status-written', name: isvc.metadata.name, status: structuredClone(status) });
    } catch (error) {
      // Status().Update on a stale copy: 409, and the next pass reads again.
      if ((error as { code?: string }).code !== 'KCANARY_ERR_CONFLICT') throw error;
    }
  }

  /** Deleted InferenceServices: Knative's objects go, and their Deployments (ownerReferences; no garbage collector runs here). */
  async function collectGarbage(alive: readonly KubeObject[]): Promise<void> {
    const uids = new Set(alive.map((i) => String(i.metadata.uid)));
    for (const key of knativeServices.keys()) if (!uids.has(key)) knativeServices.delete(key);
    const names = new Set(alive.map((i) => i.metadata.name));
    const list = await kubeRequest(client.kubeConfig, 'GET', `/apis/apps/v1/namespaces/${namespace}/deployments?labelSelector=${encodeURIComponent('serving.kserve.io/inferenceservice')}`) as { items: { metadata: { name: string; labels: Record<string, string> } }[] };
    for (const d of list.items) {
      if (names.has(d.metadata.labels['serving.kserve.io/inferenceservice']!)) continue;
      await kubeRequest(client.kubeConfig, 'DELETE', `/apis/apps/v1/namespaces/${namespace}/deployments/${d.metadata.name}`).catch(() => undefined);
      events.push({ at: Date.now(), kind: 'deployment-deleted', name: d.metadata.name });
    }
  }

  let lastError: Error | undefined;
  async function pass(): Promise<void> {
    try {
      const at = Date.now();
      await raw.step(at);
      const isvcs = await client.list(InferenceService, { namespace });
      for (const isvc of isvcs) {
        if (isvc.metadata.deletionTimestamp) continue;
        await reconcile(isvc, at);
      }
      await collectGarbage(isvcs);
      lastError = undefined;
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error));
    }
  }

  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = running.then(pass).then(schedule);
    }, options.intervalMs ?? 100);
  };
  schedule();
  return {
    events,
    get lastError() { return lastError; },
    reconcileOnce: () => (running = running.then(pass)),
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
