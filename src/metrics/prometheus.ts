/**
 * MetricProvider over Prometheus: per variant, the request, 5xx and latency
 * bucket counts of the analysis window, read from raw samples aligned in time
 * (aligned-counters.ts: series born mid-window count from 0, both arms are
 * read at the same instant), plus the spec's custom PromQL metrics evaluated
 * for the canary. Anything that keeps
 * it from measuring (Prometheus down, a timeout, an error, no series for
 * either variant, NaN) comes back as `unavailable` with the query, which
 * every judge reads as inconclusive.
 */
import type { MetricCheck, Router } from '../core/spec.js';
import { DEFAULT_BUCKETS_SECONDS, type CustomValue, type VariantCounts, type WindowMeasurement } from '../core/measurement.js';
import { AlignedCounters, type CountedSeries } from './aligned-counters.js';
import { PrometheusClient, type QueryResult } from './prometheus-client.js';
import { builtinQueries, fillTemplate, rangeOf, type QueryTemplates } from './prometheus-queries.js';
import type { MetricProvider } from './types.js';

/** The names Prometheus knows the two variants by (Service or revision). */
export interface VariantNames {
  readonly primary: string;
  readonly canary: string;
}

export interface PrometheusProviderOptions {
  readonly address: string;
  readonly router: Router;
  readonly namespace: string;
  /** metadata.name of the ModelCanary ({{name}}). */
  readonly name: string;
  readonly checks: readonly MetricCheck[];
  /** Read at every measurement: names can change (a new Knative revision). */
  readonly variants: () => VariantNames;
  readonly windowStartMs: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly queries?: QueryTemplates;
}


interface Histogram { readonly bounds: number[]; readonly cumulative: number[]; readonly total: number }

export class PrometheusMetrics implements MetricProvider {
  private windowStart: number;
  private readonly client: PrometheusClient;
  private readonly queries: QueryTemplates;
  private readonly counters: AlignedCounters;

  constructor(private readonly options: PrometheusProviderOptions) {
    this.windowStart = options.windowStartMs;
    this.client = new PrometheusClient({ address: options.address, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) });
    this.queries = options.queries ?? builtinQueries(options.router);
    this.counters = new AlignedCounters(this.client, options.windowStartMs);
  }

  startWindow(atMs: number): void {
    this.windowStart = atMs;
    this.counters.startWindow(atMs);
  }

  async measure(nowMs: number): Promise<WindowMeasurement> {
    const { namespace, name } = this.options;
    const names = this.options.variants();
    const interval = rangeOf(this.windowStart, nowMs);
    const fill = (template: string, variant: string) => fillTemplate(template, { variant, namespace, interval, name });
    const customChecks = this.options.checks.filter((c): c is Extract<MetricCheck, { kind: 'custom' }> => c.kind === 'custom');
    const reads = [names.primary, names.canary].flatMap((variant) => [
      { what: `${variant} requests`, selector: fill(this.queries.requests, variant) },
      { what: `${variant} errors`, selector: fill(this.queries.errors, variant) },
      { what: `${variant} latency`, selector: fill(this.queries.buckets, variant) },
    ]);
    const [reading, ...customResults] = await Promise.all([
      this.counters.read(reads, nowMs),
      ...customChecks.map((c) => this.client.query(fill(c.query, names.canary), nowMs)),
    ]);
    const custom: Record<string, CustomValue> = {};
    customChecks.forEach((check, i) => { custom[check.name] = customValue(customResults[i] as QueryResult); });

    const base = { fromMs: this.windowStart, toMs: nowMs, mirrored: [], custom };
    if ('error' in reading) return { ...base, bucketBounds: [], primary: EMPTY, canary: EMPTY, unavailable: reading.error };
    const [pReq, pErr, pBuckets, cReq, cErr, cBuckets] = reading.counts as CountedSeries[][];
    if (!reading.seen[0] && !reading.seen[3]) {
      const unavailable = `no series in Prometheus for ${names.primary} or ${names.canary} requests (queries: ${reads[0]!.selector} ; ${reads[3]!.selector})`;
      return { ...base, bucketBounds: [], primary: EMPTY, canary: EMPTY, unavailable };
    }
    // The judges read one set of bounds (core's defaults); a histogram with other buckets is read at the largest bound below each.
    const bounds = DEFAULT_BUCKETS_SECONDS;
    const unit = this.queries.bucketUnitSeconds;
    return {
      ...base,
      toMs: reading.untilMs,
      bucketBounds: bounds,
      primary: countsOf(sum(pReq!), sum(pErr!), histogramOf(pBuckets!, unit), bounds),
      canary: countsOf(sum(cReq!), sum(cErr!), histogramOf(cBuckets!, unit), bounds),
      // Settled once the aligned end is two scrapes (and a config push to the proxies) past the window start: a series born since has been seen.
      settled: reading.intervalKnown && reading.untilMs - this.windowStart >= 2 * reading.intervalMs + SETTLE_EXTRA_MS,
      queries: reading.queries,
    };
  }
}

/** Time for a new weight to reach every proxy, on top of the scrape lag. */
const SETTLE_EXTRA_MS = 2_000;

const EMPTY: VariantCounts = { requests: 0, errors: 0, latencyBuckets: [0] };

function sum(series: readonly CountedSeries[]): number {
  return series.reduce((total, s) => total + s.count, 0);
}

function customValue(result: QueryResult): CustomValue {
  if (!result.ok) return { value: null, message: result.error };
  const first = result.samples[0];
  if (!first) return { value: null, message: 'no samples' };
  if (!Number.isFinite(first.value)) return { value: null, message: `query returned ${first.value}` };
  return { value: first.value };
}

/** The cumulative histogram of a variant: its bucket series' counts summed by `le`. */
function histogramOf(series: readonly CountedSeries[], unitSeconds: number): Histogram {
  const byLe = new Map<number, number>();
  for (const s of series) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    if (!Number.isNaN(le)) byLe.set(le, (byLe.get(le) ?? 0) + s.count);
  }
  const points = [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  return {
    bounds: points.filter((p) => Number.isFinite(p.le)).map((p) => p.le * unitSeconds),
    cumulative: points.filter((p) => Number.isFinite(p.le)).map((p) => p.count),
    total: points.find((p) => p.le === Infinity)?.count ?? points.at(-1)?.count ?? 0,
  };
}

/** Non-cumulative counts on `bounds` (+Inf last), reading the variant's own buckets at each bound. */
function countsOf(requests: number, errors: number, hist: Histogram, bounds: readonly number[]): VariantCounts {
  const cumulativeAt = (bound: number): number => {
    let value = 0;
    hist.bounds.forEach((b, i) => { if (b <= bound * (1 + 1e-9)) value = Math.max(value, hist.cumulative[i]!); });
    return value;
  };
  const cumulative = [...bounds.map(cumulativeAt), Math.max(hist.total, ...hist.cumulative)];
  return {
    requests,
    errors,
    latencyBuckets: cumulative.map((c, i) => Math.max(0, c - (i === 0 ? 0 : cumulative[i - 1]!))),
  };
}
