/**
 * `gateway-api` router: two RawDeployment InferenceServices, a Gateway API
 * HTTPRoute with weighted backendRefs and one HTTPRoute per variant. The
 * weights are in force only once a gateway has accepted this generation of
 * the route and resolved its backends (`status.parents[].conditions`
 * Accepted and ResolvedRefs, each with its observedGeneration).
 */
import type { KubeClient } from '../kube/client.js';
import { HTTPRoute, type KubeObject } from '../kube/resources.js';
import { renderGatewayApi, variantHttpRouteName } from '../render/gateway-api.js';
import { predictorServiceName, type RenderInput } from '../render/input.js';
import { variantBackend } from '../render/two-variants.js';
import { field, type Condition } from './kserve-status.js';
import { TwoVariantRouter, canaryPercentOf, type RouteWeight } from './two-variant-router.js';
import type { TrafficRouter } from './types.js';

interface ParentStatus {
  parentRef?: { name?: string; namespace?: string };
  conditions?: (Condition & { observedGeneration?: number })[];
}

/** What the route still waits for from a gateway, or undefined when one has accepted this generation and resolved its backends. */
export function httpRouteWaitingFor(route: KubeObject, input: RenderInput): string | undefined {
  if (input.ingress.parentRefs.length === 0) return undefined;
  const generation = route.metadata.generation ?? 0;
  const parents = (field(route, 'status', 'parents') as ParentStatus[] | undefined) ?? [];
  const name = `HTTPRoute ${route.metadata.name}`;
  const wanted = input.ingress.parentRefs.map((p) => `${p.namespace ? `${p.namespace}/` : ''}${p.name}`).join(', ');
  if (parents.length === 0) return `${name}: waiting for a gateway (${wanted}) to report Accepted and ResolvedRefs`;
  const problems: string[] = [];
  for (const parent of parents) {
    const who = `${parent.parentRef?.namespace ? `${parent.parentRef.namespace}/` : ''}${parent.parentRef?.name ?? '?'}`;
    for (const type of ['Accepted', 'ResolvedRefs']) {
      const condition = parent.conditions?.find((c) => c.type === type);
      if (!condition) problems.push(`${who}: no ${type} yet`);
      else if (condition.observedGeneration !== undefined && condition.observedGeneration < generation) problems.push(`${who}: ${type} is for generation ${condition.observedGeneration}, waiting for ${generation}`);
      else if (condition.status !== 'True') problems.push(`${who}: ${type}=${condition.status}${condition.reason ? ` (${condition.reason})` : ''}${condition.message ? `: ${condition.message}` : ''}`);
    }
    if (problems.length === 0) return undefined;
  }
  return `${name}: waiting for a gateway to accept it and resolve its backends (${problems.join('; ')})`;
}

export function httpRouteWeight(route: KubeObject | null, input: RenderInput): RouteWeight {
  if (!route) return { weight: null, message: 'HTTPRoute not created yet' };
  // The split is the last rule: the canary header and cohort rules come before it.
  const rules = field(route, 'spec', 'rules');
  const refs = Array.isArray(rules) ? (rules.at(-1) as { backendRefs?: unknown } | undefined)?.backendRefs : undefined;
  if (!Array.isArray(refs) || refs.length === 0) return { weight: null, message: 'HTTPRoute has no backendRefs' };
  const list = refs as { name?: string; weight?: number }[];
  // Gateway API: a backendRef without a weight weighs 1.
  const written = canaryPercentOf(list, (r) => r.name === variantBackend(input, 'canary'), (r) => r.weight ?? 1, 'HTTPRoute backend');
  const waiting = httpRouteWaitingFor(route, input);
  return waiting ? { weight: null, specWeight: written.weight, message: waiting } : written;
}

export function createGatewayApiRouter(client: KubeClient): TrafficRouter {
  return new TwoVariantRouter(client, {
    router: 'gateway-api',
    type: HTTPRoute,
    routeName: (input) => predictorServiceName(input.name),
    render: renderGatewayApi,
    weightOf: httpRouteWeight,
    variantRouteName: variantHttpRouteName,
  });
}
