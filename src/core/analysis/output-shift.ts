/**
 * Split-traffic prediction shift: an anytime-valid two-sample test of the
 * two arms' output distributions, by betting (docs/adr/prediction-shift.md).
 *
 * On split traffic no request reaches both arms, but each request goes to the
 * canary with probability ρ whatever it asks. When the canary answers like
 * the primary, an answer y is then the canary's with probability ρ however
 * the traffic mix drifts: P(canary | y, past) = ρ. Any probability q(y) fixed
 * before the answer arrives makes
 *
 *     factor = q/ρ (canary answer)   or   (1 − q)/(1 − ρ) (primary answer)
 *
 * a fair bet (conditional mean 1), so the running product is a nonnegative
 * martingale and, by Ville's inequality, reaches 1/α with probability ≤ α.
 *
 * q is a plug-in: answers fall into bins (class labels; numbers by sign and
 * magnitude, `perDoubling` bins per factor of two), and in each bin the
 * canary's and the primary's observed counts against what ρ predicts give an
 * odds shift, shrunk towards none with one pseudo-answer and learned from
 * earlier ticks only. Answers with several predictions bet the mean of their
 * predictions' q. E averages two resolutions (coarse and fine bins).
 */
import { logMeanExp } from './log-space.js';
import type { Answer, Prediction } from './predictions.js';

/** Per bin: canary answers, expected canary answers Σρ, all answers. */
export type BinCounts = readonly [canary: number, expected: number, total: number];

export interface ShiftResolution {
  readonly perDoubling: number;
  readonly bins: Readonly<Record<string, BinCounts>>;
  /** ln of the betting wealth. */
  readonly log: number;
}

export interface OutputShiftState {
  readonly canaryAnswers: number;
  readonly primaryAnswers: number;
  /** Sums of the numeric predictions, for the message (means of each arm). */
  readonly canarySum: number;
  readonly canaryNumbers: number;
  readonly primarySum: number;
  readonly primaryNumbers: number;
  readonly resolutions: readonly ShiftResolution[];
}

/** Bins per resolution at most; later new values share one overflow bin, so the state stays small. */
export const MAX_SHIFT_BINS = 200;
const OVERFLOW = '*';
const PSEUDO = 6;
/** Largest odds shift one prediction may bet on: caps the loss of a wrong bet at ln 50 per answer. */
const MAX_LOG_ODDS = Math.log(50);
const LABEL_CHARS = 64;

export function initOutputShift(resolutions: readonly number[] = [1, 4]): OutputShiftState {
  return {
    canaryAnswers: 0, primaryAnswers: 0, canarySum: 0, canaryNumbers: 0, primarySum: 0, primaryNumbers: 0,
    resolutions: resolutions.map((perDoubling) => ({ perDoubling, bins: {}, log: 0 })),
  };
}

/** The bin of one prediction: a label as itself; a number by sign and floor(perDoubling · log2|y|). */
export function binOf(prediction: Prediction, perDoubling: number): string {
  if (typeof prediction === 'string') return `l:${prediction.slice(0, LABEL_CHARS)}`;
  if (!Number.isFinite(prediction)) return 'nan';
  if (prediction === 0) return '0';
  return `${prediction < 0 ? '-' : '+'}${Math.floor(perDoubling * Math.log2(Math.abs(prediction)))}`;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The bins an answer's predictions fall in, one per prediction. */
function binsOfAnswer(answer: Answer, perDoubling: number): string[] {
  return answer.map((p) => binOf(p, perDoubling));
}

/** The bet's probability that an answer is the canary's, from counts before this tick. */
function canaryProbability(bins: ShiftResolution['bins'], keys: readonly string[], logitShare: number): number {
  if (keys.length === 0) return sigmoid(logitShare);
  let sum = 0;
  for (const key of keys) {
    const bin = bins[key] ?? bins[OVERFLOW];
    let shift = 0;
    if (bin) {
      const [canary, expected, total] = bin;
      shift = Math.log((canary + PSEUDO) / (expected + PSEUDO)) - Math.log((total - canary + PSEUDO) / (total - expected + PSEUDO));
      shift = Math.min(Math.max(shift, -MAX_LOG_ODDS), MAX_LOG_ODDS);
    }
    sum += sigmoid(logitShare + shift);
  }
  return sum / keys.length;
}

type MutableBins = { table: Record<string, [number, number, number]>; size: number };

function addToBins(bins: MutableBins, keys: readonly string[], isCanary: boolean, share: number): void {
  // An answer counts once per distinct bin it touches.
  for (const raw of keys.length === 1 ? keys : new Set(keys)) {
    let key = raw;
    if (!(key in bins.table)) {
      if (bins.size >= MAX_SHIFT_BINS) key = OVERFLOW;
      if (!(key in bins.table)) {
        bins.table[key] = [0, 0, 0];
        bins.size += 1;
      }
    }
    const counts = bins.table[key] as [number, number, number];
    counts[0] += isCanary ? 1 : 0;
    counts[1] += share;
    counts[2] += 1;
  }
}

function updateResolution(resolution: ShiftResolution, share: number, primary: readonly Answer[], canary: readonly Answer[]): ShiftResolution {
  const logitShare = Math.log(share / (1 - share));
  const { perDoubling } = resolution;
  const canaryKeys = canary.map((answer) => binsOfAnswer(answer, perDoubling));
  const primaryKeys = primary.map((answer) => binsOfAnswer(answer, perDoubling));
  let log = resolution.log;
  for (const keys of canaryKeys) log += Math.log(canaryProbability(resolution.bins, keys, logitShare) / share);
  for (const keys of primaryKeys) log += Math.log1p(-canaryProbability(resolution.bins, keys, logitShare)) - Math.log1p(-share);
  const entries = Object.entries(resolution.bins);
  const bins: MutableBins = { table: Object.fromEntries(entries.map(([k, v]) => [k, [...v]])) as MutableBins['table'], size: entries.length };
  for (const keys of canaryKeys) addToBins(bins, keys, true, share);
  for (const keys of primaryKeys) addToBins(bins, keys, false, share);
  return { perDoubling, bins: bins.table, log };
}

function numericSum(answers: readonly Answer[]): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const answer of answers) {
    for (const p of answer) {
      if (typeof p === 'number' && Number.isFinite(p)) {
        sum += p;
        count += 1;
      }
    }
  }
  return { sum, count };
}

/**
 * One tick of answers from each arm, with the canary share ρ in force. A tick
 * with ρ at 0 or 1 compares nothing (one arm should have had no answers).
 */
export function updateOutputShift(state: OutputShiftState, share: number, primary: readonly Answer[], canary: readonly Answer[]): OutputShiftState {
  if (!(share > 0 && share < 1) || (primary.length === 0 && canary.length === 0)) return state;
  const c = numericSum(canary);
  const p = numericSum(primary);
  return {
    canaryAnswers: state.canaryAnswers + canary.length,
    primaryAnswers: state.primaryAnswers + primary.length,
    canarySum: state.canarySum + c.sum,
    canaryNumbers: state.canaryNumbers + c.count,
    primarySum: state.primarySum + p.sum,
    primaryNumbers: state.primaryNumbers + p.count,
    resolutions: state.resolutions.map((r) => updateResolution(r, share, primary, canary)),
  };
}

export function outputShiftLogE(state: OutputShiftState): number {
  return logMeanExp(state.resolutions.map((r) => r.log));
}

export function outputShiftMaxLog(state: OutputShiftState): number {
  let max = -Infinity;
  for (const r of state.resolutions) if (r.log > max) max = r.log;
  return max;
}
