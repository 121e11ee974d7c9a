/**
 * What the `istio` and `gateway-api` routers share: two InferenceServices
 * (`<name>-primary`, `<name>-canary`) behind one weighted route. They differ
 * only in the route object, passed in as a `RouteKind`.
 *
 * Every call reads the objects, makes the next safe move and re-reads, until
 * it has to wait for a controller (readiness) or is done; so promote() and
 * rollback() are idempotent and report progress through observe().
 */
import type { KubeClient } from '../kube/client.js';
import { InferenceService, type KubeObject, type ResourceType } from '../kube/resources.js';
import { LABELS, renderInputFrom, type RenderInput } from '../render/input.js';
import type { TwoVariantState } from '../render/two-variants.js';
import { variantHost, variantServiceName, type Variant } from '../render/input.js';
import type { Router } from '../core/spec.js';
import { NotReadyError, over, readinessOf, storageUriOf, field, type Readiness } from './kserve-status.js';
import type { RouterContext, RouterObservation, TrafficRouter } from './types.js';

/** The canary's whole-percent share of weighted route entries (a VirtualService's destinations, an HTTPRoute's backendRefs). */
export function canaryPercentOf<T>(entries: readonly T[], isCanary: (entry: T) => boolean, weightOf: (entry: T) => number, what: string): { weight: number | null; message?: string } {
  const total = entries.reduce((sum, e) => sum + weightOf(e), 0);
  const canary = entries.filter(isCanary).reduce((sum, e) => sum + weightOf(e), 0);
  if (total === 0) return { weight: null, message: `${what} weights sum to 0` };
  return { weight: Math.round((canary * 100) / total) };
}

export interface RouteWeight {
  readonly weight: number | null;
  /** The weight the route's spec asks for, in force or not yet. */
  readonly specWeight?: number | null;
  readonly message?: string;
}

export interface RouteKind {
  readonly router: Router;
  readonly type: ResourceType;
  readonly routeName: (input: RenderInput) => string;
  /** Everything the router applies for this state, InferenceServices first. */
  readonly render: (input: RenderInput, state: TwoVariantState) => KubeObject[];
  /** The canary weight in force according to the route, or null with the reason; `specWeight`: the one written in it. */
  readonly weightOf: (route: KubeObject | null, input: RenderInput) => RouteWeight;
  /** The route on a variant's own host, which exists only while that variant can serve. */
  readonly variantRouteName: (input: RenderInput, variant: Variant) => string;
}

interface Snapshot {
  readonly input: RenderInput;
  readonly primary: KubeObject | null;
  readonly canary: KubeObject | null;
  readonly route: KubeObject | null;
  /** The per-variant routes as stored. */
  readonly variantRoutes: Readonly<Record<Variant, KubeObject | null>>;
  readonly primaryUri: string | undefined;
  readonly primaryReady: Readiness;
  readonly canaryReady: Readiness;
  readonly weight: number | null;
  /** What the route's spec asks for: writes compare with this, waits with `weight`. */
  readonly specWeight: number | null;
  readonly weightMessage: string | undefined;
  readonly canaryCleaned: boolean;
}

/** How many moves one call makes at most before it returns (each move is one write). */
const MAX_MOVES = 6;

/** The split route still has canary routes ahead of the split (header, cohorts; the mirror comes with them). */
function reachesCanaryBeyondWeight(route: KubeObject | null): boolean {
  const spec = (route?.spec ?? {}) as { http?: unknown; rules?: unknown };
  const routes = spec.http ?? spec.rules;
  return Array.isArray(routes) && routes.length > 1;
}

export class TwoVariantRouter implements TrafficRouter {
  readonly name: Router;

  constructor(private readonly client: KubeClient, private readonly kind: RouteKind) {
    this.name = kind.router;
  }

  private inputOf(ctx: RouterContext): RenderInput {
    return renderInputFrom(ctx.canary, ctx, this.client.namespace);
  }

