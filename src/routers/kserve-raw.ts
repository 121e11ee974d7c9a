/**
 * `kserve-raw` router: one InferenceService in Standard mode (KServe ≥ 0.20)
 * with `spec.canary[]` (components/predictor.go reconcileCanaryDeployments).
 *
 * Readiness comes from what KServe writes for it, never from
 * observedGeneration (KServe copies the stable Deployment's there, which
 * starts at 1 and does not move when only the canary changes):
 * - stable: the `PredictorReady` condition (PropagateRawStatus, from the
 *   stable Deployment's Available/Progressing conditions);
 * - canary: its entry in `status.canaryStatuses` (ready: the canary
 *   Deployment has available replicas) and `CanaryPredictorReady`;
 * - weight in force: the entry's trafficPercent when it is Ready, else 0
 *   (applyCanaryWeights routes to Ready canaries only).
 *
 * Names follow KServe's (kserve-names.ts): the stable Deployment and Service
 * are `<isvc>-predictor`, or `<isvc>-<predictor.name>-predictor`; the stable
 * predictor keeps the name it has, so starting a canary never replaces the
 * stable pods. Promotion renames the stable predictor to the canary's name
 * only once the canary serves 100%: KServe then keeps the canary's Deployment
 * as the stable one and deletes the old stable, which serves nothing.
 */
import type { KubeClient } from '../kube/client.js';
import { InferenceService, type KubeObject } from '../kube/resources.js';
import { renderInputFrom, type RenderInput } from '../render/input.js';
import { kservePredictorName } from '../render/kserve-names.js';
import { canaryNameOf, renderKserveRaw, type KserveRawState } from '../render/kserve-raw.js';
import { conditionOf, field, NotReadyError, over, storageUriOf } from './kserve-status.js';
import type { RouterContext, RouterObservation, TrafficRouter, VariantState } from './types.js';

interface CanaryStatus {
  name?: string;
  ready?: boolean;
  trafficPercent?: number;
}

interface Snapshot {
  readonly input: RenderInput;
  readonly isvc: KubeObject | null;
  readonly primaryUri: string | undefined;
  /** spec.predictor.name as it is. */
  readonly primaryName: string | undefined;
  readonly canaryName: string;
  /** The canary entry of the spec. */
  readonly entry: { storageUri?: string; trafficPercent: number } | undefined;
  /** KServe's report on our canary entry (it has reconciled a spec that has it). */
  readonly status: CanaryStatus | undefined;
  readonly statuses: CanaryStatus[];
}

export class KserveRawRouter implements TrafficRouter {
  readonly name = 'kserve-raw' as const;

  constructor(private readonly client: KubeClient) {}

  private async read(ctx: RouterContext): Promise<Snapshot> {
    const input = renderInputFrom(ctx.canary, ctx, this.client.namespace);
    const isvc = await this.client.find(InferenceService, input.name, { namespace: input.namespace });
    const canaryName = canaryNameOf(input);
    const entries = (field(isvc, 'spec', 'canary') as { predictor?: { name?: string; model?: { storageUri?: string } }; trafficPercent?: number }[] | undefined) ?? [];
    const entry = entries.find((e) => e.predictor?.name === canaryName);
    const statuses = (field(isvc, 'status', 'canaryStatuses') as CanaryStatus[] | undefined) ?? [];
    const name = field(isvc, 'spec', 'predictor', 'name');
    return {
      input, isvc, canaryName, statuses,
      primaryUri: storageUriOf(isvc),
      primaryName: typeof name === 'string' && name ? name : undefined,
      entry: entry ? { ...(entry.predictor?.model?.storageUri ? { storageUri: entry.predictor.model.storageUri } : {}), trafficPercent: entry.trafficPercent ?? 0 } : undefined,
      status: statuses.find((c) => c.name === canaryName),
    };
  }

  private async write(s: Snapshot, state: Omit<KserveRawState, 'primaryName'> & { primaryName?: string | undefined }): Promise<void> {
    const { primaryName, ...rest } = state;
    const [manifest] = renderKserveRaw(s.input, { ...rest, ...(primaryName ? { primaryName } : {}) });
    await this.client.apply(over(manifest!, s.isvc));
  }

  private canaryReady(s: Snapshot): boolean {
    return s.status?.ready === true;
  }

  /** Percent of traffic the canary receives: KServe weights Ready canaries only. */
  private weightInForce(s: Snapshot): number | null {
    if (!s.isvc) return null;
    if (!s.entry && s.statuses.length === 0) return 0;
    if (!s.status) return s.entry ? null : 0;
    return s.status.ready ? (s.status.trafficPercent ?? 0) : 0;
  }

