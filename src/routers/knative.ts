/**
 * `knative` router: one InferenceService in KServe's Knative mode. The canary
 * is a new storageUri (a new revision) with `canaryTrafficPercent`; KServe
 * splits between the latest revision and the last one rolled out at 100%
 * (ksvc_reconciler.go). What is in force is
 * `status.components.predictor.traffic[]`, resolved by Knative to revisions.
 *
 * Nothing here trusts observedGeneration: KServe copies the Knative
 * Service's, which stays behind when an InferenceService change leaves the
 * Knative Service as it was (removing canaryTrafficPercent at 100%). The
 * revisions and traffic in status say what is in force.
 *
 * One writer per field, each write conditional on the resourceVersion read:
 * - storageUri: stable → canary only in ensureVariants (the stable rolled
 *   out and serving); canary → stable only in rollback (once no traffic
 *   reaches the canary's revision). setWeight and promote never write it.
 * - canaryTrafficPercent: setWeight, promote (removes it), rollback (0).
 *
 * Rolled back = the stable storageUri with canaryTrafficPercent 0: KServe
 * keeps all traffic on the previous rolled-out revision (the stable model),
 * and the new revision of the stable model it starts stays at 0%. Removing
 * the field would route to Knative's latest *ready* revision, which can be
 * the bad canary's for as long as the new one starts.
 */
import type { KubeClient } from '../kube/client.js';
import { InferenceService, type KubeObject } from '../kube/resources.js';
import { renderInputFrom, type RenderInput } from '../render/input.js';
import { renderKnative, type KnativeState } from '../render/knative.js';
import { deploymentModeFor } from '../render/kserve-names.js';
import { conditionOf, field, NotReadyError, over, storageUriOf } from './kserve-status.js';
import type { RouterContext, RouterObservation, TrafficRouter } from './types.js';

interface TrafficTarget {
  revisionName?: string;
  percent?: number;
  latestRevision?: boolean;
  tag?: string;
  url?: string;
}

interface Snapshot {
  readonly input: RenderInput;
  readonly isvc: KubeObject | null;
  readonly uri: string | undefined;
  readonly percent: number | undefined;
  readonly latestCreated: string | undefined;
  readonly latestReady: string | undefined;
  readonly rolledOut: string | undefined;
  readonly previousRolledOut: string | undefined;
  readonly traffic: TrafficTarget[];
  readonly mode: string;
}

/** Percent of the traffic in force that reaches this revision. */
function percentOn(s: Snapshot, revision: string | undefined): number {
  return revision ? s.traffic.filter((t) => t.revisionName === revision).reduce((sum, t) => sum + (t.percent ?? 0), 0) : 0;
}

export class KnativeRouter implements TrafficRouter {
  readonly name = 'knative' as const;

  constructor(private readonly client: KubeClient) {}

  private async read(ctx: RouterContext): Promise<Snapshot> {
    const input = renderInputFrom(ctx.canary, ctx, this.client.namespace);
    const isvc = await this.client.find(InferenceService, input.name, { namespace: input.namespace });
    const predictor = field(isvc, 'status', 'components', 'predictor');
    const text = (key: string) => field(predictor, key) as string | undefined;
    const percent = field(isvc, 'spec', 'predictor', 'canaryTrafficPercent');
    return {
      input, isvc,
      uri: storageUriOf(isvc),
      percent: typeof percent === 'number' ? percent : undefined,
      latestCreated: text('latestCreatedRevision'),
      latestReady: text('latestReadyRevision'),
      rolledOut: text('latestRolledoutRevision'),
      previousRolledOut: text('previousRolledoutRevision'),
      traffic: (field(predictor, 'traffic') as TrafficTarget[] | undefined) ?? [],
      mode: deploymentModeFor('knative', input.kserveVersion, {
        ...(isvc?.metadata.annotations?.['serving.kserve.io/deploymentMode'] ? { annotation: isvc.metadata.annotations['serving.kserve.io/deploymentMode'] } : {}),
        ...(typeof field(isvc, 'status', 'deploymentMode') === 'string' ? { statusMode: field(isvc, 'status', 'deploymentMode') as string } : {}),
      }),
    };
  }

  /**
   * The canary's revision, while the spec runs the canary: the newest one
   * when it is not (yet) the rolled-out one; at 100% KServe already counts it
   * as rolled out. Before KServe has created it, none.
   */
  private canaryRevision(s: Snapshot, ctx: RouterContext): string | undefined {
    if (s.uri !== ctx.canaryStorageUri || !s.latestCreated) return undefined;
    if (s.latestCreated !== s.rolledOut) return s.latestCreated;
    return s.percent === 100 || s.percent === undefined ? s.latestCreated : undefined;
  }

  private async write(s: Snapshot, state: Omit<KnativeState, 'mode'>): Promise<void> {
    const [manifest] = renderKnative(s.input, { ...state, mode: s.mode });
    await this.client.apply(over(manifest!, s.isvc));
  }

