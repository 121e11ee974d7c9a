/**
 * KServe's Standard (raw) mode for the stand-in controller, with real
 * apps/v1 Deployments in the test API server:
 * - the Deployment controller's part (no kube-controller-manager runs): a
 *   new pod template is Ready after the readiness delay; until then a new
 *   Deployment has no available replicas, an updated one keeps its old pods;
 * - KServe's part (components/predictor.go Reconcile with
 *   reconcileCanaryDeployments, PropagateRawStatus, and the HTTPRoutes of
 *   reconcilers/ingress/httproute_reconciler.go with applyCanaryWeights).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest } from '../../operator/apply-objects.js';
import { ConditionSet, kservePredictorServiceName, kserveRawServiceLabel } from './kserve-conditions.js';

type Json = Record<string, unknown>;

export interface RawOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly domain: string;
  readonly readinessDelayMs: number;
  /** spec.canary[] exists (KServe ≥ 0.20). */
  readonly canaries: boolean;
  readonly isFailing: (storageUri: string | undefined) => boolean;
  readonly onDeployment: (event: { kind: 'created' | 'updated' | 'deleted'; name: string; storageUri?: string }) => void;
}

const ISVC_LABEL = 'serving.kserve.io/inferenceservice';
const SOURCE_URI = 'internal.serving.kserve.io/storage-initializer-sourceuri';

interface PodsRecord { uid: string; template: string; readyAt: number; failing: boolean; previousReady: boolean }

export class RawDeployments {
  /** What the Deployment controller knows of each Deployment's pods. */
  private readonly pods = new Map<string, PodsRecord>();
  /** The pod template KServe last wrote, by Deployment (KServe compares after a dry run; the stand-in remembers). */
  private readonly written = new Map<string, string>();

  constructor(private readonly options: RawOptions) {}

  private path(name?: string, sub = ''): string {
    return `/apis/apps/v1/namespaces/${this.options.namespace}/deployments${name ? `/${name}` : ''}${sub}`;
  }

  private async find(name: string): Promise<Json | null> {
    try {
      return await kubeRequest(this.options.kubeConfig, 'GET', this.path(name)) as Json;
    } catch (error) {
      if ((error as { code?: string }).code === 'KCANARY_ERR_NOT_FOUND') return null;
      throw error;
    }
  }

