/**
 * E-processes on mirrored traffic (ANALYSIS.md (c)): each mirrored request gives
 * the distance between the canary's and the primary's answers.
 *
 * Disagreement rate: D = 1 when the answers differ by more than the tolerance.
 * H0: rate ≤ d0. LR(d1) = ∏ (d1/d0)^D ((1 − d1)/(1 − d0))^(1 − D), mixed over d1.
 *
 * Mean absolute difference, by betting: Z = min(|y_c − y_p|, B)/B, m0 = τ/B.
 * K = ∏ (1 + λ(Z − m0)), λ chosen from earlier pairs only (so K stays a
 * nonnegative supermartingale under E[Z] ≤ m0) and at most 0.5/m0 (so no factor
 * drops below ½). The mirror-image bet on m1 − Z, m1 = 2·m0, tests "the
 * difference is at least 2τ", which promotion needs rejected.
 */
import { logMeanExp } from './log-space.js';

/** Non-finite distances (Infinity, NaN: answers that cannot be compared) count as full disagreement. */
function distanceOf(value: number): number {
  return Number.isFinite(value) ? Math.abs(value) : Infinity;
}

export interface DisagreementState {
  readonly pairs: number;
  readonly disagreements: number;
  /** log LR(d1) per alternative rate. */
  readonly logs: readonly number[];
}

export function initDisagreement(rates: readonly number[]): DisagreementState {
  return { pairs: 0, disagreements: 0, logs: rates.map(() => 0) };
}

export function updateDisagreement(state: DisagreementState, base: number, rates: readonly number[], tolerance: number, distances: readonly number[]): DisagreementState {
  if (distances.length === 0) return state;
  let disagreements = 0;
  for (const d of distances) if (distanceOf(d) > tolerance) disagreements += 1;
  const agreements = distances.length - disagreements;
  return {
    pairs: state.pairs + distances.length,
    disagreements: state.disagreements + disagreements,
    logs: state.logs.map((log, i) => {
      const d1 = rates[i] as number;
      return log + disagreements * Math.log(d1 / base) + agreements * (Math.log1p(-d1) - Math.log1p(-base));
    }),
  };
}

export function disagreementLogE(state: DisagreementState): number {
  return logMeanExp(state.logs);
}

export interface MeanAbsDiffState {
  readonly pairs: number;
  /** Running mean and sum of squared deviations (Welford) of Z. */
  readonly mean: number;
  readonly m2: number;
  /** ln K: evidence that E[Z] > m0 (the canary differs by more than τ). */
  readonly logWorse: number;
  /** ln K': evidence that E[Z] < m1 (the canary differs by less than 2τ). */
  readonly logNotWorse: number;
}

export function initMeanAbsDiff(): MeanAbsDiffState {
  return { pairs: 0, mean: 0, m2: 0, logWorse: 0, logNotWorse: 0 };
}

function clip(value: number, max: number): number {
  return Math.min(Math.max(value, 0), max);
}

export function updateMeanAbsDiff(state: MeanAbsDiffState, tau: number, clipAt: number, distances: readonly number[]): MeanAbsDiffState {
  if (distances.length === 0) return state;
  const m0 = tau / clipAt;
  const m1 = Math.min(2 * m0, 0.5 * (1 + m0));
  let { pairs, mean, m2, logWorse, logNotWorse } = state;
  for (const d of distances) {
    const z = Math.min(distanceOf(d), clipAt) / clipAt;
    // Estimates shrunk towards m0 (one pseudo-pair of maximal variance), from earlier pairs only.
    const muHat = (m0 + pairs * mean) / (pairs + 1);
    const varHat = (m0 * (1 - m0) + m2) / (pairs + 1);
    const up = muHat - m0;
    const down = m1 - muHat;
    const betUp = clip(up / (varHat + up * up), 0.5 / m0);
    const betDown = clip(down / (varHat + down * down), 0.5 / (1 - m1));
    logWorse += Math.log1p(betUp * (z - m0));
    logNotWorse += Math.log1p(betDown * (m1 - z));
    pairs += 1;
    const delta = z - mean;
    mean += delta / pairs;
    m2 += delta * (z - mean);
  }
  return { pairs, mean, m2, logWorse, logNotWorse };
}
