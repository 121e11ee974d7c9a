/**
 * `kserve-raw` router: one InferenceService in Standard mode (KServe ≥ 0.20)
 * with `spec.canary[]`. The split in force is `status.canaryStatuses[]`
 * (name, ready, trafficPercent). Promotion: the primary takes the canary's
 * name and spec (KServe keeps serving the canary's already-Ready pods under
 * it) and the entry goes; rollback: 0% first, then the entry goes.
 */
import type { KubeClient } from '../kube/client.js';
import { InferenceService, type KubeObject } from '../kube/resources.js';
import { renderInputFrom, type RenderInput } from '../render/input.js';
import { predictorName, renderKserveRaw, type KserveRawState } from '../render/kserve-raw.js';
import { field, isFresh, NotReadyError, over, readinessOf, storageUriOf } from './kserve-status.js';
import type { RouterContext, RouterObservation, TrafficRouter } from './types.js';

interface CanaryStatus {
  name?: string;
  ready?: boolean;
  trafficPercent?: number;
}

interface Snapshot {
  readonly input: RenderInput;
  readonly isvc: KubeObject | null;
  readonly primaryUri: string | undefined;
  readonly primaryName: string | undefined;
  /** The canary entry of the spec. */
  readonly entry: { storageUri?: string; trafficPercent?: number } | undefined;
  /** The canary's status, by its predictor name, on a status that reflects the spec. */
  readonly status: CanaryStatus | undefined;
  readonly fresh: boolean;
}

export class KserveRawRouter implements TrafficRouter {
  readonly name = 'kserve-raw' as const;

  constructor(private readonly client: KubeClient) {}

  private canaryName(input: RenderInput): string {
    return predictorName(input, 'canary', input.canaryStorageUri);
  }

  private async read(ctx: RouterContext): Promise<Snapshot> {
    const input = renderInputFrom(ctx.canary, ctx, this.client.namespace);
    const isvc = await this.client.find(InferenceService, input.name, { namespace: input.namespace });
    const entries = (field(isvc, 'spec', 'canary') as { predictor?: { model?: { storageUri?: string } }; trafficPercent?: number }[] | undefined) ?? [];
    const entry = entries[0];
    const statuses = (field(isvc, 'status', 'canaryStatuses') as CanaryStatus[] | undefined) ?? [];
    const fresh = isFresh(isvc);
    return {
      input, isvc, fresh,
      primaryUri: storageUriOf(isvc),
      primaryName: field(isvc, 'spec', 'predictor', 'name') as string | undefined,
      entry: entry ? { ...(entry.predictor?.model?.storageUri ? { storageUri: entry.predictor.model.storageUri } : {}), ...(entry.trafficPercent !== undefined ? { trafficPercent: entry.trafficPercent } : {}) } : undefined,
      status: fresh ? statuses.find((c) => c.name === this.canaryName(input)) : undefined,
    };
  }

  private async write(s: Snapshot, state: KserveRawState): Promise<void> {
    const [manifest] = renderKserveRaw(s.input, state);
    await this.client.apply(over(manifest!, s.isvc));
  }

  private canaryReady(s: Snapshot): boolean {
    return s.status?.ready === true;
  }

  async ensureVariants(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      const percent = s.entry?.trafficPercent ?? 0;
      await this.write(s, { primaryStorageUri: s.primaryUri ?? ctx.stableStorageUri, canary: { storageUri: ctx.canaryStorageUri, trafficPercent: percent } });
    });
  }

  async setWeight(ctx: RouterContext, canaryPercent: number): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      const current = s.entry?.trafficPercent ?? 0;
      if (s.entry && current === canaryPercent) return;
      if (canaryPercent > current && !this.canaryReady(s)) throw new NotReadyError(`not moving traffic to the canary predictor ${this.canaryName(s.input)}: it is not Ready`);
      if (canaryPercent < current && !readinessOf(s.isvc, 'PredictorReady').ready) throw new NotReadyError('not moving traffic to the primary predictor: it is not Ready');
      await this.write(s, { primaryStorageUri: s.primaryUri ?? ctx.stableStorageUri, canary: { storageUri: ctx.canaryStorageUri, trafficPercent: canaryPercent } });
    });
  }

  async observe(ctx: RouterContext): Promise<RouterObservation> {
    const s = await this.read(ctx);
    const primary = readinessOf(s.isvc, 'PredictorReady');
    const canaryName = this.canaryName(s.input);
    const noCanary = !s.entry && s.fresh && !((field(s.isvc, 'status', 'canaryStatuses') as unknown[] | undefined)?.length);
    const settled = noCanary && primary.ready;
    let canaryWeight: number | null = null;
    if (noCanary) canaryWeight = 0;
    else if (s.status) canaryWeight = s.status.trafficPercent ?? 0;
    return {
      primary: { ready: primary.ready, message: primary.message, ...(s.primaryUri ? { storageUri: s.primaryUri } : {}), ...(s.primaryName ? { revision: s.primaryName } : {}) },
      canary: {
        ready: this.canaryReady(s),
        message: s.status ? (s.status.ready ? 'Ready' : 'not Ready') : s.entry ? 'waiting for KServe to report the canary' : 'not deployed',
        storageUri: ctx.canaryStorageUri,
        revision: canaryName,
      },
      canaryWeight,
      promoted: settled && s.primaryUri === ctx.canaryStorageUri && s.primaryName === canaryName,
      rolledBack: settled && s.primaryUri === ctx.stableStorageUri,
      details: { canaryStatuses: field(s.isvc, 'status', 'canaryStatuses') ?? [] },
    };
  }

  async promote(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (!s.entry || !this.canaryReady(s)) return;
      await this.write(s, { primaryStorageUri: ctx.canaryStorageUri, canary: null });
    });
  }

  async rollback(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (!s.entry) return;
      if ((s.entry.trafficPercent ?? 0) !== 0) {
        if (!readinessOf(s.isvc, 'PredictorReady').ready) return;
        return this.write(s, { primaryStorageUri: s.primaryUri ?? ctx.stableStorageUri, canary: { storageUri: ctx.canaryStorageUri, trafficPercent: 0 } });
      }
      // The entry goes only once 0% is in force.
      if (s.status && (s.status.trafficPercent ?? 0) === 0) await this.write(s, { primaryStorageUri: s.primaryUri ?? ctx.stableStorageUri, canary: null });
    });
  }

  async close(): Promise<void> {}
}

export function createKserveRawRouter(client: KubeClient): TrafficRouter {
  return new KserveRawRouter(client);
}
