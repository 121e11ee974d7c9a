/**
 * Window counts from raw counter samples, aligned in time.
 *
 * `increase()` cannot count a series' first sample (a pod's series is born at
 * its first request, so a new canary pod looks idle for a scrape interval or
 * two), and each pod is scraped at its own phase, so at any instant one arm's
 * counts may be a whole scrape interval fresher than the other's. Both skew
 * the canary's share right after a weight change. Here every series is read
 * at the same two instants by linear interpolation between its samples: the
 * window start, and the latest instant every live series has been scraped
 * past (`alignedUntil`). A series first seen after the start counts from 0;
 * a counter that went down was reset and counts from 0 again.
 */
import type { RawSeries } from './prometheus-client.js';

type Point = readonly [number, number];

/** The labels of a series as one string (its identity). */
export function seriesKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels).filter((k) => k !== '__name__').sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',');
}

/** The typical time between two scrapes of these series (median spacing), or undefined with fewer than two samples. */
export function scrapeIntervalOf(series: readonly RawSeries[]): number | undefined {
  const gaps: number[] = [];
  for (const { points } of series) for (let i = 1; i < points.length; i++) gaps.push(points[i]![0] - points[i - 1]![0]);
  if (gaps.length === 0) return undefined;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}

/** A counter's samples with resets undone (a drop means the process restarted from 0). */
function continuous(points: readonly Point[]): Point[] {
  let offset = 0;
  return points.map(([t, v], i) => {
    const previous = i > 0 ? points[i - 1]![1] : 0;
    if (v < previous) offset += previous;
    return [t, v + offset] as const;
  });
}

export interface ReadOptions {
  /** Where the read range began: a series whose first sample is well after it was born inside the range. */
  readonly rangeStartMs: number;
  readonly intervalMs: number;
}

/**
 * The counter's value at `atMs`. Between samples: linear. After the last: the
 * last. Before the first: 0 for a series born in the range (ramping up over
 * the scrape interval before its first sample), else the first sample.
 */
export function valueAt(raw: readonly Point[], atMs: number, options: ReadOptions): number {
  const points = continuous(raw);
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) return 0;
  if (atMs >= last[0]) return last[1];
  if (atMs < first[0]) {
    const born = first[0] - options.rangeStartMs > 1.5 * options.intervalMs;
    if (!born) return first[1];
    return Math.max(0, first[1] * (1 - (first[0] - atMs) / options.intervalMs));
  }
  for (let i = 1; i < points.length; i++) {
    const [t1, v1] = points[i]!;
    if (atMs <= t1) {
      const [t0, v0] = points[i - 1]!;
      return v0 + ((v1 - v0) * (atMs - t0)) / (t1 - t0);
    }
  }
  return last[1];
}

/** The latest instant every series scraped within `liveMs` of `nowMs` has a sample at or after. */
export function alignedUntil(series: readonly RawSeries[], nowMs: number, liveMs: number): number {
  let until = nowMs;
  for (const { points } of series) {
    const last = points.at(-1)?.[0];
    if (last !== undefined && last >= nowMs - liveMs && last < until) until = last;
  }
  return until;
}

/**
 * Counts since `fromValues` (per series key, values at the window start;
 * absent: born since) to `toValues`. A counter far below its start value was
 * reset (its process restarted) and counts from 0; a little below is two
 * interpolations of the same instant disagreeing, and counts nothing.
 */
export function countsBetween(fromValues: ReadonlyMap<string, number>, toValues: ReadonlyMap<string, number>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [key, to] of toValues) {
    const from = fromValues.get(key) ?? 0;
    counts.set(key, to >= from ? to - from : to < from / 2 ? to : 0);
  }
  return counts;
}
