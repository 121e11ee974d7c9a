/**
 * KServe's Knative mode for the stand-in controller: the Knative Service
 * KServe writes (reconcilers/knative/ksvc_reconciler.go), what Knative Serving
 * makes of it (a Configuration whose template changes create revisions named
 * `<ksvc>-0000N`, a Route resolving `latestRevision: true` to the latest
 * *ready* revision), and how KServe copies that back into the
 * InferenceService status (PropagateStatus in inference_service_status.go).
 * Knative's objects live in memory: the test API server runs no Knative.
 */
import { ConditionSet, knativeRevisionName, kservePredictorServiceName, type Condition, type ConditionStatus } from './kserve-conditions.js';

type Json = Record<string, unknown>;

export interface TrafficTarget {
  tag?: string;
  revisionName?: string;
  latestRevision?: boolean;
  percent?: number;
  url?: string;
}

interface Revision {
  readonly name: string;
  readonly generation: number;
  readonly createdAt: number;
  readonly storageUri: string | undefined;
  readonly failed: boolean;
}

interface KsvcStatus {
  observedGeneration: number;
  latestCreatedRevisionName?: string;
  latestReadyRevisionName?: string;
  traffic?: TrafficTarget[];
  conditions: Condition[];
  url?: string;
}

/** One Knative Service with its Configuration, Revisions and Route. */
export interface KnativeService {
  readonly name: string;
  generation: number;
  template: string;
  traffic: TrafficTarget[];
  configurationGeneration: number;
  readonly revisions: Revision[];
  status: KsvcStatus | undefined;
}

export interface KnativeOptions {
  readonly namespace: string;
  readonly domain: string;
  readonly readinessDelayMs: number;
  readonly isFailing: (storageUri: string | undefined) => boolean;
  readonly onRevision: (revision: { name: string; storageUri: string | undefined }) => void;
}

const TAG_ROUTING = 'serving.kserve.io/enable-tag-routing';

function predictorOf(isvc: Json): Json {
  return ((isvc.spec as Json | undefined)?.predictor as Json | undefined) ?? {};
}

function storageUriOf(predictor: Json): string | undefined {
  const uri = (predictor.model as Json | undefined)?.storageUri;
  return typeof uri === 'string' ? uri : undefined;
}

/**
 * createKnativeService: the template is everything of the predictor but the
 * traffic split (plus the annotations it carries); the traffic is the
 * latest revision at canaryTrafficPercent and the last rolled-out revision
 * (tag `prev`) at the rest — that second target is NOT written at 100%.
 */
export function desiredKsvc(isvc: Json, component: Json): { name: string; template: string; traffic: TrafficTarget[] } {
  const predictor = { ...predictorOf(isvc) };
  const canaryTrafficPercent = predictor.canaryTrafficPercent as number | undefined;
  delete predictor.canaryTrafficPercent;
  const metadata = isvc.metadata as { name: string; annotations?: Record<string, string> };
  const annotations = metadata.annotations ?? {};
  const template = JSON.stringify({ predictor, annotations });
  const tagged = annotations[TAG_ROUTING] === 'true';
  const lastRolledout = component.latestRolledoutRevision as string | undefined;
  const traffic: TrafficTarget[] = [];
  if (canaryTrafficPercent !== undefined && canaryTrafficPercent !== null && lastRolledout) {
    traffic.push({ latestRevision: true, percent: canaryTrafficPercent, ...(tagged ? { tag: 'latest' } : {}) });
    if (canaryTrafficPercent < 100) traffic.push({ revisionName: lastRolledout, latestRevision: false, percent: 100 - canaryTrafficPercent, tag: 'prev' });
  } else {
    traffic.push({ latestRevision: true, percent: 100, ...(tagged ? { tag: 'latest' } : {}) });
  }
  return { name: kservePredictorServiceName(metadata.name, predictor.name as string | undefined), template, traffic };
}

