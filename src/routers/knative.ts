/**
 * `knative` router: one Serverless InferenceService. The canary is a new
 * storageUri (a new revision) with `canaryTrafficPercent`; KServe splits
 * between it and the last revision rolled out at 100%. The split in force is
 * `status.components.predictor.traffic[]`.
 *
 * Rollback keeps every step on Ready revisions: 0% to the new revision first
 * (the previous one serves all), then the old storageUri again, still at 0%
 * (a fresh revision of the old model starts beside the serving one), and only
 * once that revision is Ready the percentage is removed. Removing it at once
 * would route to Knative's latest *ready* revision — the bad canary.
 */
import type { KubeClient } from '../kube/client.js';
import { InferenceService, type KubeObject } from '../kube/resources.js';
import { renderInputFrom, type RenderInput } from '../render/input.js';
import { renderKnative, type KnativeState } from '../render/knative.js';
import { field, isFresh, NotReadyError, over, readinessOf, storageUriOf } from './kserve-status.js';
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
  readonly fresh: boolean;
  readonly latestCreated: string | undefined;
  readonly latestReady: string | undefined;
  readonly traffic: TrafficTarget[];
  /** The newest revision is created and Ready for the current spec. */
  readonly latestIsReady: boolean;
  /** Percent of traffic the newest revision serves, from status; null when unknown. */
  readonly latestPercent: number | null;
}

export class KnativeRouter implements TrafficRouter {
  readonly name = 'knative' as const;

  constructor(private readonly client: KubeClient) {}

  private async read(ctx: RouterContext): Promise<Snapshot> {
    const input = renderInputFrom(ctx.canary, ctx, this.client.namespace);
    const isvc = await this.client.find(InferenceService, input.name, { namespace: input.namespace });
    const predictor = field(isvc, 'status', 'components', 'predictor');
    const traffic = (field(predictor, 'traffic') as TrafficTarget[] | undefined) ?? [];
    const latestCreated = field(predictor, 'latestCreatedRevision') as string | undefined;
    const latestReady = field(predictor, 'latestReadyRevision') as string | undefined;
    const fresh = isFresh(isvc);
    const latest = traffic.filter((t) => t.latestRevision === true || (latestCreated !== undefined && t.revisionName === latestCreated));
    const percent = field(isvc, 'spec', 'predictor', 'canaryTrafficPercent');
    return {
      input, isvc, fresh, latestCreated, latestReady, traffic,
      uri: storageUriOf(isvc),
      percent: typeof percent === 'number' ? percent : undefined,
      latestIsReady: fresh && latestCreated !== undefined && latestCreated === latestReady,
      latestPercent: fresh && traffic.length > 0 ? latest.reduce((sum, t) => sum + (t.percent ?? 0), 0) : null,
    };
  }

  private async write(s: Snapshot, state: KnativeState): Promise<void> {
    const [manifest] = renderKnative(s.input, state);
    await this.client.apply(over(manifest!, s.isvc));
  }

  async ensureVariants(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      // With no revision rolled out yet, KServe would send everything to the first one: deploy the stable version first.
      if (!s.isvc) return this.write(s, { storageUri: ctx.stableStorageUri });
      if (s.uri !== ctx.canaryStorageUri && !readinessOf(s.isvc).ready) return;
      if (s.uri === ctx.canaryStorageUri && s.percent !== undefined) return;
      await this.write(s, { storageUri: ctx.canaryStorageUri, canaryTrafficPercent: s.uri === ctx.canaryStorageUri ? (s.percent ?? 0) : 0 });
    });
  }

  async setWeight(ctx: RouterContext, canaryPercent: number): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (s.uri === ctx.canaryStorageUri && s.percent === canaryPercent) return;
      if (canaryPercent > (s.percent ?? 0) && !(s.uri === ctx.canaryStorageUri && s.latestIsReady)) {
        throw new NotReadyError(`not moving traffic to the canary revision: it is not Ready (${s.latestCreated ?? 'not created'}; ready: ${s.latestReady ?? 'none'})`);
      }
      await this.write(s, { storageUri: ctx.canaryStorageUri, canaryTrafficPercent: canaryPercent });
    });
  }

  async observe(ctx: RouterContext): Promise<RouterObservation> {
    const s = await this.read(ctx);
    const ready = readinessOf(s.isvc);
    const previous = s.traffic.find((t) => t.latestRevision === false);
    const onCanary = s.uri === ctx.canaryStorageUri;
    const single = s.traffic.length === 1 && s.traffic[0]!.latestRevision === true && s.traffic[0]!.percent === 100;
    const settled = s.fresh && s.percent === undefined && s.latestIsReady && single && ready.ready;
    return {
      primary: {
        ready: previous !== undefined ? true : ready.ready && !onCanary,
        message: previous ? `revision ${previous.revisionName} serves ${previous.percent ?? 0}%` : ready.message,
        storageUri: onCanary ? ctx.stableStorageUri : (s.uri ?? ctx.stableStorageUri),
        ...(previous?.revisionName ? { revision: previous.revisionName } : {}),
        ...(previous?.url ? { url: previous.url } : {}),
      },
      canary: {
        ready: onCanary && s.latestIsReady,
        message: onCanary ? (s.latestIsReady ? `revision ${s.latestCreated} Ready` : `revision ${s.latestCreated ?? '(not created)'} not Ready yet`) : 'not deployed',
        storageUri: ctx.canaryStorageUri,
        ...(onCanary && s.latestCreated ? { revision: s.latestCreated } : {}),
        ...(onCanary ? { url: s.traffic.find((t) => t.tag === 'latest')?.url ?? '' } : {}),
      },
      canaryWeight: onCanary ? s.latestPercent : s.fresh ? 0 : null,
      promoted: settled && onCanary,
      rolledBack: settled && s.uri === ctx.stableStorageUri,
      details: { traffic: s.traffic, latestCreatedRevision: s.latestCreated, latestReadyRevision: s.latestReady },
    };
  }

  /** Remove canaryTrafficPercent: the canary revision takes all traffic and becomes the rolled-out one. */
  async promote(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (s.uri !== ctx.canaryStorageUri || s.percent === undefined || !s.latestIsReady) return;
      await this.write(s, { storageUri: ctx.canaryStorageUri });
    });
  }

  async rollback(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (s.uri === ctx.canaryStorageUri) {
        // First 0% to the canary; once that is in force, the old model again (still at 0%).
        if (s.percent !== 0) return this.write(s, { storageUri: ctx.canaryStorageUri, canaryTrafficPercent: 0 });
        if (s.latestPercent === 0) return this.write(s, { storageUri: ctx.stableStorageUri, canaryTrafficPercent: 0 });
        return;
      }
      if (s.percent !== undefined && s.latestIsReady) await this.write(s, { storageUri: ctx.stableStorageUri });
    });
  }

  async close(): Promise<void> {}
}

export function createKnativeRouter(client: KubeClient): TrafficRouter {
  return new KnativeRouter(client);
}
