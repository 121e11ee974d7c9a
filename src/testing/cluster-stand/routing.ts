/**
 * The routing in force for a ModelCanary's public host, as the data plane
 * would follow it, read from the objects that real components act on:
 * - istio: the VirtualService `<name>-predictor` (Istio applies it at once);
 * - gateway-api: the HTTPRoute `<name>-predictor` as the gateway programmed it;
 * - knative: the InferenceService's `status.components.predictor.traffic`
 *   (Knative's Route status: revisions and percents in force);
 * - kserve-raw: KServe's top-level HTTPRoute `<name>` as the gateway programmed it.
 */
import type { Router } from '../../core/spec.js';
import type { KubeClient } from '../../kube/client.js';
import { InferenceService, VirtualService } from '../../kube/resources.js';
import { field } from '../../routers/kserve-status.js';
import type { GatewayStandIn } from './gateway-stand-in.js';

/** One destination of the public host: a Kubernetes Service (raw modes) or a Knative revision. */
export interface RouteTarget {
  readonly destination: string;
  readonly weight: number;
}

export async function routingInForce(client: KubeClient, gateway: GatewayStandIn, router: Router, name: string): Promise<RouteTarget[] | undefined> {
  switch (router) {
    case 'istio': {
      const vs = await client.find(VirtualService, `${name}-predictor`);
      // Istio takes the first http entry that matches: a plain client request carries no special headers.
      const http = (field(vs, 'spec', 'http') as { match?: { headers?: unknown }[]; route?: { destination?: { host?: string }; weight?: number }[] }[] | undefined) ?? [];
      const routes = http.find((h) => !(h.match ?? []).some((m) => m.headers))?.route;
      if (!routes) return undefined;
      // Istio: one destination with no weight takes everything.
      return routes.map((r) => ({ destination: r.destination?.host ?? '', weight: routes.length === 1 ? (r.weight ?? 100) : (r.weight ?? 0) }));
    }
    case 'gateway-api':
      return gateway.inForce(`${name}-predictor`)?.map((b) => ({ destination: b.service, weight: b.weight }));
    case 'kserve-raw':
      return gateway.inForce(name)?.map((b) => ({ destination: b.service, weight: b.weight }));
    case 'knative': {
      const isvc = await client.find(InferenceService, name);
      const traffic = field(isvc, 'status', 'components', 'predictor', 'traffic') as { revisionName?: string; percent?: number }[] | undefined;
      return traffic?.filter((t) => t.revisionName).map((t) => ({ destination: t.revisionName!, weight: t.percent ?? 0 }));
    }
    default:
      throw new Error(`no data plane for router ${router}`);
  }
}
