/**
 * The threshold judge: each metric of a finished window against its bound.
 * Too little data is inconclusive, never a pass.
 */
import { formatDuration } from './duration.js';
import { histogramQuantile } from './analysis/index.js';
import type { WindowMeasurement } from './measurement.js';
import type { MetricCheck } from './spec.js';
import type { MetricResult, MetricUnit, Verdict } from './status.js';

export interface ThresholdOptions {
  readonly checks: readonly MetricCheck[];
  /** Canary requests (or mirrored pairs) a window needs to be conclusive. */
  readonly minRequests: number;
}

export function judgeWindow(window: WindowMeasurement, options: ThresholdOptions): MetricResult[] {
  return options.checks.map((check) => ({ ...judgeCheck(check, window, options.minRequests), unit: unitOf(check) }));
}

/** The unit a metric's value is measured in. */
export function unitOf(check: MetricCheck): MetricUnit {
  switch (check.kind) {
    case 'error-rate':
    case 'prediction-agreement': return '%';
    case 'latency': return 'ms';
    default: return '';
  }
}

/** fail beats inconclusive beats pass: one failing metric fails the window. */
export function overallVerdict(results: readonly MetricResult[]): Verdict {
  if (results.some((r) => r.verdict === 'fail')) return 'fail';
  if (results.some((r) => r.verdict === 'error' || r.verdict === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

function result(name: string, value: number | null, threshold: string, verdict: Verdict, message: string): MetricResult {
  return { name, value, threshold, verdict, message };
}

function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function judgeCheck(check: MetricCheck, window: WindowMeasurement, minRequests: number): MetricResult {
  if (window.unavailable && check.kind !== 'custom') {
    return result(check.name, null, thresholdOf(check), 'inconclusive', window.unavailable);
  }
  const canary = window.canary;
  const tooFew = `${canary.requests} canary requests in the window, ${minRequests} needed`;
  switch (check.kind) {
    case 'error-rate': {
      const threshold = thresholdOf(check);
      if (canary.requests === 0 || canary.requests < minRequests) return result(check.name, null, threshold, 'inconclusive', tooFew);
      const percent = round((100 * canary.errors) / canary.requests);
      const ok = percent <= check.maxPercent;
      return result(check.name, percent, threshold, ok ? 'pass' : 'fail', `${canary.errors} of ${canary.requests} canary requests failed (${percent}%)`);
    }
    case 'latency': {
      const threshold = thresholdOf(check);
      if (canary.requests === 0 || canary.requests < minRequests) return result(check.name, null, threshold, 'inconclusive', tooFew);
      const seconds = histogramQuantile(canary.latencyBuckets, window.bucketBounds, check.quantile);
      if (Number.isNaN(seconds)) return result(check.name, null, threshold, 'inconclusive', 'no latency samples');
      const ms = round(seconds * 1000, 1);
      return result(check.name, ms, threshold, ms <= check.maxMs ? 'pass' : 'fail', `canary p${round(check.quantile * 100, 1)} ≈ ${formatDuration(ms)}`);
    }
    case 'prediction-agreement': {
      const threshold = thresholdOf(check);
      const pairs = window.mirrored;
      if (pairs.length === 0 || pairs.length < Math.min(minRequests, 10)) {
        return result(check.name, null, threshold, 'inconclusive', `${pairs.length} mirrored pairs in the window`);
      }
      const agreeing = pairs.filter((d) => d <= check.tolerance).length;
      const percent = round((100 * agreeing) / pairs.length);
      return result(check.name, percent, threshold, percent >= check.minPercent ? 'pass' : 'fail',
        `${agreeing} of ${pairs.length} mirrored answers within ${check.tolerance} of the primary's`);
    }
    case 'prediction-shift': {
      const threshold = thresholdOf(check);
      const finite = window.mirrored.filter(Number.isFinite);
      const broken = window.mirrored.length - finite.length;
      if (window.mirrored.length === 0) return result(check.name, null, threshold, 'inconclusive', 'no mirrored pairs in the window');
      if (finite.length === 0) return result(check.name, null, threshold, 'fail', `none of ${broken} mirrored answers could be compared`);
      const mean = round(finite.reduce((a, b) => a + b, 0) / finite.length, 6);
      return result(check.name, mean, threshold, mean <= check.max ? 'pass' : 'fail',
        `mean |canary − primary| over ${finite.length} mirrored pairs${broken ? ` (${broken} not comparable)` : ''}`);
    }
    case 'custom': {
      const threshold = thresholdOf(check);
      const measured = window.custom[check.name];
      if (!measured || measured.value === null || Number.isNaN(measured.value)) {
        return result(check.name, null, threshold, 'inconclusive', measured?.message ?? 'no value');
      }
      const v = measured.value;
      const ok = (check.max === undefined || v <= check.max) && (check.min === undefined || v >= check.min);
      return result(check.name, round(v, 6), threshold, ok ? 'pass' : 'fail', measured.message ?? 'query result');
    }
  }
}

export function thresholdOf(check: MetricCheck): string {
  switch (check.kind) {
    case 'error-rate': return `≤ ${check.maxPercent}%`;
    case 'latency': return `≤ ${formatDuration(check.maxMs)}`;
    case 'prediction-agreement': return `≥ ${check.minPercent}%`;
    case 'prediction-shift': return `≤ ${check.max}`;
    case 'custom': return [check.min === undefined ? '' : `≥ ${check.min}`, check.max === undefined ? '' : `≤ ${check.max}`].filter(Boolean).join(' and ');
  }
}