  /** The Deployment controller and the kubelet, once: status for every KServe Deployment. */
  async step(at: number): Promise<void> {
    const list = await kubeRequest(this.options.kubeConfig, 'GET', `${this.path()}?labelSelector=${encodeURIComponent(ISVC_LABEL)}`) as { items: Json[] };
    for (const deployment of list.items) {
      const metadata = deployment.metadata as { name: string; uid: string; generation: number };
      const spec = deployment.spec as { replicas?: number; template: Json };
      const template = JSON.stringify(spec.template);
      let record = this.pods.get(metadata.name);
      const storageUri = ((spec.template.metadata as Json | undefined)?.annotations as Record<string, string> | undefined)?.[SOURCE_URI];
      if (!record || record.uid !== metadata.uid) {
        record = { uid: metadata.uid, template, readyAt: at + this.options.readinessDelayMs, failing: this.options.isFailing(storageUri), previousReady: false };
        this.pods.set(metadata.name, record);
      } else if (record.template !== template) {
        const wasReady = !record.failing && at >= record.readyAt;
        record = { uid: metadata.uid, template, readyAt: at + this.options.readinessDelayMs, failing: this.options.isFailing(storageUri), previousReady: wasReady || record.previousReady };
        this.pods.set(metadata.name, record);
      }
      const replicas = spec.replicas ?? 1;
      const ready = !record.failing && at >= record.readyAt;
      const available = ready || record.previousReady ? replicas : 0;
      const maxUnavailable = Math.floor(replicas * 0.25);
      const replicaSet = `${metadata.name}-${hashOf(template)}`;
      const stamp = new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
      const progressing = ready
        ? { status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${replicaSet}" has successfully progressed.` }
        : record.failing && at >= record.readyAt
          ? { status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${replicaSet}" has timed out progressing.` }
          : { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${replicaSet}" is progressing.` };
      const availableCondition = available >= replicas - maxUnavailable
        ? { status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
      const status = {
        observedGeneration: metadata.generation, replicas, updatedReplicas: ready ? replicas : 0, readyReplicas: available, availableReplicas: available,
        ...(available < replicas ? { unavailableReplicas: replicas - available } : {}),
        conditions: [{ type: 'Available', ...availableCondition }, { type: 'Progressing', ...progressing }],
      };
      const before = deployment.status as { conditions?: Json[] } | undefined;
      const strip = (s: unknown) => JSON.stringify(s, (k, v) => (k === 'lastUpdateTime' || k === 'lastTransitionTime' ? undefined : v));
      if (strip(before) === strip(status)) continue;
      const conditions = status.conditions.map((c) => {
        const old = before?.conditions?.find((o) => o.type === c.type);
        return { ...c, lastUpdateTime: stamp, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : stamp };
      });
      try {
        await kubeRequest(this.options.kubeConfig, 'PUT', this.path(metadata.name, '/status'), { body: { ...deployment, status: { ...status, conditions } } });
      } catch (error) {
        if ((error as { code?: string }).code !== 'KCANARY_ERR_CONFLICT') throw error;
      }
    }
  }

  /** createRawDefaultDeployment: create, or update the spec when it differs; the Deployment as stored. */
  private async ensure(isvcName: string, name: string, predictor: Json, replicas: number, annotations: Record<string, string>): Promise<Json> {
    const model = (predictor.model as Json | undefined) ?? {};
    const storageUri = typeof model.storageUri === 'string' ? model.storageUri : undefined;
    const labels = { app: kserveRawServiceLabel(name), component: 'predictor', [ISVC_LABEL]: isvcName };
    const format = ((model.modelFormat as Json | undefined)?.name as string | undefined) ?? 'custom';
    const template = {
      metadata: { labels, annotations: { ...annotations, ...(storageUri ? { [SOURCE_URI]: storageUri } : {}) } },
      spec: { containers: [{ name: 'kserve-container', image: `kserve/${format}server:stand-in`, args: [`--model_name=${isvcName}`, '--model_dir=/mnt/models', '--http_port=8080', ...((model.args as string[] | undefined) ?? [])] }] },
    };
    const desired = { replicas, selector: { matchLabels: { app: labels.app } }, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } } };
    const existing = await this.find(name);
    const key = JSON.stringify(desired);
    if (!existing) {
      const created = await kubeRequest(this.options.kubeConfig, 'POST', this.path(), { body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: this.options.namespace, labels, annotations }, spec: desired } }) as Json;
      this.written.set(name, key);
      this.options.onDeployment({ kind: 'created', name, ...(storageUri ? { storageUri } : {}) });
      return created;
    }
    if (this.written.get(name) === key) return existing;
    const updated = await kubeRequest(this.options.kubeConfig, 'PUT', this.path(name), { body: { ...existing, spec: { ...(existing.spec as Json), ...desired } } }) as Json;
    const templateChanged = JSON.stringify((JSON.parse(this.written.get(name) ?? '{}') as Json).template) !== JSON.stringify(template);
    this.written.set(name, key);
    if (templateChanged) this.options.onDeployment({ kind: 'updated', name, ...(storageUri ? { storageUri } : {}) });
    return updated;
  }

  /** One pass of KServe's predictor reconcile in Standard mode, then its ingress; the new status. */
  async reconcile(isvc: Json, previous: Json): Promise<Json> {
    const status = structuredClone(previous);
    const conditions = new ConditionSet(status);
    conditions.initialize();
    const metadata = isvc.metadata as { name: string; annotations?: Record<string, string> };
    const spec = isvc.spec as { predictor: Json; canary?: { predictor: Json; trafficPercent?: number }[] };
    const annotations = metadata.annotations ?? {};
    const stableName = kservePredictorServiceName(metadata.name, spec.predictor.name as string | undefined);
    const canaries = this.options.canaries ? spec.canary ?? [] : [];
    if (this.options.canaries) await this.reconcileCanaries(metadata.name, spec.predictor, canaries, status, annotations);
    const stable = await this.ensure(metadata.name, stableName, spec.predictor, (spec.predictor.minReplicas as number | undefined) ?? 1, annotations);
    propagateRawStatus(status, stable, `http://${stableName}-${this.options.namespace}.${this.options.domain}`);
    conditions.set('Stopped', { status: 'False' });
    await this.reconcileRoutes(metadata.name, stableName, canaries, status);
    return status;
  }

