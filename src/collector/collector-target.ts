/**
 * Which logged events belong to which variant of a ModelCanary. Two-InferenceService
 * routers (istio, gateway-api): by InferenceService name. One InferenceService
 * (knative, kserve-raw): by the pod name in ce-source, which starts with the
 * revision (knative) or predictor (kserve-raw) name the router observed.
 */
import { judgesPredictions, type ModelCanary } from '../core/spec.js';
import { renderInputFrom, variantServiceName } from '../render/input.js';
import type { RouterContext, RouterObservation } from '../routers/types.js';
import type { CollectorTarget } from './prediction-collector.js';

export function collectorKey(canary: ModelCanary): string {
  return `${canary.metadata.namespace ?? 'default'}/${canary.metadata.name}`;
}

/** The target to listen for; undefined while the variants cannot be told apart yet (no canary revision observed). */
export function collectorTargetOf(ctx: RouterContext, observation: RouterObservation | undefined): CollectorTarget | undefined {
  const { canary } = ctx;
  const namespace = canary.metadata.namespace ?? 'default';
  const mode = canary.spec.rollout.mirror > 0 ? 'mirrored' : 'split';
  if (canary.spec.router === 'istio' || canary.spec.router === 'gateway-api') {
    const input = renderInputFrom(canary, ctx, namespace);
    return {
      namespace, mode,
      primary: { inferenceService: variantServiceName(input, 'primary') },
      canary: { inferenceService: variantServiceName(input, 'canary') },
    };
  }
  const primary = observation?.primary.revision;
  const canaryRevision = observation?.canary.revision;
  if (!primary || !canaryRevision || primary === canaryRevision) return undefined;
  const inferenceService = canary.metadata.name;
  return {
    namespace, mode,
    primary: { inferenceService, podPrefix: `${primary}-` },
    canary: { inferenceService, podPrefix: `${canaryRevision}-` },
  };
}

export { judgesPredictions as needsPredictions };
