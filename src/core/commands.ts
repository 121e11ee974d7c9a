/**
 * What a person can ask of a running rollout (CLI verbs, dashboard buttons),
 * as pure functions of the status. A command that does not fit the phase is
 * refused with a reason, never half-applied.
 */
import { Phase } from './phase.js';
import type { ModelCanary } from './spec.js';
import type { RolloutStatus } from './status.js';
import { rollBack, transition, type Action } from './decide.js';

export type Command =
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'promote' }
  /** `reason`: why, when the rollback is not a person's (a failed webhook aborting the rollout). */
  | { readonly type: 'rollback'; readonly reason?: string }
  | { readonly type: 'set-weight'; readonly weight: number };

export type CommandResult =
  | { readonly ok: true; readonly status: RolloutStatus; readonly actions: readonly Action[]; readonly reason: string }
  | { readonly ok: false; readonly reason: string };

const refuse = (reason: string): CommandResult => ({ ok: false, reason });

/** Which phases each command applies in. */
export const COMMAND_PHASES: Readonly<Record<Command['type'], readonly Phase[]>> = {
  pause: [Phase.Pending, Phase.Progressing],
  resume: [Phase.Paused],
  promote: [Phase.Progressing, Phase.Paused],
  rollback: [Phase.Pending, Phase.Progressing, Phase.Paused, Phase.Failed],
  'set-weight': [Phase.Progressing, Phase.Paused],
};

/**
 * Asking for what is already so succeeds and changes nothing, like applying
 * an unchanged object: pausing a paused rollout, resuming a running one.
 */
function alreadySo(status: RolloutStatus, command: Command): string | undefined {
  if (command.type === 'pause' && status.phase === Phase.Paused) return 'already paused: nothing changed (run `kcanary resume` to continue)';
  if (command.type === 'resume' && (status.phase === Phase.Progressing || status.phase === Phase.Pending)) return `already running (${status.phase}): nothing changed`;
  return undefined;
}

export function applyCommand(canary: ModelCanary, status: RolloutStatus, command: Command, now: number): CommandResult {
  const noChange = alreadySo(status, command);
  if (noChange !== undefined) return { ok: true, status, actions: [], reason: noChange };
  if (!COMMAND_PHASES[command.type].includes(status.phase)) {
    return refuse(`cannot ${command.type} a rollout that is ${status.phase} (only when ${COMMAND_PHASES[command.type].join(' or ')})`);
  }
  const iso = new Date(now).toISOString();
  switch (command.type) {
    case 'pause': {
      const reason = 'paused by hand: run `kcanary resume` to continue';
      return { ok: true, status: transition(status, Phase.Paused, reason, now), actions: [], reason };
    }
    case 'resume': {
      if (status.gated) {
        const weight = canary.spec.rollout.steps[status.stepIndex]!;
        const reason = `resumed: canary weight ${weight}%`;
        const next = transition(status, Phase.Progressing, reason, now, {
          canaryWeight: weight, gated: false, stepStartedAt: iso, windowStartedAt: iso, waitingSince: null, inconclusives: 0,
        });
        return { ok: true, status: next, actions: [{ type: 'set-weight', weight }], reason };
      }
      const back = status.stepIndex < 0 && status.canaryWeight === 0 ? Phase.Pending : Phase.Progressing;
      const reason = back === Phase.Pending ? 'resumed: waiting for the variants' : `resumed at canary weight ${status.canaryWeight}%`;
      // Time paused does not count toward the step: its soak, its timeout and
      // its analysis window all run from the resume, on what is measured after it.
      const next = transition(status, back, reason, now, { stepStartedAt: iso, windowStartedAt: iso, waitingSince: null, inconclusives: 0 });
      return { ok: true, status: next, actions: [], reason };
    }
    case 'promote': {
      const reason = 'promoted by hand: the canary becomes the primary';
      return { ok: true, status: transition(status, Phase.Promoting, reason, now, { gated: false }), actions: [{ type: 'promote' }], reason };
    }
    case 'rollback': {
      const decision = rollBack(status, command.reason ?? 'rolled back by hand', now);
      return { ok: true, ...decision };
    }
    case 'set-weight': {
      const { weight } = command;
      if (!Number.isInteger(weight) || weight < 0 || weight > 100) return refuse(`weight must be a whole percent between 0 and 100, not ${weight}`);
      // Resuming continues with the first step above this weight.
      const steps = canary.spec.rollout.steps;
      let stepIndex = -1;
      steps.forEach((w, i) => { if (w <= weight) stepIndex = i; });
      const reason = `weight set by hand to ${weight}%: run \`kcanary resume\` to continue the steps`;
      const next = transition(status, Phase.Paused, reason, now, { canaryWeight: weight, stepIndex, gated: false, windowStartedAt: iso });
      return { ok: true, status: next, actions: [{ type: 'set-weight', weight }], reason };
    }
  }
}
