/**
 * `knative` router: one InferenceService in KServe's Knative mode. A new
 * storageUri makes a new revision; `canaryTrafficPercent` splits between it
 * and the last revision rolled out at 100%. Tag routing gives each revision
 * its own URL.
 */
import type { KubeObject } from '../kube/resources.js';
import { ANNOTATIONS, renderInferenceService, variantPredictor } from './inference-service.js';
import type { RenderInput } from './input.js';
import { deploymentModeName } from './kserve-names.js';

export interface KnativeState {
  /** The version the newest revision runs. */
  readonly storageUri: string;
  /** Percent to the newest revision; absent once it is rolled out (promotion). */
  readonly canaryTrafficPercent?: number;
  /** The deploymentMode annotation (default: by spec.kserve.version). */
  readonly mode?: string;
}

export function renderKnative(input: RenderInput, state: KnativeState): KubeObject[] {
  const variant = state.storageUri === input.canaryStorageUri ? 'canary' : 'primary';
  const predictor = variantPredictor(input, variant, state.storageUri, input.name);
  if (state.canaryTrafficPercent !== undefined) predictor.canaryTrafficPercent = state.canaryTrafficPercent;
  return [renderInferenceService({
    input,
    name: input.name,
    mode: state.mode ?? deploymentModeName('knative', input.kserveVersion),
    annotations: { [ANNOTATIONS.tagRouting]: 'true' },
    spec: { predictor },
  })];
}

/** The rollout at a canary weight: the canary revision takes `weight` percent. */
export function renderKnativeAt(input: RenderInput, weight: number): KubeObject[] {
  return renderKnative(input, { storageUri: input.canaryStorageUri, canaryTrafficPercent: weight });
}
