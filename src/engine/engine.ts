/**
 * The engine: observe → core.decide → persist → act. It persists the new
 * status before acting (write-ahead), so a process killed between the two
 * resumes with the intended weight and re-asserts it: traffic never moves
 * backwards. Every router action is idempotent for the same reason.
 */
import { decide, type Action, type Decision, type Observations } from '../core/decide.js';
import { applyCommand, type Command, type CommandResult } from '../core/commands.js';
import { Phase } from '../core/phase.js';
import type { ModelCanary } from '../core/spec.js';
import type { RolloutStatus } from '../core/status.js';
import type { MetricProvider } from '../metrics/types.js';
import { diffCounts, type WindowMeasurement } from '../core/measurement.js';
import { tickIssues, type TickInput } from '../core/analysis/index.js';
import { judgeConfigFor } from '../core/sequential-step.js';
import { Judge } from '../core/spec.js';
import type { RouterContext, RouterObservation, TrafficRouter } from '../routers/types.js';

/** Where the status lives: the state file locally, the ModelCanary's status in a cluster. */
export interface StatusStore {
  load(): Promise<RolloutStatus | undefined>;
  save(status: RolloutStatus): Promise<void>;
}

export interface EngineOptions {
  readonly canary: ModelCanary;
  readonly specHash: string;
  readonly router: TrafficRouter;
  readonly metrics: MetricProvider;
  readonly store: StatusStore;
  readonly clock: () => number;
}

export interface TickResult {
  readonly decision: Decision;
  readonly observation: RouterObservation;
  /** Actions that failed this tick; the next tick retries them. */
  readonly errors: readonly { readonly action: Action; readonly error: Error }[];
  /** Whether the metrics were read this tick (only while Progressing at the weight in force). */
  readonly measured?: boolean;
  /** Why this tick could not be measured (the query that failed, counts that make no sense); absent when it was, or when nothing was to be measured. */
  readonly measurementProblem?: string;
}

/** The version roles the router should act on, as the status records them. */
export function routerContext(canary: ModelCanary, status: RolloutStatus | undefined): RouterContext {
  return {
    canary,
    stableStorageUri: status?.stableStorageUri ?? canary.spec.predictor.model.storageUri,
    canaryStorageUri: status?.canaryStorageUri ?? canary.spec.canary.storageUri,
  };
}

export class RolloutEngine {
  private status: RolloutStatus | undefined;
  private loaded = false;
  private queue: Promise<unknown> = Promise.resolve();
  private lastObservation: RouterObservation | undefined;
  private lastWindow: WindowMeasurement | undefined;

  constructor(private readonly options: EngineOptions) {}

  /** The saved status, loaded once. */
  async current(): Promise<RolloutStatus | undefined> {
    if (!this.loaded) {
      this.status = await this.options.store.load();
      this.loaded = true;
    }
    return this.status;
  }

  get observation(): RouterObservation | undefined {
    return this.lastObservation;
  }

  contextFor(status: RolloutStatus | undefined): RouterContext {
    return routerContext(this.options.canary, status);
  }

  /** One reconcile pass. Ticks and commands run one at a time. */
  tick(): Promise<TickResult> {
    return this.serialize(async () => {
      const { router, metrics, canary, clock, specHash } = this.options;
      const before = await this.current();
      const observation = await router.observe(this.contextFor(before));
      this.lastObservation = observation;
      const now = clock();
      const measuring = before?.phase === Phase.Progressing && observation.canaryWeight === before.canaryWeight;
      const measured = measuring ? await metrics.measure(now) : undefined;
      const reading = measured && before ? this.readTick(measured, before.canaryWeight, now) : undefined;
      const window = reading?.window ?? measured;
      const tick = reading?.tick;
      const obs: Observations = {
        specHash,
        primary: observation.primary,
        canary: observation.canary,
        canaryWeight: observation.canaryWeight,
        ...(observation.canaryWeightMessage ? { canaryWeightMessage: observation.canaryWeightMessage } : {}),
        promoted: observation.promoted,
        rolledBack: observation.rolledBack,
        ...(window ? { window } : {}),
        ...(tick ? { tick } : {}),
      };
      const decision = decide(canary, before, obs, now);
      const errors = await this.commit(before, decision.status, decision.actions);
      return { decision, observation, errors, measured: measured !== undefined, ...(window?.unavailable ? { measurementProblem: window.unavailable } : {}) };
    });
  }

