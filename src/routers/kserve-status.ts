/**
 * Reading what KServe's and the gateways' controllers wrote: conditions, the
 * generation they acted on, and the pieces of spec the routers compare with.
 *
 * Careful with an InferenceService's observedGeneration: KServe copies the
 * Knative Service's (Knative mode) or the stable Deployment's (Standard mode)
 * there, not the InferenceService's own, so it can stay below `generation`
 * for good. The knative and kserve-raw routers do not use `isFresh`; they read
 * revisions, canaryStatuses and conditions (docs/adr/kubernetes-routers.md).
 */
import { ErrorCode, KcanaryError } from '../errors.js';
import type { KubeObject } from '../kube/resources.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function field(object: unknown, ...path: (string | number)[]): unknown {
  let node: unknown = object;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === 'number') node = node[key];
    else if (isObject(node) && typeof key === 'string') node = node[key];
    else return undefined;
  }
  return node;
}

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

export function conditionOf(object: unknown, type: string): Condition | undefined {
  const conditions = field(object, 'status', 'conditions');
  return Array.isArray(conditions) ? (conditions as Condition[]).find((c) => c?.type === type) : undefined;
}

/** The controller has seen the latest spec. */
export function isFresh(object: KubeObject | null): boolean {
  if (!object) return false;
  const observed = field(object, 'status', 'observedGeneration');
  return typeof observed === 'number' && observed >= (object.metadata.generation ?? 0);
}

export interface Readiness {
  readonly ready: boolean;
  readonly message: string;
}

/** Ready=True on a status that reflects the current spec; `preferred` names a narrower condition to use when present (PredictorReady). */
export function readinessOf(object: KubeObject | null, preferred?: string): Readiness {
  if (!object) return { ready: false, message: 'not created yet' };
  if (!isFresh(object)) return { ready: false, message: `waiting for the controller to act on generation ${object.metadata.generation ?? '?'}` };
  const condition = (preferred ? conditionOf(object, preferred) : undefined) ?? conditionOf(object, 'Ready');
  if (!condition) return { ready: false, message: 'no Ready condition yet' };
  if (condition.status === 'True') return { ready: true, message: `${condition.type}` };
  return { ready: false, message: `${condition.type}=${condition.status}${condition.reason ? ` (${condition.reason})` : ''}${condition.message ? `: ${condition.message}` : ''}` };
}

export function storageUriOf(isvc: KubeObject | null): string | undefined {
  const uri = field(isvc, 'spec', 'predictor', 'model', 'storageUri');
  return typeof uri === 'string' ? uri : undefined;
}

/** A change that would send traffic to a backend that is not Ready: refused, the caller tries again later. */
export class NotReadyError extends KcanaryError {
  constructor(message: string) {
    super(ErrorCode.Upstream, message);
    this.name = 'NotReadyError';
  }
}

/** The manifest, to be applied only over the version it was computed from (409 otherwise, and the step runs again). */
export function over(manifest: KubeObject, current: KubeObject | null): KubeObject {
  if (!current?.metadata.resourceVersion) return manifest;
  return { ...manifest, metadata: { ...manifest.metadata, resourceVersion: current.metadata.resourceVersion } };
}
