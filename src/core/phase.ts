/**
 * The rollout's phase machine: the phases and the one table of transitions
 * every decision is checked against.
 */

export const Phase = {
  Pending: 'Pending',
  Progressing: 'Progressing',
  Paused: 'Paused',
  Promoting: 'Promoting',
  Succeeded: 'Succeeded',
  RollingBack: 'RollingBack',
  RolledBack: 'RolledBack',
  Failed: 'Failed',
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];
export const PHASES = Object.values(Phase);

/**
 * Allowed moves. A new canary version restarts a finished rollout (→ Pending);
 * a change of canary during a live rollout restarts it too.
 */
export const TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  [Phase.Pending]: [Phase.Progressing, Phase.Paused, Phase.RollingBack, Phase.Failed],
  [Phase.Progressing]: [Phase.Paused, Phase.Promoting, Phase.RollingBack, Phase.Failed, Phase.Pending],
  [Phase.Paused]: [Phase.Progressing, Phase.Pending, Phase.Promoting, Phase.RollingBack, Phase.Failed],
  [Phase.Promoting]: [Phase.Succeeded, Phase.Failed],
  [Phase.RollingBack]: [Phase.RolledBack, Phase.Failed],
  [Phase.Succeeded]: [Phase.Pending],
  [Phase.RolledBack]: [Phase.Pending],
  [Phase.Failed]: [Phase.Pending, Phase.RollingBack],
};

export function canTransition(from: Phase, to: Phase): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

/** The rollout has ended; only a new canary version starts another. */
export function isFinished(phase: Phase): boolean {
  return phase === Phase.Succeeded || phase === Phase.RolledBack || phase === Phase.Failed;
}

/** The canary may be receiving traffic. */
export function isLive(phase: Phase): boolean {
  return phase === Phase.Pending || phase === Phase.Progressing || phase === Phase.Paused;
}