  private async read(ctx: RouterContext): Promise<Snapshot> {
    const input = this.inputOf(ctx);
    const scope = { namespace: input.namespace };
    const [primary, canary, route, primaryRoute, canaryRoute] = await Promise.all([
      this.client.find(InferenceService, variantServiceName(input, 'primary'), scope),
      this.client.find(InferenceService, variantServiceName(input, 'canary'), scope),
      this.client.find(this.kind.type, this.kind.routeName(input), scope),
      this.client.find(this.kind.type, this.kind.variantRouteName(input, 'primary'), scope),
      this.client.find(this.kind.type, this.kind.variantRouteName(input, 'canary'), scope),
    ]);
    const { weight, specWeight, message } = this.kind.weightOf(route, input);
    const scaledToZero = field(canary, 'spec', 'predictor', 'minReplicas') === 0;
    const cleanup = ctx.canary.spec.rollout.canaryCleanup;
    return {
      input, primary, canary, route,
      variantRoutes: { primary: primaryRoute, canary: canaryRoute },
      primaryUri: storageUriOf(primary),
      primaryReady: readinessOf(primary),
      canaryReady: scaledToZero ? { ready: false, message: 'scaled to zero' } : readinessOf(canary),
      weight,
      specWeight: specWeight === undefined ? weight : specWeight,
      weightMessage: message,
      canaryCleaned: canary === null || (cleanup === 'scale-to-zero' && scaledToZero),
    };
  }

  /**
   * Applies the rendered objects: the InferenceServices, the split route and
   * the per-variant routes. A route that does not exist yet is created only
   * once the variants it sends to are Ready: a route to a backend with no
   * Ready pods answers 503.
   */
  private async applyState(s: Snapshot, state: TwoVariantState, only?: 'route' | 'primary'): Promise<void> {
    const manifests = this.kind.render(s.input, state);
    for (const manifest of manifests) {
      const role = this.roleOf(s.input, manifest);
      if (only === 'route' && role !== 'route' && role !== 'variant-route') continue;
      if (only === 'primary' && role !== 'primary') continue;
      if (role === 'route' && !s.route && !this.splitCanServe(s, state)) continue;
      if (role === 'variant-route') {
        const variant = manifest.metadata.labels?.[LABELS.variant] as Variant;
        // Created once its variant is Ready; left alone afterwards (it never changes).
        if (s.variantRoutes[variant] || !(variant === 'primary' ? s.primaryReady : s.canaryReady).ready) continue;
      }
      // Decisions rest on what was read: a changed route or primary means read and decide again.
      await this.client.apply(role === 'route' ? over(manifest, s.route) : role === 'primary' ? over(manifest, s.primary) : manifest);
    }
  }

  private roleOf(input: RenderInput, manifest: KubeObject): 'route' | 'variant-route' | 'primary' | 'other' {
    if (manifest.kind === this.kind.type.kind) {
      if (manifest.metadata.name === this.kind.routeName(input)) return 'route';
      return 'variant-route';
    }
    if (manifest.kind === InferenceService.kind && manifest.metadata.name === variantServiceName(input, 'primary')) return 'primary';
    return 'other';
  }

  /** Every variant a new split route would send traffic to is Ready. */
  private splitCanServe(s: Snapshot, state: TwoVariantState): boolean {
    return s.primaryReady.ready && (state.canaryWeight === 0 || s.canaryReady.ready);
  }

  /** `retiring`: the last move of a promotion or rollback; header, cohort and mirrored requests stop reaching the canary too. */
  private async setRouteWeight(s: Snapshot, weight: number, retiring = false): Promise<void> {
    const current = s.specWeight ?? 0;
    if (weight > current && !s.canaryReady.ready) throw new NotReadyError(`not moving traffic to the canary: it is not Ready (${s.canaryReady.message})`);
    if (weight < current && !s.primaryReady.ready) throw new NotReadyError(`not moving traffic to the primary: it is not Ready (${s.primaryReady.message})`);
    if (!s.route && !s.primaryReady.ready) throw new NotReadyError(`not routing traffic yet: the primary is not Ready (${s.primaryReady.message})`);
    await this.applyState(s, { primaryStorageUri: s.primaryUri ?? s.input.stableStorageUri, canary: !s.canary ? 'absent' : retiring ? 'retiring' : 'running', canaryWeight: weight }, 'route');
  }

