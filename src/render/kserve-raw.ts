/**
 * `kserve-raw` router: one InferenceService in Standard mode (KServe ≥ 0.20)
 * with `spec.canary[]`. Each predictor is named after its model version, so
 * promotion is "the primary takes the canary's name and spec, the entry goes".
 */
import type { KubeObject } from '../kube/resources.js';
import { DeploymentMode, renderInferenceService, variantPredictor } from './inference-service.js';
import { shortHash, type RenderInput, type Variant } from './input.js';

/** A predictor's name: the user's, or `<name>-<hash of the storageUri>` (a valid DNS label). */
export function predictorName(input: RenderInput, variant: Variant, storageUri: string): string {
  const own = variant === 'canary' ? input.canaryPredictor?.name : input.predictor.name;
  if (typeof own === 'string' && own) return own;
  return `${input.name.slice(0, 54)}-${shortHash(storageUri)}`.replace(/^[^a-z]/, 'm');
}

export const KSERVE_CONTAINER = 'kserve-container';

export interface KserveRawState {
  /** The version of `spec.predictor`. */
  readonly primaryStorageUri: string;
  /** The canary entry, or null when there is none. */
  readonly canary: { readonly storageUri: string; readonly trafficPercent: number } | null;
}

export function renderKserveRaw(input: RenderInput, state: KserveRawState): KubeObject[] {
  const primary = variantPredictor(input, 'primary', state.primaryStorageUri, input.name);
  // After a promotion the primary runs what was the canary's version: it keeps the canary's spec and name.
  const primaryVariant: Variant = state.primaryStorageUri === input.canaryStorageUri && state.primaryStorageUri !== input.stableStorageUri ? 'canary' : 'primary';
  const spec: Record<string, unknown> = {
    predictor: { ...(primaryVariant === 'canary' ? variantPredictor(input, 'canary', state.primaryStorageUri, input.name) : primary), name: predictorName(input, primaryVariant, state.primaryStorageUri) },
  };
  if (state.canary) {
    const canary = variantPredictor(input, 'canary', state.canary.storageUri, input.name);
    delete canary.canaryTrafficPercent;
    // The canary's model is a full Container in the CRD, whose `name` is required; KServe's own is this.
    canary.model = { name: KSERVE_CONTAINER, ...(canary.model as Record<string, unknown>) };
    spec.canary = [{ predictor: { ...canary, name: predictorName(input, 'canary', state.canary.storageUri) }, trafficPercent: state.canary.trafficPercent }];
  }
  return [renderInferenceService({ input, name: input.name, mode: DeploymentMode.Standard, spec })];
}

export function renderKserveRawAt(input: RenderInput, weight: number): KubeObject[] {
  return renderKserveRaw(input, { primaryStorageUri: input.stableStorageUri, canary: { storageUri: input.canaryStorageUri, trafficPercent: weight } });
}
