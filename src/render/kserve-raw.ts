/**
 * `kserve-raw` router: one InferenceService in Standard mode (KServe ≥ 0.20)
 * with `spec.canary[]`. KServe names the stable Deployment and Service after
 * `spec.predictor.name` (kserve-names.ts), so the stable predictor keeps the
 * name it has — naming it anew would replace the stable pods. The canary
 * entry carries only what differs (its name and model); KServe merges it over
 * the stable predictor. Promotion: the stable predictor takes the canary's
 * name and spec, so KServe keeps the canary's Deployment, already Ready, as
 * the stable one, and the entry goes.
 */
import type { KubeObject } from '../kube/resources.js';
import { DeploymentMode, renderInferenceService, variantPredictor } from './inference-service.js';
import type { RenderInput, Variant } from './input.js';
import { canaryPredictorName } from './kserve-names.js';

/** The canary's `predictor.name` in spec.canary[]. */
export function canaryNameOf(input: RenderInput): string {
  return canaryPredictorName(input.canaryStorageUri, input.canaryPredictor?.name);
}

export const KSERVE_CONTAINER = 'kserve-container';

export interface KserveRawState {
  /** The version of `spec.predictor`. */
  readonly primaryStorageUri: string;
  /** `spec.predictor.name` as the live InferenceService has it; absent: unnamed (`<isvc>-predictor`). */
  readonly primaryName?: string;
  /** The canary entry, or null when there is none. */
  readonly canary: { readonly storageUri: string; readonly trafficPercent: number } | null;
}

/** The variant whose spec the stable predictor runs: after a promotion, the canary's. */
function primaryVariant(input: RenderInput, storageUri: string): Variant {
  return storageUri === input.canaryStorageUri && storageUri !== input.stableStorageUri ? 'canary' : 'primary';
}

export function renderKserveRaw(input: RenderInput, state: KserveRawState): KubeObject[] {
  const predictor = variantPredictor(input, primaryVariant(input, state.primaryStorageUri), state.primaryStorageUri, input.name);
  delete predictor.name;
  const spec: Record<string, unknown> = { predictor: { ...(state.primaryName ? { name: state.primaryName } : {}), ...predictor } };
  if (state.canary) {
    const full = variantPredictor(input, 'canary', state.canary.storageUri, input.name);
    const overrides = { ...(input.canaryPredictor ?? {}) };
    delete overrides.model;
    delete overrides.name;
    // The canary's model is a full Container in the CRD, whose `name` is required; KServe's own is this.
    const model = { name: KSERVE_CONTAINER, ...(full.model as Record<string, unknown>) };
    // KServe sizes a canary by its traffic share unless told (canaryReplicaCount: 0 replicas at 0%, never Ready): it must be Ready before it takes traffic.
    const minReplicas = typeof full.minReplicas === 'number' && full.minReplicas > 0 ? full.minReplicas : 1;
    spec.canary = [{ predictor: { name: canaryNameOf(input), ...overrides, minReplicas, model }, trafficPercent: state.canary.trafficPercent }];
  }
  return [renderInferenceService({ input, name: input.name, mode: DeploymentMode.Standard, spec })];
}

export function renderKserveRawAt(input: RenderInput, weight: number): KubeObject[] {
  return renderKserveRaw(input, { primaryStorageUri: input.stableStorageUri, canary: { storageUri: input.canaryStorageUri, trafficPercent: weight } });
}
