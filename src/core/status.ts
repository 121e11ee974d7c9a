/**
 * What kcanary records about a rollout: the status of a ModelCanary in a
 * cluster, the state file locally. Plain JSON, times as ISO strings.
 */
import type { Phase } from './phase.js';

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'error';

export type MetricUnit = '%' | 'ms' | '';

/** One metric's measurement: data, never an exception. */
export interface MetricResult {
  readonly name: string;
  /** The measured value in the metric's unit (percent, milliseconds, …); null when there was nothing to measure. */
  readonly value: number | null;
  /** The unit of `value`: "%", "ms", or "" for a plain number. */
  readonly unit?: MetricUnit;
  /** The bound in the metric's own unit, e.g. "≤ 1%" or "≤ 500ms". */
  readonly threshold: string;
  readonly verdict: Verdict;
  readonly message: string;
  /** Sequential judge only: the e-value and the always-valid p-value. */
  readonly eValue?: number;
  readonly pValue?: number;
}

export interface AnalysisRecord {
  readonly at: string;
  readonly verdict: Verdict;
  readonly results: readonly MetricResult[];
}

export interface TransitionRecord {
  readonly at: string;
  readonly from: Phase | null;
  readonly to: Phase;
  readonly weight: number;
  readonly reason: string;
}

export interface RolloutStatus {
  readonly phase: Phase;
  /** Index into the steps of the step in force, or (when a gate holds it) about to be; -1 before the first. */
  readonly stepIndex: number;
  /** The canary weight kcanary wants in force, whole percent. */
  readonly canaryWeight: number;
  /** The weight the router last reported in force (never the desired one). */
  readonly observedWeight: number | null;
  /** A manual gate (pauseBefore) holds the rollout before steps[stepIndex]. */
  readonly gated: boolean;
  readonly stepStartedAt: string | null;
  /** Start of the current analysis window. */
  readonly windowStartedAt: string | null;
  /** Since when a variant has not been Ready mid-rollout (for the progress deadline). */
  readonly waitingSince: string | null;
  readonly failures: number;
  readonly inconclusives: number;
  readonly message: string;
  readonly lastAnalysis: AnalysisRecord | null;
  /** State of the sequential judge, carried across ticks and steps. */
  readonly judge: unknown;
  readonly history: readonly TransitionRecord[];
  /** Hash of the spec this status was computed for. */
  readonly specHash: string;
  /** The model version serving as primary, and the one under test. */
  readonly stableStorageUri: string;
  readonly canaryStorageUri: string;
  readonly startedAt: string;
  readonly updatedAt: string;
}

/** How many transitions the status keeps. */
export const HISTORY_LIMIT = 50;
