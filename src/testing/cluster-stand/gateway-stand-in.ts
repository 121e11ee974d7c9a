/**
 * The Gateway API implementation's part, for a test API server with none:
 * every HTTPRoute of a namespace is programmed `programDelayMs` after its
 * generation changes — from then on its backendRefs are the ones traffic
 * follows — and the route's status says so for each parent, with Accepted
 * and ResolvedRefs at that generation (as Istio's gateway controller writes
 * them). Until a generation is programmed, the previous one stays in force.
 */
import type { KubeClient } from '../../kube/client.js';
import { HTTPRoute, type KubeObject } from '../../kube/resources.js';

export interface BackendWeight {
  readonly service: string;
  readonly weight: number;
}

export interface GatewayStandIn {
  /** The backends a route sends to as the gateway has programmed them; undefined while it never was. */
  inForce(route: string): readonly BackendWeight[] | undefined;
  stop(): Promise<void>;
}

interface Pending { generation: number; seenAt: number }

const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function backendsOf(route: KubeObject): BackendWeight[] {
  const rules = ((route.spec as { rules?: { matches?: { headers?: unknown[] }[]; backendRefs?: { name: string; weight?: number }[] }[] } | undefined)?.rules) ?? [];
  // The rule a plain client request takes: one whose matches ask for no header.
  const plain = rules.find((r) => !(r.matches ?? []).some((m) => m.headers?.length));
  // Gateway API: a backendRef without a weight weighs 1.
  return (plain?.backendRefs ?? []).map((ref) => ({ service: ref.name, weight: ref.weight ?? 1 }));
}

export function startGatewayStandIn(client: KubeClient, options: { programDelayMs?: number; intervalMs?: number } = {}): GatewayStandIn {
  const delay = options.programDelayMs ?? 300;
  const programmed = new Map<string, { generation: number; backends: BackendWeight[] }>();
  const pending = new Map<string, Pending>();
  let stopped = false;

  async function pass(): Promise<void> {
    const now = Date.now();
    const routes = await client.list(HTTPRoute);
    const names = new Set(routes.map((r) => r.metadata.name));
    for (const name of programmed.keys()) if (!names.has(name)) programmed.delete(name);
    for (const route of routes) {
      const name = route.metadata.name;
      const generation = route.metadata.generation ?? 1;
      if (programmed.get(name)?.generation === generation) continue;
      const waiting = pending.get(name);
      if (!waiting || waiting.generation !== generation) { pending.set(name, { generation, seenAt: now }); continue; }
      if (now - waiting.seenAt < delay) continue;
      programmed.set(name, { generation, backends: backendsOf(route) });
      pending.delete(name);
      const parentRefs = ((route.spec as { parentRefs?: Record<string, unknown>[] } | undefined)?.parentRefs) ?? [];
      const at = stamp();
      const parents = parentRefs.map((parentRef) => ({
        parentRef, controllerName: 'istio.io/gateway-controller',
        conditions: [
          { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route was valid', observedGeneration: generation, lastTransitionTime: at },
          { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references resolved', observedGeneration: generation, lastTransitionTime: at },
        ],
      }));
      await client.patchStatus(HTTPRoute, name, { parents }).catch(() => undefined);
    }
  }

  const loop = (async () => {
    while (!stopped) {
      await pass().catch(() => undefined);
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
    }
  })();
  return {
    inForce: (route) => programmed.get(route)?.backends,
    async stop() { stopped = true; await loop; },
  };
}
