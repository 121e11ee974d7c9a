/**
 * Where the webhooks meet the rollout, without putting I/O in core:
 *
 * - pre-rollout and confirm-promotion guard the router: the first move of
 *   traffic to the canary, and promotion, wait until their webhooks answer
 *   2xx (a refusal is an action error, retried at the next tick);
 * - rollout webhooks run once per analysis interval while Progressing; more
 *   consecutive failures than spec.analysis.failureLimit roll the rollout back,
 *   as do repeated pre-rollout failures;
 * - post-rollout webhooks run once when a rollout ends.
 */
import { isFinished, Phase } from '../core/phase.js';
import type { ModelCanary, WebhookType } from '../core/spec.js';
import type { RolloutStatus } from '../core/status.js';
import { UpstreamError } from '../errors.js';
import type { RouterContext, TrafficRouter } from '../routers/types.js';
import { describeFailures, hasWebhooks, runWebhooks, type WebhookResult } from './webhooks.js';

export interface WebhookGateOptions {
  readonly canary: ModelCanary;
  readonly specHash: string;
  readonly clock: () => number;
  readonly fetch?: typeof fetch;
  /** Every webhook call's outcome (for Events and logs). */
  readonly onResults?: (results: readonly WebhookResult[]) => void;
  /** The status when the gates were made: a rollout already past its first step has passed pre-rollout. */
  readonly status?: RolloutStatus;
}

export class WebhookGates {
  private preRolloutPassed: boolean;
  private promotionConfirmed = false;
  private preRolloutFailures = 0;
  private rolloutFailures = 0;
  private lastRolloutRun = Number.NEGATIVE_INFINITY;
  private lastFailure = '';
  private status: RolloutStatus | undefined;

  constructor(private readonly options: WebhookGateOptions) {
    const s = options.status;
    this.status = s;
    this.preRolloutPassed = !hasWebhooks(options.canary, 'pre-rollout') || (s !== undefined && s.specHash === options.specHash && s.canaryWeight > 0);
  }

  /** The router with the two gates in front of its moves. */
  wrap(router: TrafficRouter): TrafficRouter {
    return {
      name: router.name,
      ensureVariants: (ctx) => router.ensureVariants(ctx),
      observe: (ctx) => router.observe(ctx),
      rollback: (ctx) => router.rollback(ctx),
      close: () => router.close(),
      setWeight: async (ctx: RouterContext, percent: number) => {
        if (percent > 0 && !this.preRolloutPassed) await this.gate('pre-rollout', percent);
        return router.setWeight(ctx, percent);
      },
      promote: async (ctx: RouterContext) => {
        if (!this.promotionConfirmed && hasWebhooks(this.options.canary, 'confirm-promotion')) await this.gate('confirm-promotion', this.status?.canaryWeight ?? 0);
        this.promotionConfirmed = true;
        return router.promote(ctx);
      },
    };
  }

  /**
   * Before a tick: runs the rollout webhooks when an interval has passed.
   * Returns why the rollout must roll back, if it must.
   */
  async beforeTick(status: RolloutStatus | undefined): Promise<string | undefined> {
    this.status = status;
    const limit = this.options.canary.spec.analysis.failureLimit;
    if (this.preRolloutFailures > limit) return `pre-rollout webhooks failed ${this.preRolloutFailures} time(s): ${this.lastFailure}`;
    if (status?.phase !== Phase.Progressing || !hasWebhooks(this.options.canary, 'rollout')) return undefined;
    const now = this.options.clock();
    if (now - this.lastRolloutRun < this.options.canary.spec.rollout.interval) return undefined;
    this.lastRolloutRun = now;
    const results = await this.run('rollout', status.canaryWeight, status.phase);
    if (results.every((r) => r.ok)) {
      this.rolloutFailures = 0;
      return undefined;
    }
    this.rolloutFailures++;
    if (this.rolloutFailures > limit) return `rollout webhooks failed ${this.rolloutFailures} time(s): ${describeFailures(results)}`;
    return undefined;
  }

  /** After a tick: post-rollout webhooks when the rollout has just ended. */
  async afterTick(before: RolloutStatus | undefined, after: RolloutStatus | undefined): Promise<void> {
    this.status = after;
    if (!after || !isFinished(after.phase) || (before && isFinished(before.phase))) return;
    if (hasWebhooks(this.options.canary, 'post-rollout')) await this.run('post-rollout', after.canaryWeight, after.phase);
  }

  private async gate(type: WebhookType, weight: number): Promise<void> {
    const results = await this.run(type, weight, this.status?.phase ?? Phase.Pending);
    if (results.every((r) => r.ok)) {
      if (type === 'pre-rollout') this.preRolloutPassed = true;
      return;
    }
    this.lastFailure = describeFailures(results);
    if (type === 'pre-rollout') this.preRolloutFailures++;
    throw new UpstreamError(`${type === 'pre-rollout' ? 'no traffic to the canary yet' : 'not promoting yet'}: ${this.lastFailure}`);
  }

  private async run(type: WebhookType, weight: number, phase: RolloutStatus['phase']): Promise<WebhookResult[]> {
    const { canary, specHash, fetch: fetchFn } = this.options;
    const results = await runWebhooks(canary, type, {
      phase, canaryWeight: weight, checksum: specHash,
      stableStorageUri: this.status?.stableStorageUri ?? canary.spec.predictor.model.storageUri,
      canaryStorageUri: this.status?.canaryStorageUri ?? canary.spec.canary.storageUri,
    }, fetchFn ? { fetch: fetchFn } : {});
    this.options.onResults?.(results);
    return results;
  }
}