/**
 * KsvcReconciler.Reconcile: create, or update when the spec differs
 * (semanticEquals). It returns the Knative status *as read before the
 * update*: Knative has not acted on the new spec yet.
 */
export function reconcileKsvc(existing: KnativeService | undefined, isvc: Json, component: Json, at: number, options: KnativeOptions): { ksvc: KnativeService; status: KsvcStatus | undefined } {
  const desired = desiredKsvc(isvc, component);
  const storageUri = storageUriOf(predictorOf(isvc));
  const newRevision = (ksvc: KnativeService) => {
    const revision = { name: knativeRevisionName(ksvc.name, ksvc.configurationGeneration), generation: ksvc.configurationGeneration, createdAt: at, storageUri, failed: options.isFailing(storageUri) };
    ksvc.revisions.push(revision);
    options.onRevision({ name: revision.name, storageUri });
  };
  if (!existing || existing.name !== desired.name) {
    const ksvc: KnativeService = { name: desired.name, generation: 1, template: desired.template, traffic: desired.traffic, configurationGeneration: 1, revisions: [], status: undefined };
    newRevision(ksvc);
    return { ksvc, status: undefined };
  }
  const status = existing.status ? structuredClone(existing.status) : undefined;
  const sameTraffic = JSON.stringify(existing.traffic) === JSON.stringify(desired.traffic);
  if (existing.template === desired.template && sameTraffic) return { ksvc: existing, status };
  existing.generation += 1;
  existing.traffic = desired.traffic;
  if (existing.template !== desired.template) {
    existing.template = desired.template;
    existing.configurationGeneration += 1;
    newRevision(existing);
  }
  return { ksvc: existing, status };
}

/**
 * Knative Serving acting on the Service: the Configuration's latest ready
 * revision is the newest one whose pods are Ready; the Route resolves each
 * target (latestRevision → latest ready) and keeps its last traffic while a
 * target cannot be resolved (RevisionMissing).
 */
export function stepKnative(ksvc: KnativeService, at: number, options: KnativeOptions): void {
  const isReady = (r: Revision) => !r.failed && at >= r.createdAt + options.readinessDelayMs;
  const latestCreated = ksvc.revisions.at(-1)!;
  const previousReady = ksvc.status?.latestReadyRevisionName;
  const newestReady = [...ksvc.revisions].reverse().find(isReady);
  const latestReady = newestReady && (!previousReady || newestReady.generation >= (ksvc.revisions.find((r) => r.name === previousReady)?.generation ?? 0)) ? newestReady.name : previousReady;
  let routable = true;
  const traffic = ksvc.traffic.map((target) => {
    const revisionName = target.latestRevision ? latestReady : target.revisionName;
    if (!revisionName) routable = false;
    const url = target.tag ? `http://${target.tag}-${ksvc.name}.${options.namespace}.${options.domain}` : undefined;
    return { ...(target.tag ? { tag: target.tag } : {}), revisionName, latestRevision: target.latestRevision === true, percent: target.percent, ...(url ? { url } : {}) } as TrafficTarget;
  });
  const configuration: ConditionStatus = latestCreated.failed ? 'False' : isReady(latestCreated) ? 'True' : 'Unknown';
  const routes: ConditionStatus = routable ? 'True' : 'Unknown';
  const conditions: Condition[] = [
    { type: 'ConfigurationsReady', status: configuration, ...(configuration === 'False' ? { reason: 'RevisionFailed', message: `Revision "${latestCreated.name}" failed with message: Container failed with: model load failed.` } : {}) },
    { type: 'RoutesReady', status: routes, ...(routes === 'Unknown' ? { reason: 'RevisionMissing', message: `Configuration "${ksvc.name}" is waiting for a Revision to become ready.` } : {}) },
  ];
  const worst = conditions.find((c) => c.status === 'False') ?? conditions.find((c) => c.status === 'Unknown');
  conditions.push(worst ? { ...worst, type: 'Ready' } : { type: 'Ready', status: 'True' });
  ksvc.status = {
    observedGeneration: ksvc.generation,
    latestCreatedRevisionName: latestCreated.name,
    ...(latestReady ? { latestReadyRevisionName: latestReady } : {}),
    ...(routable ? { traffic } : ksvc.status?.traffic ? { traffic: ksvc.status.traffic } : {}),
    conditions,
    url: `http://${ksvc.name}.${options.namespace}.${options.domain}`,
  };
}