  async ensureVariants(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      // A new route starts with no canary traffic; an existing one keeps its weight.
      await this.applyState(s, { primaryStorageUri: ctx.stableStorageUri, canary: 'running', canaryWeight: s.route ? (s.specWeight ?? 0) : 0 });
    });
  }

  async setWeight(ctx: RouterContext, canaryPercent: number): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (s.specWeight !== canaryPercent) await this.setRouteWeight(s, canaryPercent);
    });
  }

  async observe(ctx: RouterContext): Promise<RouterObservation> {
    const s = await this.read(ctx);
    const settled = s.weight === 0 && s.primaryReady.ready && s.canaryCleaned;
    return {
      primary: { ready: s.primaryReady.ready, message: s.primaryReady.message, ...(s.primaryUri ? { storageUri: s.primaryUri } : {}), revision: variantServiceName(s.input, 'primary'), url: `http://${variantHost(s.input, 'primary')}` },
      canary: { ready: s.canaryReady.ready, message: s.canaryReady.message, ...(storageUriOf(s.canary) ? { storageUri: storageUriOf(s.canary)! } : {}), revision: variantServiceName(s.input, 'canary'), url: `http://${variantHost(s.input, 'canary')}` },
      canaryWeight: s.weight,
      ...(s.weightMessage ? { canaryWeightMessage: s.weightMessage } : {}),
      promoted: settled && s.primaryUri === ctx.canaryStorageUri,
      rolledBack: settled && s.primaryUri === ctx.stableStorageUri,
      details: { route: `${this.kind.type.kind}/${this.kind.routeName(s.input)}`, ...(s.weightMessage ? { routeMessage: s.weightMessage } : {}) },
    };
  }

  /** Canary takes all traffic; the primary takes the canary's version; once Ready it takes all traffic back; the canary goes. */
  async promote(ctx: RouterContext): Promise<void> {
    await this.moveUntilWaiting(ctx, async (s) => {
      if (s.primaryUri !== ctx.canaryStorageUri) {
        if (s.specWeight !== 100) return this.setRouteWeight(s, 100).then(() => 'moved');
        // The primary changes version only once the canary serves everything.
        if (s.weight !== 100) return 'waiting';
        await this.applyState(s, { primaryStorageUri: ctx.canaryStorageUri, canary: 'running', canaryWeight: 100 }, 'primary');
        return 'moved';
      }
      if (!s.primaryReady.ready) return 'waiting';
      if (s.specWeight !== 0 || reachesCanaryBeyondWeight(s.route)) return this.setRouteWeight(s, 0, true).then(() => 'moved');
      if (s.weight !== 0) return 'waiting';
      if (!s.canaryCleaned) return this.cleanUpCanary(ctx, s).then(() => 'moved');
      return 'done';
    });
  }

  /** Primary takes all traffic (and its own version back, if a promotion had begun); the canary goes. */
  async rollback(ctx: RouterContext): Promise<void> {
    await this.moveUntilWaiting(ctx, async (s) => {
      if ((s.specWeight !== 0 || reachesCanaryBeyondWeight(s.route)) && s.primaryReady.ready) return this.setRouteWeight(s, 0, true).then(() => 'moved');
      if (s.primaryUri !== ctx.stableStorageUri) {
        await this.applyState(s, { primaryStorageUri: ctx.stableStorageUri, canary: s.canary ? 'running' : 'absent', canaryWeight: s.specWeight ?? 0 }, 'primary');
        return 'moved';
      }
      if (!s.primaryReady.ready || s.weight !== 0) return 'waiting';
      if (!s.canaryCleaned) return this.cleanUpCanary(ctx, s).then(() => 'moved');
      return 'done';
    });
  }

  async close(): Promise<void> {}

  private async cleanUpCanary(ctx: RouterContext, s: Snapshot): Promise<void> {
    const scope = { namespace: s.input.namespace };
    if (ctx.canary.spec.rollout.canaryCleanup === 'scale-to-zero') {
      const canary = this.kind.render(s.input, { primaryStorageUri: s.primaryUri ?? ctx.stableStorageUri, canary: 'scaled-to-zero', canaryWeight: 0 })
        .find((m) => m.kind === InferenceService.kind && m.metadata.name === variantServiceName(s.input, 'canary'));
      if (canary) await this.client.apply(canary);
      return;
    }
    await this.client.delete(this.kind.type, this.kind.variantRouteName(s.input, 'canary'), scope);
    await this.client.delete(InferenceService, variantServiceName(s.input, 'canary'), scope);
  }

  private async moveUntilWaiting(ctx: RouterContext, next: (s: Snapshot) => Promise<'moved' | 'waiting' | 'done'>): Promise<void> {
    for (let move = 0; move < MAX_MOVES; move++) {
      let outcome: 'moved' | 'waiting' | 'done';
      try {
        outcome = await this.client.retrying(async () => next(await this.read(ctx)));
      } catch (error) {
        // Multi-tick: a backend that is not Ready yet means "call again later", reported through observe().
        if (error instanceof NotReadyError) return;
        throw error;
      }
      if (outcome !== 'moved') return;
    }
  }
}
