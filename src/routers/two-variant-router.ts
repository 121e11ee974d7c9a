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
import { renderInputFrom, type RenderInput } from '../render/input.js';
import type { TwoVariantState } from '../render/two-variants.js';
import { variantHost, variantServiceName } from '../render/input.js';
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

export interface RouteKind {
  readonly router: Router;
  readonly type: ResourceType;
  readonly routeName: (input: RenderInput) => string;
  /** Everything the router applies for this state, InferenceServices first. */
  readonly render: (input: RenderInput, state: TwoVariantState) => KubeObject[];
  /** The canary weight in force according to the route, or null with the reason. */
  readonly weightOf: (route: KubeObject | null, input: RenderInput) => { weight: number | null; message?: string };
  /** Objects that exist only while the canary does (per-variant routes). */
  readonly canaryExtras: (input: RenderInput) => { type: ResourceType; name: string }[];
}

interface Snapshot {
  readonly input: RenderInput;
  readonly primary: KubeObject | null;
  readonly canary: KubeObject | null;
  readonly route: KubeObject | null;
  readonly primaryUri: string | undefined;
  readonly primaryReady: Readiness;
  readonly canaryReady: Readiness;
  readonly weight: number | null;
  readonly weightMessage: string | undefined;
  readonly canaryCleaned: boolean;
}

/** How many moves one call makes at most before it returns (each move is one write). */
const MAX_MOVES = 6;

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
    const [primary, canary, route] = await Promise.all([
      this.client.find(InferenceService, variantServiceName(input, 'primary'), scope),
      this.client.find(InferenceService, variantServiceName(input, 'canary'), scope),
      this.client.find(this.kind.type, this.kind.routeName(input), scope),
    ]);
    const { weight, message } = this.kind.weightOf(route, input);
    const scaledToZero = field(canary, 'spec', 'predictor', 'minReplicas') === 0;
    const cleanup = ctx.canary.spec.rollout.canaryCleanup;
    return {
      input, primary, canary, route,
      primaryUri: storageUriOf(primary),
      primaryReady: readinessOf(primary),
      canaryReady: scaledToZero ? { ready: false, message: 'scaled to zero' } : readinessOf(canary),
      weight,
      weightMessage: message,
      canaryCleaned: canary === null || (cleanup === 'scale-to-zero' && scaledToZero),
    };
  }

  private async applyState(s: Snapshot, state: TwoVariantState, only?: 'route' | 'primary'): Promise<void> {
    const manifests = this.kind.render(s.input, state);
    for (const manifest of manifests) {
      const isRoute = manifest.kind === this.kind.type.kind && manifest.metadata.name === this.kind.routeName(s.input);
      const isPrimary = manifest.kind === InferenceService.kind && manifest.metadata.name === variantServiceName(s.input, 'primary');
      if (only === 'route' && !isRoute) continue;
      if (only === 'primary' && !isPrimary) continue;
      // Decisions rest on what was read: a changed route or primary means read and decide again.
      await this.client.apply(isRoute ? over(manifest, s.route) : isPrimary ? over(manifest, s.primary) : manifest);
    }
  }

  private async setRouteWeight(s: Snapshot, weight: number): Promise<void> {
    const current = s.weight ?? 0;
    if (weight > current && !s.canaryReady.ready) throw new NotReadyError(`not moving traffic to the canary: it is not Ready (${s.canaryReady.message})`);
    if (weight < current && !s.primaryReady.ready) throw new NotReadyError(`not moving traffic to the primary: it is not Ready (${s.primaryReady.message})`);
    await this.applyState(s, { primaryStorageUri: s.primaryUri ?? s.input.stableStorageUri, canary: s.canary ? 'running' : 'absent', canaryWeight: weight }, 'route');
  }

  async ensureVariants(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      // A new route starts with no canary traffic; an existing one keeps its weight.
      await this.applyState(s, { primaryStorageUri: ctx.stableStorageUri, canary: 'running', canaryWeight: s.route ? (s.weight ?? 0) : 0 });
    });
  }

  async setWeight(ctx: RouterContext, canaryPercent: number): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (s.weight !== canaryPercent) await this.setRouteWeight(s, canaryPercent);
    });
  }

  async observe(ctx: RouterContext): Promise<RouterObservation> {
    const s = await this.read(ctx);
    const settled = s.weight === 0 && s.primaryReady.ready && s.canaryCleaned;
    return {
      primary: { ready: s.primaryReady.ready, message: s.primaryReady.message, ...(s.primaryUri ? { storageUri: s.primaryUri } : {}), revision: variantServiceName(s.input, 'primary'), url: `http://${variantHost(s.input, 'primary')}` },
      canary: { ready: s.canaryReady.ready, message: s.canaryReady.message, ...(storageUriOf(s.canary) ? { storageUri: storageUriOf(s.canary)! } : {}), revision: variantServiceName(s.input, 'canary'), url: `http://${variantHost(s.input, 'canary')}` },
      canaryWeight: s.weight,
      promoted: settled && s.primaryUri === ctx.canaryStorageUri,
      rolledBack: settled && s.primaryUri === ctx.stableStorageUri,
      details: { route: `${this.kind.type.kind}/${this.kind.routeName(s.input)}`, ...(s.weightMessage ? { routeMessage: s.weightMessage } : {}) },
    };
  }

  /** Canary takes all traffic; the primary takes the canary's version; once Ready it takes all traffic back; the canary goes. */
  async promote(ctx: RouterContext): Promise<void> {
    await this.moveUntilWaiting(ctx, async (s) => {
      if (s.primaryUri !== ctx.canaryStorageUri) {
        if (s.weight !== 100) return this.setRouteWeight(s, 100).then(() => 'moved');
        await this.applyState(s, { primaryStorageUri: ctx.canaryStorageUri, canary: 'running', canaryWeight: 100 }, 'primary');
        return 'moved';
      }
      if (!s.primaryReady.ready) return 'waiting';
      if (s.weight !== 0) return this.setRouteWeight(s, 0).then(() => 'moved');
      if (!s.canaryCleaned) return this.cleanUpCanary(ctx, s).then(() => 'moved');
      return 'done';
    });
  }

  /** Primary takes all traffic (and its own version back, if a promotion had begun); the canary goes. */
  async rollback(ctx: RouterContext): Promise<void> {
    await this.moveUntilWaiting(ctx, async (s) => {
      if (s.weight !== 0 && s.primaryReady.ready) return this.setRouteWeight(s, 0).then(() => 'moved');
      if (s.primaryUri !== ctx.stableStorageUri) {
        await this.applyState(s, { primaryStorageUri: ctx.stableStorageUri, canary: s.canary ? 'running' : 'absent', canaryWeight: s.weight ?? 0 }, 'primary');
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
    for (const extra of this.kind.canaryExtras(s.input)) await this.client.delete(extra.type, extra.name, scope);
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
