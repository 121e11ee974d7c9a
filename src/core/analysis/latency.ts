/**
 * Latency e-process on whole histograms (ANALYSIS.md (b)).
 *
 * Shape test: p is the primary's bucket distribution, q_s the same slowed by s,
 * m_s = ρ·q_s + (1 − ρ)·p. A canary request in bucket k multiplies LR(s) by
 * q_s(k)/m_s(k), a primary request by p(k)/m_s(k). When both arms are alike a
 * request in bucket k is the canary's with probability ρ, so E[LR factor] = 1
 * whatever p is: a poor reference costs power, never validity — as long as p
 * is fixed before the tick it is used on.
 *
 * The reference: the primary's own counts so far (including any ticks before
 * the canary took traffic), smoothed. That works when there was no warm-up
 * window, keeps improving as traffic flows, and never looks at the canary, so
 * a slow canary cannot drag the reference along. It is rebuilt when the
 * primary's count has grown by 10%, so the per-bucket log factors can be
 * reused between rebuilds.
 *
 * Tail test: the counting test of rate-ratio.ts applied to requests slower
 * than the reference p99. E = ½(E_shape + E_tail).
 */
import { slowedDistribution, smoothedDistribution, tailStartIndex } from './histogram.js';
import { logAverage2, logMeanExp } from './log-space.js';
import { initRatioLogs, mixtureLog, updateRatioLogs, type RatioLogs } from './rate-ratio.js';

export interface LatencyState {
  /** The primary's cumulative bucket counts through the last tick. */
  readonly primarySeen: readonly number[];
  /** The smoothed reference distribution in use, and the primary count it was built from. */
  readonly reference: readonly number[];
  readonly referenceTotal: number;
  /** log LR(s) per latency factor of the mixture. */
  readonly shapeLogs: readonly number[];
  /** log LR at the detect factor: promotion needs it at or below ln β. */
  readonly detectLog: number;
  readonly tailLogs: RatioLogs;
}

export interface LatencyGrid {
  readonly bounds: readonly number[];
  readonly factors: readonly number[];
  readonly detect: number;
  readonly tailRatios: readonly number[];
}

const REFERENCE_GROWTH = 1.1;
const TAIL_LEVEL = 0.99;

export function initLatency(grid: LatencyGrid): LatencyState {
  const buckets = grid.bounds.length + 1;
  const empty = new Array<number>(buckets).fill(0);
  return {
    primarySeen: empty,
    reference: smoothedDistribution(empty),
    referenceTotal: 0,
    shapeLogs: grid.factors.map(() => 0),
    detectLog: 0,
    tailLogs: initRatioLogs(grid.tailRatios),
  };
}

interface FactorTable {
  /** ln(q_s(k)/m_s(k)) and ln(p(k)/m_s(k)) per bucket. */
  readonly canary: Float64Array;
  readonly primary: Float64Array;
}

interface ReferenceTables {
  readonly share: number;
  readonly factors: readonly FactorTable[];
  readonly detect: FactorTable;
  readonly tailStart: number;
}

// Derived from (reference, share, grid) alone, so recomputing after a restart gives the same numbers.
const tableCache = new WeakMap<readonly number[], ReferenceTables>();

function factorTable(reference: readonly number[], bounds: readonly number[], factor: number, share: number): FactorTable {
  const slowed = slowedDistribution(reference, bounds, factor);
  const canary = new Float64Array(reference.length);
  const primary = new Float64Array(reference.length);
  for (let k = 0; k < reference.length; k++) {
    const p = reference[k] as number;
    const q = Math.max(slowed[k] as number, Number.MIN_VALUE);
    const logM = Math.log(share * q + (1 - share) * p);
    canary[k] = Math.log(q) - logM;
    primary[k] = Math.log(p) - logM;
  }
  return { canary, primary };
}

function tablesFor(reference: readonly number[], grid: LatencyGrid, share: number): ReferenceTables {
  const cached = tableCache.get(reference);
  if (cached && cached.share === share && cached.factors.length === grid.factors.length) return cached;
  const tables: ReferenceTables = {
    share,
    factors: grid.factors.map((s) => factorTable(reference, grid.bounds, s, share)),
    detect: factorTable(reference, grid.bounds, grid.detect, share),
    tailStart: tailStartIndex(reference, TAIL_LEVEL),
  };
  tableCache.set(reference, tables);
  return tables;
}

function addLog(log: number, table: FactorTable, canary: readonly number[], primary: readonly number[]): number {
  let sum = log;
  for (let k = 0; k < canary.length; k++) {
    const c = canary[k] as number;
    const p = primary[k] as number;
    if (c > 0) sum += c * (table.canary[k] as number);
    if (p > 0) sum += p * (table.primary[k] as number);
  }
  return sum;
}

function sumFrom(counts: readonly number[], start: number): number {
  let sum = 0;
  for (let k = start; k < counts.length; k++) sum += counts[k] as number;
  return sum;
}

/** One tick: test with the reference as it stood before the tick, then learn from the primary's counts. */
export function updateLatency(state: LatencyState, grid: LatencyGrid, share: number, canary: readonly number[], primary: readonly number[]): LatencyState {
  let { shapeLogs, detectLog, tailLogs } = state;
  const observed = sumFrom(canary, 0) + sumFrom(primary, 0);
  if (observed > 0 && share > 0 && share < 1) {
    const tables = tablesFor(state.reference, grid, share);
    shapeLogs = shapeLogs.map((log, i) => addLog(log, tables.factors[i] as FactorTable, canary, primary));
    detectLog = addLog(detectLog, tables.detect, canary, primary);
    tailLogs = updateRatioLogs(tailLogs, grid.tailRatios, {
      canary: sumFrom(canary, tables.tailStart),
      primary: sumFrom(primary, tables.tailStart),
      share,
    });
  }
  const primarySeen = state.primarySeen.map((c, k) => c + (primary[k] as number));
  const seenTotal = sumFrom(primarySeen, 0);
  const rebuild = seenTotal > 0 && seenTotal >= REFERENCE_GROWTH * state.referenceTotal;
  return {
    primarySeen,
    reference: rebuild ? smoothedDistribution(primarySeen) : state.reference,
    referenceTotal: rebuild ? seenTotal : state.referenceTotal,
    shapeLogs,
    detectLog,
    tailLogs,
  };
}

/** ln E = ln ½(E_shape + E_tail). */
export function latencyLogE(state: LatencyState): number {
  return logAverage2(logMeanExp(state.shapeLogs), mixtureLog(state.tailLogs));
}

/** The bound (seconds) above which a request counts as slow for the tail test, for messages. */
export function tailBoundSeconds(state: LatencyState, bounds: readonly number[]): number {
  return bounds[tailStartIndex(state.reference, TAIL_LEVEL) - 1] as number;
}
