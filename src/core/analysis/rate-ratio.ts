/**
 * The counting e-process behind the error-rate test, the latency tail test and
 * the sample-ratio guard. Events (errors, slow requests, requests) fall on the
 * canary or the primary; with requests assigned to arms independently of their
 * outcome, an event is the canary's with probability ρ when both arms are alike,
 * whatever the overall rate does (an outage on both arms cancels out). If the
 * canary's rate is r times the primary's, that probability is rρ/(rρ + 1 − ρ):
 *
 *   log LR(r) += x_c·ln r − (x_c + x_p)·ln(1 + ρ(r − 1))
 *
 * Each LR(r) is a nonnegative martingale under "alike", so is their mean E, and
 * Ville's inequality bounds P(E ever ≥ 1/α) by α.
 */
import { logMeanExp, logShare } from './log-space.js';

/** log LR(r) per ratio, in the order of the ratios the caller passes. */
export type RatioLogs = readonly number[];

export function initRatioLogs(ratios: readonly number[]): RatioLogs {
  return ratios.map(() => 0);
}

export interface ArmEvents {
  /** Events on the canary. */
  readonly canary: number;
  /** Events on the primary. */
  readonly primary: number;
  /** Canary share in force while they happened, strictly between 0 and 1. */
  readonly share: number;
}

/** The logs after one tick's events; unchanged when nothing happened. */
export function updateRatioLogs(logs: RatioLogs, ratios: readonly number[], events: ArmEvents): RatioLogs {
  const total = events.canary + events.primary;
  if (total <= 0 || !(events.share > 0 && events.share < 1)) return logs;
  return logs.map((log, i) => {
    const r = ratios[i] as number;
    return log + events.canary * Math.log(r) - total * logShare(events.share, r);
  });
}

/** ln E: the mixture with equal weights. */
export function mixtureLog(logs: RatioLogs): number {
  return logMeanExp(logs);
}
