/**
 * One analysis window's counters, read from Prometheus as raw samples and
 * aligned in time (counter-alignment.ts): per counter family and variant, the
 * count of each series between the window start and the aligned end. Holds
 * what later readings of the same window reuse: the values at the start
 * (final once the start is well behind), the last value of series that went
 * away, and the last count of each series (counts never go backwards).
 */
import type { PrometheusClient, RawSeries } from './prometheus-client.js';
import { alignedUntil, countsBetween, scrapeIntervalOf, seriesKey, valueAt } from './counter-alignment.js';

/** Before any two samples were seen: Prometheus' (and Istio's) default scrape interval. */
const DEFAULT_INTERVAL_MS = 15_000;
const MAX_RANGE_S = 240;

export interface CounterRead {
  /** Names the read in messages, e.g. "sklearn-canary-predictor requests". */
  readonly what: string;
  /** Series selector, filled. */
  readonly selector: string;
}

export interface CountedSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly count: number;
}

export interface AlignedReading {
  /** Per read, in the order asked: each series' count in the window. */
  readonly counts: readonly (readonly CountedSeries[])[];
  /** Per read: whether Prometheus has ever shown a series for it in this window. */
  readonly seen: readonly boolean[];
  /** The instant the counts are aligned at. */
  readonly untilMs: number;
  readonly intervalMs: number;
  /** Whether the scrape interval was measured (not assumed). */
  readonly intervalKnown: boolean;
  /** The PromQL sent. */
  readonly queries: readonly string[];
}

interface ReadState {
  start?: Map<string, number>;
  readonly lastValue: Map<string, { labels: Readonly<Record<string, string>>; value: number }>;
  readonly lastCount: Map<string, number>;
}

const rangeS = (ms: number) => Math.min(MAX_RANGE_S, Math.max(5, Math.ceil(ms / 1000)));

export class AlignedCounters {
  private intervalMs: number | undefined;
  private windowStartMs: number;
  private states = new Map<string, ReadState>();
  private lastUntilMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly client: PrometheusClient, windowStartMs: number) {
    this.windowStartMs = windowStartMs;
  }

  startWindow(atMs: number): void {
    this.windowStartMs = atMs;
    this.states = new Map();
    this.lastUntilMs = Number.NEGATIVE_INFINITY;
  }

  /** Reads every counter at once; a failed query is returned as its message, with the PromQL. */
  async read(reads: readonly CounterRead[], nowMs: number): Promise<AlignedReading | { error: string }> {
    const interval = this.intervalMs ?? DEFAULT_INTERVAL_MS;
    const endRange = rangeS(4 * interval);
    const startRange = rangeS(8 * interval);
    const startEvalMs = Math.min(nowMs, this.windowStartMs + (startRange * 1000) / 2);
    const startFinal = startEvalMs >= this.windowStartMs + (startRange * 1000) / 2;
    const queries: string[] = [];
    const answers = await Promise.all(reads.map(async (read) => {
      const state = this.stateOf(read.selector);
      const endQuery = `${read.selector}[${endRange}s]`;
      const startQuery = `${read.selector}[${startRange}s]`;
      queries.push(endQuery);
      const [end, start] = await Promise.all([
        this.client.series(endQuery, nowMs),
        state.start ? undefined : this.client.series(startQuery, startEvalMs),
      ]);
      return { read, state, end, start, endQuery, startQuery };
    }));
    const all: RawSeries[] = [];
    for (const { read, end, start, endQuery, startQuery } of answers) {
      if (!end.ok) return { error: `${read.what}: ${end.error} (query: ${endQuery})` };
      if (start && !start.ok) return { error: `${read.what}: ${start.error} (query: ${startQuery})` };
      all.push(...end.series, ...(start?.ok ? start.series : []));
      if ([...end.series, ...(start?.ok ? start.series : [])].some((s) => s.points.some(([, v]) => !Number.isFinite(v)))) {
        return { error: `${read.what}: Prometheus returned a sample that is not a number (query: ${endQuery})` };
      }
    }
    const measured = scrapeIntervalOf(all);
    if (measured !== undefined && measured > 0) this.intervalMs = measured;
    const intervalMs = this.intervalMs ?? DEFAULT_INTERVAL_MS;
    const endSeries = answers.flatMap((a) => (a.end.ok ? a.end.series : []));
    // Never before the window start (nothing to count yet), never backwards, never past now.
    const untilMs = Math.min(nowMs, Math.max(this.windowStartMs, this.lastUntilMs, alignedUntil(endSeries, nowMs, 3 * intervalMs)));
    this.lastUntilMs = untilMs;

    const counts = answers.map(({ state, end, start }) => {
      if (!state.start) {
        const startValues = new Map<string, number>();
        const options = { rangeStartMs: startEvalMs - startRange * 1000, intervalMs };
        for (const s of start?.ok ? start.series : []) {
          startValues.set(seriesKey(s.labels), valueAt(s.points, this.windowStartMs, options));
          this.remember(state, s, s.points.at(-1)?.[1]);
        }
        if (startFinal) state.start = startValues;
        return this.countsOf(state, startValues, end.ok ? end.series : [], nowMs - endRange * 1000, untilMs, intervalMs);
      }
      return this.countsOf(state, state.start, end.ok ? end.series : [], nowMs - endRange * 1000, untilMs, intervalMs);
    });
    return {
      counts,
      seen: answers.map(({ state }) => state.lastValue.size > 0),
      untilMs,
      intervalMs,
      intervalKnown: this.intervalMs !== undefined,
      queries,
    };
  }

  private stateOf(selector: string): ReadState {
    let state = this.states.get(selector);
    if (!state) {
      state = { lastValue: new Map(), lastCount: new Map() };
      this.states.set(selector, state);
    }
    return state;
  }

  private remember(state: ReadState, series: RawSeries, value: number | undefined): void {
    const key = seriesKey(series.labels);
    if (value !== undefined && !state.lastValue.has(key)) state.lastValue.set(key, { labels: series.labels, value });
  }

  private countsOf(state: ReadState, start: ReadonlyMap<string, number>, end: readonly RawSeries[], rangeStartMs: number, untilMs: number, intervalMs: number): CountedSeries[] {
    const endValues = new Map<string, number>();
    for (const s of end) {
      const key = seriesKey(s.labels);
      const value = valueAt(s.points, untilMs, { rangeStartMs, intervalMs });
      endValues.set(key, value);
      state.lastValue.set(key, { labels: s.labels, value });
    }
    // A series that went away (its pod is gone) keeps its last value.
    for (const [key, { value }] of state.lastValue) if (!endValues.has(key)) endValues.set(key, value);
    const result: CountedSeries[] = [];
    for (const [key, count] of countsBetween(start, endValues)) {
      const monotone = Math.max(count, state.lastCount.get(key) ?? 0);
      state.lastCount.set(key, monotone);
      result.push({ labels: state.lastValue.get(key)!.labels, count: monotone });
    }
    return result;
  }
}
