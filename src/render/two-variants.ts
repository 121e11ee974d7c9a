/**
 * The InferenceServices of the `istio` and `gateway-api` routers: two
 * independent RawDeployments, `<name>-primary` and `<name>-canary`, each with
 * its own autoscaling, serving the same model name.
 */
import type { KubeObject } from '../kube/resources.js';
import { renderInferenceService, variantPredictor } from './inference-service.js';
import { deploymentModeName } from './kserve-names.js';
import { predictorServiceName, variantServiceName, type RenderInput, type Variant } from './input.js';

export interface TwoVariantState {
  /** The version the primary InferenceService serves. */
  readonly primaryStorageUri: string;
  /**
   * The canary InferenceService: running, scaled to zero, or absent; `retiring`
   * runs but is on its way out (promotion or rollback done): no header, cohort
   * or mirrored request reaches it any more.
   */
  readonly canary: 'running' | 'retiring' | 'scaled-to-zero' | 'absent';
  /** Percent of the public host's traffic to the canary. */
  readonly canaryWeight: number;
}

export function renderVariantService(input: RenderInput, variant: Variant, storageUri: string, options: { scaledToZero?: boolean } = {}): KubeObject {
  const name = variantServiceName(input, variant);
  // After a promotion the primary runs the canary's version and keeps the canary's spec for it.
  const specOf: Variant = variant === 'primary' && storageUri === input.canaryStorageUri && storageUri !== input.stableStorageUri ? 'canary' : variant;
  const predictor = variantPredictor(input, specOf, storageUri, name);
  delete predictor.canaryTrafficPercent;
  if (options.scaledToZero) predictor.minReplicas = 0;
  return renderInferenceService({ input, name, variant, mode: deploymentModeName('raw', input.kserveVersion), spec: { predictor } });
}

export function renderVariantServices(input: RenderInput, state: TwoVariantState): KubeObject[] {
  const out = [renderVariantService(input, 'primary', state.primaryStorageUri)];
  if (state.canary !== 'absent') out.push(renderVariantService(input, 'canary', input.canaryStorageUri, { scaledToZero: state.canary === 'scaled-to-zero' }));
  return out;
}

/** The Kubernetes Service (port 80) KServe creates for a variant's predictor. */
export function variantBackend(input: RenderInput, variant: Variant): string {
  return predictorServiceName(variantServiceName(input, variant));
}

export const BACKEND_PORT = 80;

/** Whole percents that always sum to 100. */
export function splitWeights(canaryWeight: number): { primary: number; canary: number } {
  if (!Number.isInteger(canaryWeight) || canaryWeight < 0 || canaryWeight > 100) throw new RangeError(`canary weight must be a whole percent between 0 and 100, not ${canaryWeight}`);
  return { primary: 100 - canaryWeight, canary: canaryWeight };
}
