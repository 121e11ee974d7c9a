/**
 * The sample-ratio test: did the canary really get the share ρ that was set?
 * If not, every comparison of the arms is meaningless, so the judge withholds
 * its verdicts (inconclusive) and asks a person.
 *
 * Counts come from a metrics pipeline (Prometheus scrapes, series born at a
 * pod's first request), so the observed share is a little off even when the
 * split is right. The test therefore has a composite null hypothesis: the
 * canary's odds are within a factor `band` of the odds set (ρ = 10%, band 2:
 * anything from 5.3% to 18.2% is "right"). Against each edge it runs
 * one-sided likelihood ratios: for r below 1/band,
 *
 *   LR_low(r) = LR(r) / LR(1/band),  LR(r) = r^C · (1 + ρ(r − 1))^(−N)
 *
 * with C canary requests of N. Within a one-parameter family this is a
 * supermartingale under every share at or above the edge (monotone likelihood
 * ratio), so E = ½(mean LR_low + mean LR_high) stays below 1/α_split with
 * probability ≥ 1 − α_split, looked at as often as one likes (Ville).
 *
 * One test per analysis window (the window restarts with every weight change
 * and every resume), on the window's cumulative counts; a window only counts
 * once its counts are settled (the provider's scrape lag is behind it), and
 * the test needs a minimum of expected requests on each arm before it can fire.
 */
import { logMeanExp, logShare } from './log-space.js';

export interface SplitConfig {
  /** α_split: the most false "split is off" pauses accepted per window. */
  readonly alpha: number;
  /** The odds factor within which the split counts as right. */
  readonly band: number;
  /** Odds ratios (relative to the odds set) of the alternatives, below 1/band and above band. */
  readonly lowRatios: readonly number[];
  readonly highRatios: readonly number[];
  /** Expected requests each arm needs before the test may fire. */
  readonly minExpected: number;
}

export interface SplitState {
  /** Start of the analysis window the counts belong to. */
  readonly windowFromMs: number | null;
  readonly share: number;
  readonly canary: number;
  readonly total: number;
  /** When the test rejected "the split is right" in this window; null while it has not. */
  readonly offSinceMs: number | null;
}

export interface SplitTick {
  readonly atMs: number;
  readonly share: number;
  readonly canary: number;
  readonly primary: number;
  readonly windowFromMs?: number;
  /** False while the window's counts may still miss a scrape (series not yet seen). */
  readonly settled?: boolean;
}

export function initSplit(): SplitState {
  return { windowFromMs: null, share: 0, canary: 0, total: 0, offSinceMs: null };
}

function logLR(ratio: number, canary: number, total: number, share: number): number {
  return canary * Math.log(ratio) - total * logShare(share, ratio);
}

/** ln E of the split test on cumulative counts. */
export function splitLogE(config: SplitConfig, state: Pick<SplitState, 'share' | 'canary' | 'total'>): number {
  const { share, canary, total } = state;
  if (!(share > 0 && share < 1) || total <= 0) return -Infinity;
  const edge = (r: number) => logLR(r, canary, total, share);
  const low = logMeanExp(config.lowRatios.map((r) => edge(r) - edge(1 / config.band)));
  const high = logMeanExp(config.highRatios.map((r) => edge(r) - edge(config.band)));
  return logMeanExp([low, high]);
}

/** Whether the window has enough expected requests on both arms for the test to speak. */
export function splitHasData(config: SplitConfig, state: Pick<SplitState, 'share' | 'total'>): boolean {
  return state.share * state.total >= config.minExpected && (1 - state.share) * state.total >= config.minExpected;
}

/** The state after one tick; a new window (or a new share) starts a new test. */
export function updateSplit(state: SplitState, config: SplitConfig, tick: SplitTick): SplitState {
  const windowFromMs = tick.windowFromMs ?? state.windowFromMs;
  const fresh = windowFromMs !== state.windowFromMs || tick.share !== state.share;
  const base = fresh ? { ...initSplit(), windowFromMs, share: tick.share } : state;
  const next = { ...base, canary: base.canary + tick.canary, total: base.total + tick.canary + tick.primary };
  if (next.offSinceMs !== null || tick.settled === false || !splitHasData(config, next)) return next;
  return splitLogE(config, next) >= -Math.log(config.alpha) ? { ...next, offSinceMs: tick.atMs } : next;
}
