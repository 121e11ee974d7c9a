/**
 * decide(canary, status, observations, now) → { status, actions, reason }:
 * the whole rollout policy as one pure function. The engine runs the actions
 * and persists the status; nothing here touches the world.
 */
import { Phase, canTransition, isFinished } from './phase.js';
import type { ModelCanary } from './spec.js';
import { HISTORY_LIMIT, type AnalysisRecord, type MetricResult, type RolloutStatus } from './status.js';
import { judgeWindow, overallVerdict, unitOf } from './threshold-judge.js';
import type { WindowMeasurement } from './measurement.js';
import { Decision as JudgeDecision, type TickInput } from './analysis/index.js';
import { stepSequentialJudge } from './sequential-step.js';
import { Judge } from './spec.js';

export type Action =
  | { readonly type: 'ensure-variants' }
  | { readonly type: 'set-weight'; readonly weight: number }
  | { readonly type: 'promote' }
  | { readonly type: 'rollback' };

export interface VariantObservation {
  readonly ready: boolean;
  /** It cannot become Ready again (e.g. its process exited): no point waiting. */
  readonly failed?: boolean;
  readonly message?: string;
}

/** What the engine saw this tick. */
export interface Observations {
  readonly specHash: string;
  readonly primary: VariantObservation;
  readonly canary: VariantObservation;
  /** The canary weight actually in force; null when unknown. */
  readonly canaryWeight: number | null;
  /** What the router waits for before a weight is in force (a gateway's acceptance, ...). */
  readonly canaryWeightMessage?: string;
  /** Measured since `status.windowStartedAt`; absent when nothing was measured. */
  readonly window?: WindowMeasurement;
  /** Counter deltas since the previous tick, with the share in force (sequential judge). */
  readonly tick?: TickInput;
  /** The router reports the promotion (or the rollback) complete. */
  readonly promoted?: boolean;
  readonly rolledBack?: boolean;
}

