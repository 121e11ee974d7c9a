/**
 * The router of a ModelCanary in a cluster, by name, and the names Prometheus
 * knows its two variants by. An unknown or local router is an error, never a
 * silent fallback.
 */
import type { ModelCanary, Router } from '../core/spec.js';
import { UsageError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import type { VariantNames } from '../metrics/prometheus.js';
import { renderInputFrom } from '../render/input.js';
import { variantBackend } from '../render/two-variants.js';
import { createGatewayApiRouter } from '../routers/gateway-api.js';
import { createIstioRouter } from '../routers/istio.js';
import { createKnativeRouter } from '../routers/knative.js';
import { createKserveRawRouter } from '../routers/kserve-raw.js';
import type { RouterContext, RouterObservation, TrafficRouter } from '../routers/types.js';

const FACTORIES: Readonly<Partial<Record<Router, (client: KubeClient) => TrafficRouter>>> = {
  istio: createIstioRouter,
  'gateway-api': createGatewayApiRouter,
  knative: createKnativeRouter,
  'kserve-raw': createKserveRawRouter,
};

export function createClusterRouter(router: Router, client: KubeClient): TrafficRouter {
  const factory = FACTORIES[router];
  if (!factory) throw new UsageError(`spec.router: "${router}" does not run in a cluster (use ${Object.keys(FACTORIES).join(', ')}; local rollouts run with \`kcanary up\`)`);
  return factory(client);
}

/**
 * Two-InferenceService routers: the Service of each variant's predictor.
 * Knative and kserve-raw: the revision or component the router observed.
 */
export function variantNamesOf(ctx: RouterContext, observation: RouterObservation | undefined): VariantNames {
  const { canary } = ctx;
  if (canary.spec.router === 'istio' || canary.spec.router === 'gateway-api') {
    const input = renderInputFrom(canary, ctx, canary.metadata.namespace ?? 'default');
    return { primary: variantBackend(input, 'primary'), canary: variantBackend(input, 'canary') };
  }
  return {
    primary: observation?.primary.revision ?? `${canary.metadata.name}-predictor`,
    canary: observation?.canary.revision ?? `${canary.metadata.name}-predictor-canary`,
  };
}

export function isClusterRouter(canary: ModelCanary): boolean {
  return FACTORIES[canary.spec.router] !== undefined;
}
