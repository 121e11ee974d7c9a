/**
 * `gateway-api` router: two RawDeployment InferenceServices and a Gateway
 * API HTTPRoute with weighted backendRefs. The weights are in force only
 * once a gateway has accepted the route (`status.parents[].conditions`).
 */
import type { KubeClient } from '../kube/client.js';
import { HTTPRoute, type KubeObject } from '../kube/resources.js';
import { renderGatewayApi } from '../render/gateway-api.js';
import { predictorServiceName, type RenderInput } from '../render/input.js';
import { variantBackend } from '../render/two-variants.js';
import { field, type Condition } from './kserve-status.js';
import { TwoVariantRouter, canaryPercentOf } from './two-variant-router.js';
import type { TrafficRouter } from './types.js';

interface ParentStatus {
  parentRef?: { name?: string };
  conditions?: Condition[];
}

export function httpRouteWeight(route: KubeObject | null, input: RenderInput): { weight: number | null; message?: string } {
  if (!route) return { weight: null, message: 'HTTPRoute not created yet' };
  if (input.ingress.parentRefs.length > 0) {
    const parents = (field(route, 'status', 'parents') as ParentStatus[] | undefined) ?? [];
    const accepted = parents.some((p) => p.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True'));
    if (!accepted) return { weight: null, message: 'HTTPRoute not accepted by any gateway yet' };
  }
  const refs = field(route, 'spec', 'rules', 0, 'backendRefs');
  if (!Array.isArray(refs) || refs.length === 0) return { weight: null, message: 'HTTPRoute has no backendRefs' };
  const list = refs as { name?: string; weight?: number }[];
  // Gateway API: a backendRef without a weight weighs 1.
  return canaryPercentOf(list, (r) => r.name === variantBackend(input, 'canary'), (r) => r.weight ?? 1, 'HTTPRoute backend');
}

export function createGatewayApiRouter(client: KubeClient): TrafficRouter {
  return new TwoVariantRouter(client, {
    router: 'gateway-api',
    type: HTTPRoute,
    routeName: (input) => predictorServiceName(input.name),
    render: renderGatewayApi,
    weightOf: httpRouteWeight,
    canaryExtras: () => [],
  });
}