  async ensureVariants(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (s.entry) return;
      // After a promotion the stable runs the canary's version; otherwise the stable version. Its name stays as it is.
      const primaryStorageUri = s.primaryUri === ctx.canaryStorageUri ? ctx.canaryStorageUri : ctx.stableStorageUri;
      if (primaryStorageUri === ctx.canaryStorageUri) return;
      await this.write(s, { primaryStorageUri, primaryName: s.primaryName, canary: { storageUri: ctx.canaryStorageUri, trafficPercent: 0 } });
    });
  }

  async setWeight(ctx: RouterContext, canaryPercent: number): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (!s.entry) {
        if (canaryPercent === 0) return;
        throw new NotReadyError(`not moving traffic to the canary predictor ${s.canaryName}: it is not deployed`);
      }
      if (s.entry.trafficPercent === canaryPercent) return;
      if (canaryPercent > s.entry.trafficPercent && !this.canaryReady(s)) throw new NotReadyError(`not moving traffic to the canary predictor ${s.canaryName}: it is not Ready`);
      if (canaryPercent < s.entry.trafficPercent && conditionOf(s.isvc, 'PredictorReady')?.status !== 'True') throw new NotReadyError('not moving traffic to the stable predictor: it is not Ready');
      await this.write(s, { primaryStorageUri: s.primaryUri ?? ctx.stableStorageUri, primaryName: s.primaryName, canary: { storageUri: ctx.canaryStorageUri, trafficPercent: canaryPercent } });
    });
  }

  /** The names KServe gives the two predictors' Services (Prometheus' destination_service_name). */
  private serviceNames(s: Snapshot): { primary: string; canary: string } {
    return { primary: kservePredictorName(s.input.name, s.primaryName), canary: kservePredictorName(s.input.name, s.canaryName) };
  }

  async observe(ctx: RouterContext): Promise<RouterObservation> {
    const s = await this.read(ctx);
    const predictorReady = conditionOf(s.isvc, 'PredictorReady');
    const primaryReady = predictorReady?.status === 'True';
    const noCanary = !s.entry && s.statuses.length === 0 && s.isvc !== null;
    const settled = noCanary && primaryReady;
    const names = this.serviceNames(s);
    const canaryCondition = conditionOf(s.isvc, 'CanaryPredictorReady');
    const primary: VariantState = {
      ready: primaryReady,
      message: !s.isvc ? 'not created yet' : primaryReady ? `${names.primary} Ready` : `PredictorReady=${predictorReady?.status ?? 'absent'}${predictorReady?.reason ? ` (${predictorReady.reason})` : ''}${predictorReady?.message ? `: ${predictorReady.message}` : ''}`,
      ...(s.primaryUri ? { storageUri: s.primaryUri } : {}),
      revision: names.primary,
      metricsName: names.primary,
    };
    const canary: VariantState = {
      ready: this.canaryReady(s),
      message: s.status ? (s.status.ready ? `${names.canary} Ready` : `${names.canary} not Ready (${canaryCondition?.reason ?? 'CanariesNotReady'})`) : s.entry ? 'waiting for KServe to report the canary' : 'not deployed',
      storageUri: ctx.canaryStorageUri,
      revision: names.canary,
      metricsName: names.canary,
    };
    return {
      primary, canary,
      canaryWeight: this.weightInForce(s),
      promoted: settled && s.primaryUri === ctx.canaryStorageUri && s.primaryName === s.canaryName,
      rolledBack: settled && s.primaryUri === ctx.stableStorageUri,
      details: { canaryStatuses: s.statuses, services: names },
    };
  }

  /**
   * First the canary takes 100%; once that is in force the stable predictor
   * takes the canary's name and spec and the entry goes (KServe keeps the
   * canary's Deployment and deletes the old stable one, which serves nothing).
   */
  async promote(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (!s.entry || !this.canaryReady(s)) return;
      if (s.entry.trafficPercent !== 100) return this.write(s, { primaryStorageUri: s.primaryUri ?? ctx.stableStorageUri, primaryName: s.primaryName, canary: { storageUri: ctx.canaryStorageUri, trafficPercent: 100 } });
      if (this.weightInForce(s) !== 100) return;
      await this.write(s, { primaryStorageUri: ctx.canaryStorageUri, primaryName: s.canaryName, canary: null });
    });
  }

  /** 0% first; the entry goes once KServe reports 0% in force. */
  async rollback(ctx: RouterContext): Promise<void> {
    await this.client.retrying(async () => {
      const s = await this.read(ctx);
      if (!s.entry) return;
      if (s.entry.trafficPercent !== 0) {
        return this.write(s, { primaryStorageUri: s.primaryUri ?? ctx.stableStorageUri, primaryName: s.primaryName, canary: { storageUri: ctx.canaryStorageUri, trafficPercent: 0 } });
      }
      if (this.weightInForce(s) !== 0) return;
      await this.write(s, { primaryStorageUri: s.primaryUri ?? ctx.stableStorageUri, primaryName: s.primaryName, canary: null });
    });
  }

  async close(): Promise<void> {}
}

export function createKserveRawRouter(client: KubeClient): TrafficRouter {
  return new KserveRawRouter(client);
}
