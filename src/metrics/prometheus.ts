/**
 * MetricProvider over Prometheus: per variant, the request, 5xx and latency
 * bucket counts of the analysis window (increase() over counters), plus the
 * spec's custom PromQL metrics evaluated for the canary. Anything that keeps
 * it from measuring (Prometheus down, a timeout, an error, no samples, NaN)
 * comes back as `unavailable`, which every judge reads as inconclusive.
 */
import type { MetricCheck, Router } from '../core/spec.js';
import { DEFAULT_BUCKETS_SECONDS, type CustomValue, type VariantCounts, type WindowMeasurement } from '../core/measurement.js';
import { PrometheusClient, type QueryResult, type Sample } from './prometheus-client.js';
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
  /** The last complete measurement of this window: counts never go backwards within it. */
  private last: WindowMeasurement | undefined;

  constructor(private readonly options: PrometheusProviderOptions) {
    this.windowStart = options.windowStartMs;
    this.client = new PrometheusClient({ address: options.address, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) });
    this.queries = options.queries ?? builtinQueries(options.router);
  }

  startWindow(atMs: number): void {
    this.windowStart = atMs;
    this.last = undefined;
  }

  async measure(nowMs: number): Promise<WindowMeasurement> {
    const { namespace, name } = this.options;
    const names = this.options.variants();
    const interval = rangeOf(this.windowStart, nowMs);
    const fill = (template: string, variant: string) => fillTemplate(template, { variant, namespace, interval, name });
    const run = (template: string, variant: string) => this.client.query(fill(template, variant), nowMs);
    const customChecks = this.options.checks.filter((c): c is Extract<MetricCheck, { kind: 'custom' }> => c.kind === 'custom');
    const [pReq, pErr, pBuckets, cReq, cErr, cBuckets, ...customResults] = await Promise.all([
      run(this.queries.requests, names.primary), run(this.queries.errors, names.primary), run(this.queries.buckets, names.primary),
      run(this.queries.requests, names.canary), run(this.queries.errors, names.canary), run(this.queries.buckets, names.canary),
      ...customChecks.map((c) => run(c.query, names.canary)),
    ]);
    const custom: Record<string, CustomValue> = {};
    customChecks.forEach((check, i) => { custom[check.name] = customValue(customResults[i]!); });

    const base = { fromMs: this.windowStart, toMs: nowMs, mirrored: [], custom };
    const problem = firstProblem([
      [`${names.primary} requests`, pReq!], [`${names.canary} requests`, cReq!],
      [`${names.primary} errors`, pErr!], [`${names.canary} errors`, cErr!],
      [`${names.primary} latency`, pBuckets!], [`${names.canary} latency`, cBuckets!],
    ]);
    if (problem) return { ...base, bucketBounds: [], primary: EMPTY, canary: EMPTY, unavailable: problem };

    const primaryHist = histogramOf(samplesOf(pBuckets!), this.queries.bucketUnitSeconds);
    const canaryHist = histogramOf(samplesOf(cBuckets!), this.queries.bucketUnitSeconds);
    // The judges read one set of bounds (core's defaults); a histogram with other buckets is read at the largest bound below each.
    const bounds = DEFAULT_BUCKETS_SECONDS;
    const measured: WindowMeasurement = {
      ...base,
      bucketBounds: bounds,
      primary: countsOf(samplesOf(pReq!), samplesOf(pErr!), primaryHist, bounds),
      canary: countsOf(samplesOf(cReq!), samplesOf(cErr!), canaryHist, bounds),
    };
    const monotone = this.last && sameBounds(this.last.bucketBounds, bounds) ? { ...measured, primary: atLeast(measured.primary, this.last.primary), canary: atLeast(measured.canary, this.last.canary) } : measured;
    this.last = monotone;
    return monotone;
  }
}

const EMPTY: VariantCounts = { requests: 0, errors: 0, latencyBuckets: [0] };

function samplesOf(result: QueryResult): readonly Sample[] {
  return result.ok ? result.samples : [];
}

/** Why the window cannot be measured, or undefined. An error count with no series is 0 errors: `sum()` of nothing. */
function firstProblem(results: readonly [string, QueryResult][]): string | undefined {
  for (const [what, result] of results) {
    if (!result.ok) return result.error;
    const isErrors = what.endsWith(' errors');
    if (result.samples.length === 0 && !isErrors) return `no samples for ${what} in Prometheus`;
    if (result.samples.some((s) => Number.isNaN(s.value))) return `Prometheus returned NaN for ${what}`;
  }
  return undefined;
}

function customValue(result: QueryResult): CustomValue {
  if (!result.ok) return { value: null, message: result.error };
  const first = result.samples[0];
  if (!first) return { value: null, message: 'no samples' };
  if (!Number.isFinite(first.value)) return { value: null, message: `query returned ${first.value}` };
  return { value: first.value };
}

function histogramOf(samples: readonly Sample[], unitSeconds: number): Histogram {
  const points = samples
    .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value }))
    .filter((p) => !Number.isNaN(p.le))
    .sort((a, b) => a.le - b.le);
  return {
    bounds: points.filter((p) => Number.isFinite(p.le)).map((p) => p.le * unitSeconds),
    cumulative: points.filter((p) => Number.isFinite(p.le)).map((p) => p.count),
    total: points.find((p) => p.le === Infinity)?.count ?? points.at(-1)?.count ?? 0,
  };
}

/** Non-cumulative counts on `bounds` (+Inf last), reading the variant's own buckets at each bound. */
function countsOf(requests: readonly Sample[], errors: readonly Sample[], hist: Histogram, bounds: readonly number[]): VariantCounts {
  const total = hist.total;
  const cumulativeAt = (bound: number): number => {
    let value = 0;
    hist.bounds.forEach((b, i) => { if (b <= bound * (1 + 1e-9)) value = hist.cumulative[i]!; });
    return value;
  };
  const cumulative = [...bounds.map(cumulativeAt), total];
  return {
    requests: requests[0]?.value ?? 0,
    errors: errors[0]?.value ?? 0,
    latencyBuckets: cumulative.map((c, i) => Math.max(0, c - (i === 0 ? 0 : cumulative[i - 1]!))),
  };
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** increase() extrapolates: a later reading of the same window may come out a hair lower. */
function atLeast(now: VariantCounts, before: VariantCounts): VariantCounts {
  if (now.requests >= before.requests) return now;
  return before;
}