/** InferenceServiceStatus.PropagateStatus for the predictor, line by line. */
export function propagateStatus(status: Json, kstatus: KsvcStatus | undefined): void {
  const components = (status.components as Json | undefined) ?? {};
  const spec = { ...((components.predictor as Json | undefined) ?? {}) };
  const k = kstatus ?? { observedGeneration: 0, conditions: [] };
  if (k.latestCreatedRevisionName) spec.latestCreatedRevision = k.latestCreatedRevisionName; else delete spec.latestCreatedRevision;
  const revisionTraffic = new Map<string, number>();
  for (const t of k.traffic ?? []) if (t.percent !== undefined) revisionTraffic.set(t.revisionName ?? '', (revisionTraffic.get(t.revisionName ?? '') ?? 0) + t.percent);
  for (const t of k.traffic ?? []) {
    if (t.revisionName !== k.latestReadyRevisionName || t.latestRevision !== true) continue;
    if (spec.latestRolledoutRevision !== k.latestReadyRevisionName) {
      if (t.percent === 100) {
        // track the last revision that's fully rolled out
        if (spec.latestRolledoutRevision) spec.previousRolledoutRevision = spec.latestRolledoutRevision; else delete spec.previousRolledoutRevision;
        spec.latestRolledoutRevision = k.latestReadyRevisionName;
      }
    } else if (k.latestReadyRevisionName === k.latestCreatedRevisionName && t.percent !== undefined && t.percent < 100) {
      // rolled out at 100% and then rolled back: the previous rolled-out revision is the rolled-out one again
      if (revisionTraffic.get(t.revisionName ?? '') === 100 && spec.previousRolledoutRevision) spec.latestRolledoutRevision = spec.previousRolledoutRevision;
    }
  }
  if (k.latestReadyRevisionName) spec.latestReadyRevision = k.latestReadyRevisionName; else delete spec.latestReadyRevision;
  const conditionOf = (type: string) => k.conditions.find((c) => c.type === type);
  const ready = conditionOf('Ready');
  if (ready?.status === 'True' && k.url) spec.url = k.url;
  const set = new ConditionSet(status);
  set.set('PredictorReady', ready);
  set.set('PredictorRouteReady', conditionOf('RoutesReady'));
  if (k.traffic) spec.traffic = k.traffic; else delete spec.traffic;
  set.set('PredictorConfigurationReady', conditionOf('ConfigurationsReady'));
  status.components = { ...components, predictor: spec };
  status.observedGeneration = k.observedGeneration;
}

/** The controller's Knative-only tail: RoutesReady and LatestDeploymentReady across components, then the Istio ingress. */
export function propagateKnativeIngress(status: Json, isvcUrl: string): void {
  const set = new ConditionSet(status);
  for (const [summary, component] of [['RoutesReady', 'PredictorRouteReady'], ['LatestDeploymentReady', 'PredictorConfigurationReady']] as const) {
    const ok = set.isTrue(component);
    set.set(summary, { status: ok ? 'True' : set.isUnknown(component) ? 'Unknown' : 'False', ...(ok ? {} : { reason: `${component} not ready` }) });
  }
  // ingress_reconciler.go createIngress: no VirtualService until the predictor is Ready.
  if (!set.isTrue('PredictorReady')) {
    set.set('IngressReady', { status: set.isUnknown('PredictorReady') ? 'Unknown' : 'False', reason: 'Predictor ingress not created' });
    return;
  }
  set.set('IngressReady', { status: 'True' });
  status.url = isvcUrl;
}
