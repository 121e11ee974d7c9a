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
import { kservePredictorName } from '../render/kserve-names.js';
import { canaryNameOf } from '../render/kserve-raw.js';
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
 * Knative and kserve-raw: the names the router observed (a Knative revision,
 * or the Service KServe names after the predictor); before the first
 * observation, kserve-raw's are derived from the spec as KServe derives them
 * and Knative's are left empty (no revision is named so: no data, inconclusive).
 */
export function variantNamesOf(ctx: RouterContext, observation: RouterObservation | undefined): VariantNames {
  const { canary } = ctx;
  const input = renderInputFrom(canary, ctx, canary.metadata.namespace ?? 'default');
  if (canary.spec.router === 'istio' || canary.spec.router === 'gateway-api') {
    return { primary: variantBackend(input, 'primary'), canary: variantBackend(input, 'canary') };
  }
  const derived = canary.spec.router === 'kserve-raw'
    ? { primary: kservePredictorName(input.name), canary: kservePredictorName(input.name, canaryNameOf(input)) }
    : { primary: '', canary: '' };
  return {
    primary: observation?.primary.metricsName ?? derived.primary,
    canary: observation?.canary.metricsName ?? derived.canary,
  };
}

/**
 * A spec for a cluster must name its router: the file format's default,
 * `local`, runs on this machine only, and guessing a mesh would create
 * objects nothing routes by (docs/adr/cluster-router-required.md).
 */
export function requireClusterRouter(document: unknown, source: string): void {
  const router = (document as { spec?: { router?: unknown } } | null)?.spec?.router;
  if (router === undefined || router === null) {
    throw new UsageError(`${source}: spec.router is required for a rollout in a cluster: one of ${Object.keys(FACTORIES).join(', ')} (a rollout on this machine runs with \`kcanary up -f\`)`);
  }
}

export function isClusterRouter(canary: ModelCanary): boolean {
  return FACTORIES[canary.spec.router] !== undefined;
}
