/** What `status`, the live view and the dashboard show of a local rollout: one plain object. */
import type { ModelCanary } from '../core/spec.js';
import type { RolloutStatus } from '../core/status.js';
import type { RouterObservation } from '../routers/types.js';

export interface RolloutSnapshot {
  readonly name: string;
  readonly modelName: string;
  readonly router: string;
  readonly steps: readonly number[];
  readonly gateway: string | null;
  readonly running: boolean;
  readonly status: RolloutStatus;
  readonly observation: RouterObservation | null;
  readonly lastReason: string;
}

export function makeSnapshot(canary: ModelCanary, status: RolloutStatus, extra: { gateway: string | null; running: boolean; observation: RouterObservation | null; lastReason: string }): RolloutSnapshot {
  return { name: canary.metadata.name, modelName: canary.spec.modelName, router: canary.spec.router, steps: canary.spec.rollout.steps, status, ...extra };
}
