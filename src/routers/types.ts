/**
 * One interface for every way traffic is split (DESIGN.md, "routers"). A
 * router changes the world only through these calls, each idempotent, and
 * reports what is actually in force through `observe()` — never what was asked.
 */
import type { ModelCanary, Router } from '../core/spec.js';

/** Which model version is which right now: after a promotion the spec still names the old one. */
export interface RouterContext {
  readonly canary: ModelCanary;
  /** The version serving as primary (status.stableStorageUri). */
  readonly stableStorageUri: string;
  /** The version under test (status.canaryStorageUri). */
  readonly canaryStorageUri: string;
}

export interface VariantState {
  readonly ready: boolean;
  /** It cannot become Ready again (its process exited): the rollout need not wait. */
  readonly failed?: boolean;
  /** Why it is not Ready, or what it runs. */
  readonly message?: string;
  readonly storageUri?: string;
  /** Revision or object name, for `status` output. */
  readonly revision?: string;
  /**
   * The name Prometheus knows this variant's traffic by, as the serving
   * system names it: a Knative revision (`revision_name`) or the Kubernetes
   * Service of the predictor (`destination_service_name`). Absent: not known yet.
   */
  readonly metricsName?: string;
  /** Where it can be reached directly (per-variant host or URL). */
  readonly url?: string;
}

export interface RouterObservation {
  readonly primary: VariantState;
  readonly canary: VariantState;
  /** Canary weight in force, whole percent; null when it cannot be read. */
  readonly canaryWeight: number | null;
  /** Why the weight in force cannot be read (what the router waits for), when canaryWeight is null. */
  readonly canaryWeightMessage?: string;
  /** The promotion is complete: the primary serves the canary's version with all traffic, nothing else left running. */
  readonly promoted: boolean;
  /** The rollback is complete: the primary serves all traffic and the canary is cleaned up. */
  readonly rolledBack: boolean;
  /** Router-specific detail for `status` (revision names, routes, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface TrafficRouter {
  readonly name: Router;
  /** Creates or updates both variants and the routing, without moving traffic to a variant that is not Ready. */
  ensureVariants(ctx: RouterContext): Promise<void>;
  /** Sends this whole percent of traffic to the canary. */
  setWeight(ctx: RouterContext, canaryPercent: number): Promise<void>;
  observe(ctx: RouterContext): Promise<RouterObservation>;
  /** One idempotent step toward promotion; `observe().promoted` tells when it is done. */
  promote(ctx: RouterContext): Promise<void>;
  /** One idempotent step toward rollback; `observe().rolledBack` tells when it is done. */
  rollback(ctx: RouterContext): Promise<void>;
  /** Releases what the router holds (processes, watches). */
  close(): Promise<void>;
}