  /** reconcileCanaryDeployments: one Deployment per entry, canaryStatuses from their availableReplicas, orphans deleted. */
  private async reconcileCanaries(isvcName: string, stable: Json, canaries: { predictor: Json; trafficPercent?: number }[], status: Json, annotations: Record<string, string>): Promise<void> {
    const expected = new Set([kservePredictorServiceName(isvcName, stable.name as string | undefined)]);
    const statuses: Json[] = [];
    for (const canary of canaries) {
      const name = kservePredictorServiceName(isvcName, canary.predictor.name as string | undefined);
      expected.add(name);
      const percent = canary.trafficPercent ?? 0;
      const replicas = (canary.predictor.minReplicas as number | undefined) ?? Math.ceil(((stable.minReplicas as number | undefined) ?? 1) * percent / 100);
      const deployment = await this.ensure(isvcName, name, mergeOverride(stable, canary.predictor), replicas, annotations);
      const available = ((deployment.status as Json | undefined)?.availableReplicas as number | undefined) ?? 0;
      statuses.push({ name: canary.predictor.name, ready: available > 0, trafficPercent: percent });
    }
    if (statuses.length) status.canaryStatuses = statuses; else delete status.canaryStatuses;
    const conditions = new ConditionSet(status);
    if (canaries.length) {
      const allReady = statuses.every((s) => s.ready === true);
      conditions.set('CanaryPredictorReady', { status: allReady ? 'True' : 'False', reason: allReady ? 'AllCanariesReady' : 'CanariesNotReady' });
    } else {
      conditions.clear('CanaryPredictorReady');
    }
    const list = await kubeRequest(this.options.kubeConfig, 'GET', `${this.path()}?labelSelector=${encodeURIComponent(`${ISVC_LABEL}=${isvcName},component=predictor`)}`) as { items: { metadata: { name: string } }[] };
    for (const deployment of list.items) {
      if (expected.has(deployment.metadata.name)) continue;
      await kubeRequest(this.options.kubeConfig, 'DELETE', this.path(deployment.metadata.name)).catch(() => undefined);
      this.written.delete(deployment.metadata.name);
      this.pods.delete(deployment.metadata.name);
      this.options.onDeployment({ kind: 'deleted', name: deployment.metadata.name });
    }
  }

