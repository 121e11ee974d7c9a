/**
 * `istio` router: two RawDeployment InferenceServices and an Istio
 * VirtualService splitting the public host by weight (the "Model Canary
 * without Knative" design), plus one VirtualService per variant.
 * The weight in force is the one in the VirtualService as stored.
 */
import type { KubeClient } from '../kube/client.js';
import { VirtualService, type KubeObject } from '../kube/resources.js';
import { predictorServiceName, variantServiceName, type RenderInput } from '../render/input.js';
import { renderIstio } from '../render/istio.js';
import { variantBackend } from '../render/two-variants.js';
import { field } from './kserve-status.js';
import { TwoVariantRouter, canaryPercentOf } from './two-variant-router.js';
import type { TrafficRouter } from './types.js';

interface RouteDestination {
  destination?: { host?: string };
  weight?: number;
}

/** The canary's share of the public route: its weight over the total (Istio treats missing weights as 0 when several routes exist). */
export function virtualServiceWeight(vs: KubeObject | null, input: RenderInput): { weight: number | null; message?: string } {
  if (!vs) return { weight: null, message: 'VirtualService not created yet' };
  // The split is the last route: the canary header and cohort routes come before it.
  const http = field(vs, 'spec', 'http');
  const routes = Array.isArray(http) ? (http.at(-1) as { route?: unknown } | undefined)?.route : undefined;
  if (!Array.isArray(routes) || routes.length === 0) return { weight: null, message: 'VirtualService has no route' };
  const canaryHost = variantBackend(input, 'canary');
  const list = routes as RouteDestination[];
  if (list.length === 1) return { weight: list[0]!.destination?.host === canaryHost ? 100 : 0 };
  return canaryPercentOf(list, (r) => r.destination?.host === canaryHost, (r) => r.weight ?? 0, 'VirtualService route');
}

export function createIstioRouter(client: KubeClient): TrafficRouter {
  return new TwoVariantRouter(client, {
    router: 'istio',
    type: VirtualService,
    routeName: (input) => predictorServiceName(input.name),
    render: renderIstio,
    weightOf: virtualServiceWeight,
    variantRouteName: (input, variant) => predictorServiceName(variantServiceName(input, variant)),
  });
}
