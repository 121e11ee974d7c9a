/**
 * For tests: the pods of two variants as Istio's destination sidecars report
 * them to Prometheus. Each pod's series are born at its first request (and
 * its 5xx series at its first 5xx), latencies fall in Envoy's default
 * histogram buckets — what `istio_request_duration_milliseconds` uses
 * (Envoy source/common/stats/histogram_impl.cc, HistogramSettingsImpl::defaultBuckets) —
 * and each pod is scraped on its own schedule: either whenever Prometheus
 * scrapes the target (real time), or at `intervalMs` with its own phase, the
 * sample carrying the virtual scrape time (so a 15 s scrape interval plays
 * in a fraction of the time).
 */
import type { MetricsTarget } from '../prometheus-test-server.js';

/** Envoy's default histogram bounds, in milliseconds. */
export const ENVOY_DEFAULT_BUCKETS_MS: readonly number[] = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

interface Pod {
  readonly labels: Record<string, string>;
  requests: Map<string, number>;
  buckets: number[];
  count: number;
  /** Virtual scrape phase, ms. */
  readonly phaseMs: number;
  nextScrapeMs: number | undefined;
}

export interface IstioPodsOptions {
  readonly target: MetricsTarget;
  readonly namespace: string;
  /** Service name per variant, and how many pods each has. */
  readonly services: Readonly<Record<string, number>>;
  /** Virtual scrape schedule; absent: the target shows live counters (Prometheus' own schedule). */
  readonly intervalMs?: number;
}

export class IstioPods {
  private readonly pods = new Map<string, Pod[]>();

  constructor(private readonly options: IstioPodsOptions) {
    let index = 0;
    for (const [service, count] of Object.entries(options.services)) {
      const pods: Pod[] = [];
      for (let i = 0; i < count; i++) {
        const phaseMs = options.intervalMs ? ((index * 0.37) % 1) * options.intervalMs : 0;
        index += 1;
        pods.push({
          labels: { reporter: 'destination', destination_service_namespace: options.namespace, destination_service_name: service, pod: `${service}-${i}` },
          requests: new Map(), buckets: ENVOY_DEFAULT_BUCKETS_MS.map(() => 0), count: 0, phaseMs, nextScrapeMs: undefined,
        });
      }
      this.pods.set(service, pods);
    }
  }

  /** One request served by `service` (round robin over its pods by `n`), with its latency and status code. */
  serve(service: string, n: number, latencyMs: number, code = 200): void {
    const pods = this.pods.get(service);
    if (!pods) throw new Error(`no such service ${service}`);
    const pod = pods[n % pods.length]!;
    pod.requests.set(String(code), (pod.requests.get(String(code)) ?? 0) + 1);
    ENVOY_DEFAULT_BUCKETS_MS.forEach((le, i) => { if (latencyMs <= le) pod.buckets[i]! += 1; });
    pod.count += 1;
    if (!this.options.intervalMs) this.expose(pod);
  }

  /** Virtual schedule: exposes the samples of every pod scraped in (fromMs, toMs]. */
  scrapeUntil(toMs: number): void {
    const interval = this.options.intervalMs;
    if (!interval) return;
    for (const pods of this.pods.values()) {
      for (const pod of pods) {
        pod.nextScrapeMs ??= Math.ceil((toMs - pod.phaseMs) / interval) * interval + pod.phaseMs;
        let last: number | undefined;
        while (pod.nextScrapeMs <= toMs) { last = pod.nextScrapeMs; pod.nextScrapeMs += interval; }
        if (last !== undefined && pod.count > 0) this.expose(pod, last);
      }
    }
  }

  private expose(pod: Pod, atMs?: number): void {
    const { target } = this.options;
    for (const [code, value] of pod.requests) target.set('istio_requests_total', { ...pod.labels, response_code: code }, value, 'counter', atMs);
    ENVOY_DEFAULT_BUCKETS_MS.forEach((le, i) => target.set('istio_request_duration_milliseconds_bucket', { ...pod.labels, le: String(le) }, pod.buckets[i]!, 'histogram', atMs));
    target.set('istio_request_duration_milliseconds_bucket', { ...pod.labels, le: '+Inf' }, pod.count, 'histogram', atMs);
    target.set('istio_request_duration_milliseconds_count', pod.labels, pod.count, 'histogram', atMs);
  }
}