  /** createRawPredictorHTTPRoute and createRawTopLevelHTTPRoute: routes only once the predictor is Ready; Ready canaries get their weight. */
  private async reconcileRoutes(isvcName: string, stableService: string, canaries: { predictor: Json; trafficPercent?: number }[], status: Json): Promise<void> {
    const conditions = new ConditionSet(status);
    if (!conditions.isTrue('PredictorReady')) {
      conditions.set('IngressReady', { status: 'False', reason: 'Predictor ingress not created' });
      return;
    }
    const ready = new Map(((status.canaryStatuses as { name: string; ready: boolean }[] | undefined) ?? []).map((s) => [s.name, s.ready]));
    const weighted = canaries.filter((c) => ready.get(c.predictor.name as string) === true);
    const stableWeight = 100 - weighted.reduce((sum, c) => sum + (c.trafficPercent ?? 0), 0);
    const backendRefs = canaries.length === 0
      ? [{ kind: 'Service', name: stableService, namespace: this.options.namespace, port: 80 }]
      : [
        { kind: 'Service', name: stableService, namespace: this.options.namespace, port: 80, weight: stableWeight },
        ...weighted.map((c) => ({ kind: 'Service', name: kservePredictorServiceName(isvcName, c.predictor.name as string), namespace: this.options.namespace, port: 80, weight: c.trafficPercent ?? 0 })),
      ];
    for (const name of [kservePredictorServiceName(isvcName), isvcName]) {
      const route = {
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
        metadata: { name, namespace: this.options.namespace },
        spec: {
          hostnames: [`${name}-${this.options.namespace}.${this.options.domain}`],
          parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'kserve', name: 'kserve-ingress-gateway' }],
          rules: [{ matches: [{ path: { type: 'RegularExpression', value: '^/.*$' } }], backendRefs }],
        },
      };
      const path = `/apis/gateway.networking.k8s.io/v1/namespaces/${this.options.namespace}/httproutes/${name}`;
      const applied = await kubeRequest(this.options.kubeConfig, 'PATCH', `${path}?fieldManager=kserve-stand-in&force=true`, { body: route, contentType: 'application/apply-patch+yaml' }) as Json;
      if (!(applied.status as Json | undefined)?.parents) {
        // The gateway's part: the route is accepted (isHTTPRouteReady reads these conditions).
        const accepted = [{ parentRef: route.spec.parentRefs[0], controllerName: 'istio.io/gateway-controller', conditions: ['Accepted', 'ResolvedRefs'].map((type) => ({ type, status: 'True', reason: type, message: type === 'Accepted' ? 'Route was valid' : 'All references resolved', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), observedGeneration: (applied.metadata as Json).generation })) }];
        await kubeRequest(this.options.kubeConfig, 'PATCH', `${path}/status`, { body: { status: { parents: accepted } }, contentType: 'application/merge-patch+json' });
      }
    }
    conditions.set('IngressReady', { status: 'True' });
    status.url = `http://${isvcName}-${this.options.namespace}.${this.options.domain}`;
  }
}

/** InferenceServiceStatus.PropagateRawStatus for one Deployment: PredictorReady from its conditions, observedGeneration copied from it. */
export function propagateRawStatus(status: Json, deployment: Json, url: string): void {
  const conditionsOf = ((deployment.status as Json | undefined)?.conditions as { type: string; status: string; reason?: string; message?: string }[] | undefined) ?? [];
  const available = conditionsOf.find((c) => c.type === 'Available');
  const progressing = conditionsOf.find((c) => c.type === 'Progressing');
  const failure = conditionsOf.find((c) => c.type === 'ReplicaFailure');
  let ready: { status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string } = { status: 'False' };
  if (available?.status === 'True') ready = { status: 'True', reason: available.reason ?? '', message: available.message ?? '' };
  if (progressing?.status === 'False' && progressing.message) ready = { status: 'False', reason: progressing.reason ?? '', message: progressing.message };
  if (progressing?.status === 'True') {
    if (progressing.reason === 'NewReplicaSetAvailable') ready = { status: 'True', reason: progressing.reason, message: progressing.message ?? '' };
    else if (available?.status !== 'True') ready = { status: 'Unknown', reason: progressing.reason ?? '', message: progressing.message ?? '' };
  }
  if (available?.status === 'False') ready = { status: 'False', reason: available.reason ?? '', message: available.message ?? '' };
  if (failure?.status === 'True') ready = { status: 'False', reason: failure.reason ?? '', message: failure.message ?? '' };
  const components = (status.components as Json | undefined) ?? {};
  const predictor = { ...((components.predictor as Json | undefined) ?? {}) };
  if (ready.status === 'True') predictor.url = url;
  new ConditionSet(status).set('PredictorReady', ready);
  status.components = { ...components, predictor };
  status.observedGeneration = (deployment.status as Json | undefined)?.observedGeneration;
}

/** mergo.Merge(&canary, canarySpec, mergo.WithOverride) on the JSON form: the canary's set fields win, maps merge. */
export function mergeOverride(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
    out[key] = isMap(current) && isMap(value) ? mergeOverride(current, value) : value;
  }
  return out;
}

function hashOf(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).slice(0, 10).padStart(8, '0');
}
