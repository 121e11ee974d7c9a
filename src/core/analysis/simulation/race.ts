/**
 * Runs judges side by side on the same simulated traffic and records when each
 * first decided to roll back and when it first found the canary good enough to
 * promote. Used by the tests and by bench/judgment.
 */
import { buildJudgeConfig, type JudgeParams } from '../config.js';
import { decideSequential } from '../sequential-judgment.js';
import { initSequentialJudge, updateSequentialJudge } from '../sequential-state.js';
import { buildThresholdJudgeConfig, initThresholdJudge, judgeThreshold, updateThresholdJudge, type ThresholdJudgeParams } from '../threshold-judge.js';
import { Decision, type TickInput } from '../types.js';
import { createRandom } from './prng.js';
import { createTrafficSimulator, type TrafficModel } from './traffic.js';

/** One judge following one run: it sees every tick and answers with its decision. */
export interface JudgeRun {
  observe(tick: TickInput): Decision;
}

export interface JudgeEntry {
  readonly name: string;
  start(startMs: number): JudgeRun;
}

export function sequentialEntry(name: string, params: JudgeParams = {}): JudgeEntry {
  const config = buildJudgeConfig(params);
  return {
    name,
    start(startMs) {
      let state = initSequentialJudge(config);
      return {
        observe(tick) {
          state = updateSequentialJudge(state, config, tick);
          return decideSequential(state, config, { nowMs: tick.atMs, stepStartedAtMs: startMs, minSoakMs: 0 }).decision;
        },
      };
    },
  };
}

export function thresholdEntry(name: string, params: ThresholdJudgeParams = {}): JudgeEntry {
  const config = buildThresholdJudgeConfig(params);
  return {
    name,
    start(startMs) {
      let state = initThresholdJudge(config, startMs);
      return {
        observe(tick) {
          state = updateThresholdJudge(state, config, tick);
          return judgeThreshold(state, config).decision;
        },
      };
    },
  };
}

export interface TrialOutcome {
  /** Seconds from the canary's start to the first rollback decision, or null within the horizon. */
  readonly rollbackAtS: number | null;
  /** Seconds to the first promote-ok decision, or null. */
  readonly promoteAtS: number | null;
}

export interface TrialOptions {
  readonly model: TrafficModel;
  readonly judges: readonly JudgeEntry[];
  readonly horizonS: number;
  readonly seed: number;
  /** Stop once every judge rolled back (a bad canary), else run to the horizon. */
  readonly stopWhenAllRolledBack?: boolean;
  /** Stop once every judge either rolled back or found the canary promotable. */
  readonly stopWhenAllDecided?: boolean;
}

export function runTrial(options: TrialOptions): TrialOutcome[] {
  const startMs = options.model.startMs ?? 0;
  const tickS = options.model.tickS ?? 1;
  const traffic = createTrafficSimulator(options.model, createRandom(options.seed));
  const runs = options.judges.map((judge) => judge.start(startMs));
  const rollbackAtS: (number | null)[] = runs.map(() => null);
  const promoteAtS: (number | null)[] = runs.map(() => null);
  for (let t = tickS; t <= options.horizonS; t += tickS) {
    const tick = traffic.next();
    let open = 0;
    runs.forEach((run, i) => {
      if (rollbackAtS[i] !== null) return;
      const decision = run.observe(tick);
      if (decision === Decision.Rollback) rollbackAtS[i] = t;
      else if (decision === Decision.PromoteOk && promoteAtS[i] === null) promoteAtS[i] = t;
      if (rollbackAtS[i] === null && (!options.stopWhenAllDecided || promoteAtS[i] === null)) open += 1;
    });
    if (open === 0 && (options.stopWhenAllRolledBack || options.stopWhenAllDecided)) break;
  }
  return runs.map((_, i) => ({ rollbackAtS: rollbackAtS[i] ?? null, promoteAtS: promoteAtS[i] ?? null }));
}