  /** A person's command (CLI, dashboard), applied between ticks. */
  command(command: Command): Promise<CommandResult & { errors?: TickResult['errors'] }> {
    return this.serialize(async () => {
      const before = await this.current();
      if (!before) return { ok: false as const, reason: 'the rollout has not started yet' };
      const result = applyCommand(this.options.canary, before, command, this.options.clock());
      if (!result.ok) return result;
      const errors = await this.commit(before, result.status, result.actions);
      if (errors.length === 0 && result.actions.some((a) => a.type === 'set-weight')) await this.observeWeightInForce();
      return { ...result, errors };
    });
  }

  /** After a person moved the weight, the status shows the weight now in force, not the one before. */
  private async observeWeightInForce(): Promise<void> {
    const status = this.status;
    if (!status) return;
    const observation = await this.options.router.observe(this.contextFor(status));
    this.lastObservation = observation;
    if (observation.canaryWeight !== status.observedWeight) {
      const observed = { ...status, observedWeight: observation.canaryWeight };
      await this.options.store.save(observed);
      this.status = observed;
    }
  }

  private async commit(before: RolloutStatus | undefined, status: RolloutStatus, actions: readonly Action[]): Promise<TickResult['errors']> {
    if (status !== before) {
      await this.options.store.save(status);
      this.status = status;
    }
    if (status.windowStartedAt !== before?.windowStartedAt && status.windowStartedAt !== null) {
      this.options.metrics.startWindow(Date.parse(status.windowStartedAt));
    }
    const errors: { action: Action; error: Error }[] = [];
    const ctx = this.contextFor(status);
    for (const action of actions) {
      try {
        await this.run(action, ctx);
      } catch (error) {
        errors.push({ action, error: error instanceof Error ? error : new Error(String(error)) });
        break; // later actions may depend on this one (e.g. weight 0 before cleanup)
      }
    }
    return errors;
  }

  /**
   * Counter deltas since the previous good reading of the same window. A
   * reading that could not be taken, or whose counts make no sense, is a
   * measurement problem (inconclusive data, reported), never a judge error;
   * the next good reading is compared with the last good one.
   */
  private readTick(window: WindowMeasurement, canaryWeight: number, now: number): { window: WindowMeasurement; tick?: TickInput } {
    // Unsettled counts (a series not scraped yet) would bias every comparison, not just the split: they wait for the next reading.
    if (window.unavailable || window.settled === false) return { window };
    const previous = this.lastWindow?.fromMs === window.fromMs ? this.lastWindow : undefined;
    const tick: TickInput = {
      atMs: now,
      canaryShare: canaryWeight / 100,
      primary: previous ? diffCounts(window.primary, previous.primary) : window.primary,
      canary: previous ? diffCounts(window.canary, previous.canary) : window.canary,
      mirrored: window.mirrored.slice(previous?.mirrored.length ?? 0),
      windowFromMs: window.fromMs,
      ...(window.settled === undefined ? {} : { settled: window.settled }),
      ...(window.answers ? { answers: window.answers } : {}),
    };
    if (this.options.canary.spec.analysis.judge === Judge.Sequential) {
      const issues = tickIssues(tick, judgeConfigFor(this.options.canary));
      if (issues.length > 0) {
        const what = issues.map((i) => `${i.path.replace(/^tick\./, '')} ${i.message}`).join('; ');
        return { window: { ...window, unavailable: `the counts read make no sense (${what})${window.queries ? `; queries: ${window.queries.join(' ; ')}` : ''}` } };
      }
    }
    this.lastWindow = window;
    return { window, tick };
  }

  private async run(action: Action, ctx: RouterContext): Promise<void> {
    const { router } = this.options;
    switch (action.type) {
      case 'ensure-variants': return router.ensureVariants(ctx);
      case 'set-weight': return router.setWeight(ctx, action.weight);
      case 'promote': return router.promote(ctx);
      case 'rollback': return router.rollback(ctx);
    }
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