export interface Decision {
  readonly status: RolloutStatus;
  readonly actions: readonly Action[];
  /** Why: every decision, including "nothing to do", can be explained. */
  readonly reason: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const ms = (text: string | null): number => (text === null ? Number.NaN : Date.parse(text));

/** The status of a rollout that has not started. */
export function initialStatus(canary: ModelCanary, specHash: string, now: number): RolloutStatus {
  return {
    phase: Phase.Pending, stepIndex: -1, canaryWeight: 0, observedWeight: null, gated: false,
    stepStartedAt: null, windowStartedAt: null, waitingSince: null, failures: 0, inconclusives: 0,
    message: 'deploying the canary', lastAnalysis: null, judge: null,
    history: [{ at: iso(now), from: null, to: Phase.Pending, weight: 0, reason: 'rollout created' }],
    specHash, stableStorageUri: canary.spec.predictor.model.storageUri, canaryStorageUri: canary.spec.canary.storageUri,
    startedAt: iso(now), updatedAt: iso(now),
  };
}

/**
 * A rollout picked up after its process restarted: same phase, step and
 * weight (traffic never moves backwards), but the step's clock and analysis
 * window start again, as what was measured before the restart is gone.
 */
export function resumeAfterRestart(status: RolloutStatus, now: number): RolloutStatus {
  if (status.phase !== Phase.Progressing) return status;
  return { ...status, stepStartedAt: iso(now), windowStartedAt: iso(now), waitingSince: null, updatedAt: iso(now) };
}

/** Moves to `phase` (checked against the table), recording why in the history. */
export function transition(status: RolloutStatus, phase: Phase, reason: string, now: number, changes: Partial<RolloutStatus> = {}): RolloutStatus {
  if (!canTransition(status.phase, phase)) throw new Error(`illegal transition ${status.phase} → ${phase} (${reason})`);
  const next = { ...status, ...changes, phase, message: reason, updatedAt: iso(now) };
  if (phase === status.phase) return next;
  const entry = { at: iso(now), from: status.phase, to: phase, weight: next.canaryWeight, reason };
  return { ...next, history: [...status.history, entry].slice(-HISTORY_LIMIT) };
}

export function decide(canary: ModelCanary, current: RolloutStatus | undefined, obs: Observations, now: number): Decision {
  if (!current) {
    const status = initialStatus(canary, obs.specHash, now);
    return { status, actions: [{ type: 'ensure-variants' }], reason: 'rollout created: deploying the canary' };
  }
  const status: RolloutStatus = { ...current, observedWeight: obs.canaryWeight };
  if (status.specHash !== obs.specHash) return onSpecChange(canary, status, obs, now);
  switch (status.phase) {
    case Phase.Pending: return decidePending(canary, status, obs, now);
    case Phase.Progressing: return decideProgressing(canary, status, obs, now);
    case Phase.Paused: return hold(status, obs, `paused: ${status.message}`);
    case Phase.Promoting: return decidePromoting(status, obs, now);
    case Phase.RollingBack: return decideRollingBack(status, obs, now);
    default: return { status, actions: [], reason: `rollout ${status.phase}` };
  }
}

/** A new canary version starts a new rollout; other spec edits are adopted in place. */
function onSpecChange(canary: ModelCanary, status: RolloutStatus, obs: Observations, now: number): Decision {
  const newCanary = canary.spec.canary.storageUri;
  if (newCanary === status.canaryStorageUri) {
    const adopted = { ...status, specHash: obs.specHash, updatedAt: iso(now) };
    return { status: adopted, actions: [], reason: 'spec changed (same canary): new settings apply from now on' };
  }
  if (isFinished(status.phase) && newCanary === status.stableStorageUri) {
    return { status: { ...status, specHash: obs.specHash }, actions: [], reason: `${newCanary} already serves as primary` };
  }
  const reason = isFinished(status.phase)
    ? `new canary version ${newCanary}: a new rollout starts`
    : `canary changed to ${newCanary} during the rollout: the analysis restarts from the first step`;
  const restarted = transition(status, Phase.Pending, reason, now, {
    stepIndex: -1, canaryWeight: 0, gated: false, stepStartedAt: null, windowStartedAt: null,
    failures: 0, inconclusives: 0, lastAnalysis: null, judge: null, specHash: obs.specHash,
    canaryStorageUri: newCanary, startedAt: isFinished(status.phase) ? iso(now) : status.startedAt,
  });
  const actions: Action[] = status.canaryWeight > 0 ? [{ type: 'set-weight', weight: 0 }] : [];
  return { status: restarted, actions: [...actions, { type: 'ensure-variants' }], reason };
}

function decidePending(canary: ModelCanary, status: RolloutStatus, obs: Observations, now: number): Decision {
  if (obs.primary.ready && obs.canary.ready) return enterStep(canary, status, 0, now, 'both variants are Ready');
  if (obs.primary.failed) return primaryFailed(status, obs, now);
  if (obs.canary.failed) return rollBack(status, `the canary failed: ${obs.canary.message ?? 'not Ready'}`, now);
  const waited = now - ms(status.history.at(-1)?.at ?? status.startedAt);
  const notReady = describeNotReady(obs);
  if (waited >= canary.spec.rollout.progressDeadline) {
    return rollBack(status, `variants not Ready within the progress deadline (${notReady})`, now);
  }
  return { status, actions: [{ type: 'ensure-variants' }], reason: `waiting for the variants to be Ready (${notReady})` };
}

/** Starts steps[index], unless a manual gate holds it. */
function enterStep(canary: ModelCanary, status: RolloutStatus, index: number, now: number, why: string): Decision {
  const steps = canary.spec.rollout.steps;
  if (index >= steps.length) {
    const promoting = transition(status, Phase.Promoting, `${why}: all steps passed, promoting`, now, { gated: false });
    return { status: promoting, actions: [{ type: 'promote' }], reason: promoting.message };
  }
  const weight = steps[index]!;
  if (canary.spec.rollout.pauseBefore.includes(weight) && !status.gated) {
    const reason = `${why}; manual gate before ${weight}%: run \`kcanary resume\` to continue`;
    const paused = transition(status, Phase.Paused, reason, now, { stepIndex: index, gated: true, inconclusives: 0 });
    return { status: paused, actions: [], reason };
  }
  const reason = `${why}: canary weight ${weight}%`;
  const next = transition(status, Phase.Progressing, reason, now, {
    stepIndex: index, canaryWeight: weight, gated: false, stepStartedAt: iso(now), windowStartedAt: iso(now), waitingSince: null, inconclusives: 0,
  });
  return { status: next, actions: [{ type: 'set-weight', weight }], reason };
}

const WAITING_FOR_WEIGHT = 'waiting for canary weight';

function decideProgressing(canary: ModelCanary, status: RolloutStatus, obs: Observations, now: number): Decision {
  if (obs.primary.failed) return primaryFailed(status, obs, now);
  if (obs.canary.failed) return rollBack(status, `the canary failed: ${obs.canary.message ?? 'not Ready'}`, now);
  if (!obs.canary.ready || !obs.primary.ready) return waitForReady(canary, status, obs, now);
  if (obs.canaryWeight !== status.canaryWeight) {
    // The window only counts time with the intended weight in force.
    const reason = `${WAITING_FOR_WEIGHT} ${status.canaryWeight}% to take effect (observed ${obs.canaryWeight ?? 'unknown'}${obs.canaryWeightMessage ? `: ${obs.canaryWeightMessage}` : ''})`;
    // In the status message too: a person sees what the rollout waits for, not the last transition.
    const waiting = { ...status, windowStartedAt: iso(now), waitingSince: null, message: reason };
    return { status: waiting, actions: [{ type: 'set-weight', weight: status.canaryWeight }], reason };
  }
  if (status.message.startsWith(WAITING_FOR_WEIGHT)) status = { ...status, message: status.history.at(-1)?.reason ?? '' };
  if (canary.spec.analysis.judge === Judge.Sequential) return decideSequentialTick(canary, status, obs, now);
  const windowStart = ms(status.windowStartedAt);
  const interval = canary.spec.rollout.interval;
  if (!(now - windowStart >= interval)) {
    return { status, actions: [], reason: `observing step ${status.stepIndex + 1} at ${status.canaryWeight}% (${Math.max(0, Math.ceil((windowStart + interval - now) / 1000))}s left)` };
  }
  const results = analyse(canary, obs);
  const verdict = overallVerdict(results);
  const record: AnalysisRecord = { at: iso(now), verdict, results };
  const analysed = { ...status, lastAnalysis: record, windowStartedAt: iso(now), waitingSince: null };
  const summary = results.map((r) => `${r.name} ${r.verdict}`).join(', ');
  if (verdict === 'pass') return enterStep(canary, { ...analysed, failures: 0 }, status.stepIndex + 1, now, `step ${status.stepIndex + 1} at ${status.canaryWeight}% passed (${summary})`);
  if (verdict === 'fail') {
    const failures = status.failures + 1;
    const failed = results.filter((r) => r.verdict === 'fail').map((r) => `${r.name}: ${r.message} (${r.value} vs ${r.threshold})`).join('; ');
    if (failures > canary.spec.analysis.failureLimit) return rollBack({ ...analysed, failures }, `analysis failed ${failures} time(s): ${failed}`, now);
    return { status: { ...analysed, failures }, actions: [], reason: `analysis failed (${failures} of ${canary.spec.analysis.failureLimit} tolerated): ${failed}` };
  }
  const inconclusives = status.inconclusives + 1;
  const why = results.filter((r) => r.verdict !== 'pass').map((r) => `${r.name}: ${r.message}`).join('; ');
  if (inconclusives > canary.spec.analysis.inconclusiveLimit) {
    const reason = `analysis inconclusive ${inconclusives} time(s) (${why}): run \`kcanary resume\` to keep observing, or promote/rollback`;
    return { status: transition({ ...analysed, inconclusives }, Phase.Paused, reason, now), actions: [], reason };
  }
  return { status: { ...analysed, inconclusives }, actions: [], reason: `analysis inconclusive, observing again: ${why}` };
}

/** The sequential judge decides at every tick: roll back as soon as the evidence is in. */
function decideSequentialTick(canary: ModelCanary, status: RolloutStatus, obs: Observations, now: number): Decision {
  const { judge, judgment, record: judgedRecord } = stepSequentialJudge(canary, status.judge, obs.tick, { nowMs: now, stepStartedAtMs: ms(status.stepStartedAt) });
  const record = withMeasuredValues(canary, judgedRecord, obs.window);
  const judged: RolloutStatus = { ...status, judge, lastAnalysis: record };
  const step = `step ${status.stepIndex + 1} at ${status.canaryWeight}%`;
  // Counts not yet settled (scrape lag after a weight change) are not "no traffic": the step timeout waits for them, up to twice as long.
  const stepTimeout = canary.spec.analysis.stepTimeout ?? 2 * canary.spec.rollout.interval;
  const unsettled = obs.window?.settled === false && now - ms(status.stepStartedAt) < 2 * stepTimeout;
  const decision = unsettled && judgment.decision !== JudgeDecision.Rollback ? JudgeDecision.Continue : judgment.decision;
  switch (decision) {
    case JudgeDecision.Rollback: {
      const failed = record.results.filter((r) => r.verdict === 'fail').map((r) => `${r.name}: ${r.message}`).join('; ');
      return rollBack(judged, `${judgment.reason} (${failed})`, now);
    }
    case JudgeDecision.PromoteOk:
      return enterStep(canary, judged, status.stepIndex + 1, now, `${step} passed: ${judgment.reason}`);
    case JudgeDecision.Inconclusive: {
      const reason = `${step}: ${judgment.reason}: run \`kcanary resume\` to keep observing, or promote/rollback`;
      return { status: transition(judged, Phase.Paused, reason, now), actions: [], reason };
    }
    default: {
      // A measurement problem is inconclusive data: nothing is judged on it, and it says so.
      if (obs.window?.settled === false) return { status: judged, actions: [], reason: `${step}: not yet measurable: waiting for the metrics to cover the window (scrape lag)` };
      const problem = obs.window?.unavailable ? `no measurement this tick (${obs.window.unavailable}); ` : '';
      return { status: judged, actions: [], reason: `${step}: ${problem}${judgment.reason}` };
    }
  }
}

/**
 * The sequential judge's evidence is an e-value; what a person reads first is
 * the metric itself, in its unit, over the analysis window (this step so far).
 */
function withMeasuredValues(canary: ModelCanary, record: AnalysisRecord, window: Observations['window']): AnalysisRecord {
  const { checks } = canary.spec.analysis;
  const measured = window && !window.unavailable ? judgeWindow(window, { checks, minRequests: 1 }) : [];
  return {
    ...record,
    results: record.results.map((r) => {
      const check = checks.find((c) => c.name === r.name);
      return { ...r, value: measured.find((m) => m.name === r.name)?.value ?? null, unit: check ? unitOf(check) : '' };
    }),
  };
}

function analyse(canary: ModelCanary, obs: Observations): MetricResult[] {
  const { checks, minRequests } = canary.spec.analysis;
  if (!obs.window) return checks.map((c) => ({ name: c.name, value: null, threshold: '', verdict: 'inconclusive' as const, message: 'no measurement' }));
  return judgeWindow(obs.window, { checks, minRequests });
}

/**
 * A variant that is not Ready (restarting, rescheduled) is waited for, as
 * Flagger does, up to the progress deadline; nothing is judged meanwhile, and
 * the analysis window starts again once both are back.
 */
function waitForReady(canary: ModelCanary, status: RolloutStatus, obs: Observations, now: number): Decision {
  const since = status.waitingSince ?? iso(now);
  const notReady = describeNotReady(obs);
  if (now - ms(since) >= canary.spec.rollout.progressDeadline) {
    return rollBack(status, `not Ready for longer than the progress deadline (${notReady})`, now);
  }
  const waiting = { ...status, waitingSince: since, windowStartedAt: iso(now) };
  return { status: waiting, actions: [], reason: `waiting for the variants to be Ready (${notReady})` };
}

/**
 * The primary cannot become Ready again: rolling back to it would serve
 * nothing, so kcanary cannot act, and says so.
 */
function primaryFailed(status: RolloutStatus, obs: Observations, now: number): Decision {
  const reason = `the primary (${status.stableStorageUri}) failed: ${obs.primary.message ?? 'not Ready'}; it cannot serve, so the rollout stops here`;
  return { status: transition(status, Phase.Failed, reason, now), actions: [], reason };
}

/** Who serves now, said only when it is true. */
function servingNote(storageUri: string, obs: Observations): string {
  return obs.primary.ready ? `${storageUri} serves all traffic` : `${storageUri} is not Ready (${obs.primary.message ?? 'no answer'}): nothing serves`;
}

function describeNotReady(obs: Observations): string {
  return [
    !obs.primary.ready && `primary: ${obs.primary.message ?? 'not Ready'}`,
    !obs.canary.ready && `canary: ${obs.canary.message ?? 'not Ready'}`,
  ].filter(Boolean).join('; ');
}

/** Paused: keep the weight as it is, re-asserting it if something moved it. */
function hold(status: RolloutStatus, obs: Observations, reason: string): Decision {
  const actions: Action[] = obs.canaryWeight !== null && obs.canaryWeight !== status.canaryWeight ? [{ type: 'set-weight', weight: status.canaryWeight }] : [];
  return { status, actions, reason };
}

function decidePromoting(status: RolloutStatus, obs: Observations, now: number): Decision {
  if (obs.promoted) {
    const done = transition(status, Phase.Succeeded, `promoted: ${servingNote(status.canaryStorageUri, obs).replace(/ serves all/, ' now serves all')}`, now, {
      canaryWeight: 0, stableStorageUri: status.canaryStorageUri, gated: false,
    });
    return { status: done, actions: [], reason: done.message };
  }
  return { status, actions: [{ type: 'promote' }], reason: 'promoting: the canary becomes the primary' };
}

export function rollBack(status: RolloutStatus, why: string, now: number): Decision {
  const reason = `rolling back: ${why}`;
  const next = transition(status, Phase.RollingBack, reason, now, { canaryWeight: 0, gated: false });
  return { status: next, actions: [{ type: 'set-weight', weight: 0 }, { type: 'rollback' }], reason };
}

function decideRollingBack(status: RolloutStatus, obs: Observations, now: number): Decision {
  if (obs.rolledBack && obs.canaryWeight === 0) {
    const why = status.message.replace(/^rolling back: /, '');
    const done = transition(status, Phase.RolledBack, `rolled back (${why}); ${servingNote(status.stableStorageUri, obs)}`, now, {});
    return { status: done, actions: [], reason: done.message };
  }
  return { status, actions: [{ type: 'set-weight', weight: 0 }, { type: 'rollback' }], reason: 'rolling back: the primary takes all traffic' };
}