  async ensureVariants(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      // With no revision rolled out yet, KServe would send everything to the first one: the stable version first.
      if (!s.isvc) return this.write(s, { storageUri: ctx.stableStorageUri });
      if (s.uri !== ctx.stableStorageUri) return;
      // The canary starts at 0% beside a stable revision that is rolled out and serving.
      if (!s.rolledOut || percentOn(s, s.rolledOut) !== 100) return;
      await this.write(s, { storageUri: ctx.canaryStorageUri, canaryTrafficPercent: 0 });
    });
  }

  async setWeight(ctx: RouterContext, canaryPercent: number): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (s.uri !== ctx.canaryStorageUri) {
        if (canaryPercent === 0) return;
        throw new NotReadyError(`not moving traffic to the canary: the InferenceService does not run ${ctx.canaryStorageUri}`);
      }
      if (s.percent === canaryPercent) return;
      const revision = this.canaryRevision(s, ctx);
      if (canaryPercent > (s.percent ?? 0) && !(revision && revision === s.latestReady)) {
        throw new NotReadyError(`not moving traffic to the canary revision: it is not Ready (${revision ?? 'not created'}; ready: ${s.latestReady ?? 'none'})`);
      }
      await this.write(s, { storageUri: ctx.canaryStorageUri, canaryTrafficPercent: canaryPercent });
    });
  }

  async observe(ctx: RouterContext): Promise<RouterObservation> {
    const s = await this.read(ctx);
    const onCanary = s.uri === ctx.canaryStorageUri;
    const canaryRevision = this.canaryRevision(s, ctx);
    const primaryRevision = onCanary && canaryRevision === s.rolledOut ? s.previousRolledOut : s.rolledOut;
    const canaryReady = canaryRevision !== undefined && canaryRevision === s.latestReady;
    const failed = canaryRevision !== undefined && canaryRevision === s.latestCreated && conditionOf(s.isvc, 'PredictorConfigurationReady')?.status === 'False';
    const primaryServing = primaryRevision !== undefined && (percentOn(s, primaryRevision) > 0 || canaryRevision === s.rolledOut);
    const single = s.traffic.length === 1 && s.traffic[0]!.percent === 100 && s.traffic[0]!.revisionName === s.rolledOut;
    const pinnedOnStable = !onCanary && (s.percent === 0 || (s.percent === undefined && single)) && s.rolledOut !== undefined && percentOn(s, s.rolledOut) === 100;
    const urlOf = (revision: string | undefined) => s.traffic.find((t) => t.revisionName === revision && t.url)?.url;
    const knownTraffic = s.traffic.length > 0;
    return {
      primary: {
        ready: primaryServing,
        message: primaryRevision ? `revision ${primaryRevision} serves ${percentOn(s, primaryRevision)}%` : 'no revision rolled out yet',
        storageUri: onCanary ? ctx.stableStorageUri : (s.uri ?? ctx.stableStorageUri),
        ...(primaryRevision ? { revision: primaryRevision, metricsName: primaryRevision } : {}),
        ...(urlOf(primaryRevision) ? { url: urlOf(primaryRevision)! } : {}),
      },
      canary: {
        ready: canaryReady,
        ...(failed ? { failed: true } : {}),
        message: !onCanary ? 'not deployed' : failed ? `revision ${canaryRevision} failed: ${conditionOf(s.isvc, 'PredictorConfigurationReady')?.message ?? ''}` : canaryReady ? `revision ${canaryRevision} Ready` : `revision ${canaryRevision ?? '(not created yet)'} not Ready yet`,
        storageUri: ctx.canaryStorageUri,
        ...(canaryRevision ? { revision: canaryRevision, metricsName: canaryRevision } : {}),
        ...(urlOf(canaryRevision) ? { url: urlOf(canaryRevision)! } : {}),
      },
      canaryWeight: !knownTraffic ? null : onCanary ? percentOn(s, canaryRevision) : 0,
      promoted: onCanary && s.percent === undefined && canaryRevision !== undefined && canaryRevision === s.rolledOut && canaryReady && single,
      rolledBack: pinnedOnStable,
      details: { traffic: s.traffic, latestCreatedRevision: s.latestCreated, latestReadyRevision: s.latestReady, latestRolledoutRevision: s.rolledOut, previousRolledoutRevision: s.previousRolledOut },
    };
  }

  /** Remove canaryTrafficPercent: the canary revision takes all traffic and becomes the rolled-out one. */
  async promote(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      const revision = this.canaryRevision(s, ctx);
      if (s.uri !== ctx.canaryStorageUri || s.percent === undefined || !revision || revision !== s.latestReady) return;
      await this.write(s, { storageUri: ctx.canaryStorageUri });
    });
  }

  /**
   * 0% to the canary first; once no traffic reaches its revision (at 100%
   * KServe first moves the rolled-out revision back), the stable model again,
   * still at 0%. Each call does at most one of the two.
   */
  async rollback(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (s.uri !== ctx.canaryStorageUri) return;
      if (s.percent !== 0) return this.write(s, { storageUri: ctx.canaryStorageUri, canaryTrafficPercent: 0 });
      // Here the newest revision is the canary's (or none was created): it must serve nothing before the model changes back.
      const serving = s.latestCreated ? percentOn(s, s.latestCreated) : 0;
      if (s.traffic.length === 0 || serving > 0) return;
      await this.write(s, { storageUri: ctx.stableStorageUri, canaryTrafficPercent: 0 });
    });
  }

  async close(): Promise<void> {}
}

export function createKnativeRouter(client: KubeClient): TrafficRouter {
  return new KnativeRouter(client);
}
