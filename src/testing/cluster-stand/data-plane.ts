/**
 * A simulated data plane for one ModelCanary: clients send `rate` requests a
 * second to the public host; each goes where the routing in force sends it
 * (routing.ts), is answered by that destination's Ready pods with the error
 * ratio of the version they serve (backends.ts), and is counted the way the
 * real telemetry counts it, into series that exist from their first request:
 * - Istio's `istio_requests_total` / `istio_request_duration_milliseconds`
 *   (reporter="destination", by destination Service) for the raw modes;
 * - Knative queue-proxy's `revision_app_request_count` /
 *   `revision_app_request_latencies` (by revision) for knative.
 * A request routed to a destination with no Ready pods is answered 503 by
 * the gateway and counted in `notReady`: a rollout must keep that at zero.
 */
import type { Router } from '../../core/spec.js';
import type { KubeClient } from '../../kube/client.js';
import type { MetricsTarget } from '../../metrics/prometheus-test-server.js';
import type { Backends } from './backends.js';
import type { GatewayStandIn } from './gateway-stand-in.js';
import { routingInForce, type RouteTarget } from './routing.js';

/** Istio's default buckets for request durations (ms). */
const ISTIO_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
/** Knative serving's request latency buckets (ms). */
const KNATIVE_BUCKETS_MS = [5, 10, 20, 40, 60, 80, 100, 150, 200, 250, 300, 350, 400, 450, 500, 600, 700, 800, 900, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

export interface DataPlaneOptions {
  readonly client: KubeClient;
  readonly target: MetricsTarget;
  readonly gateway: GatewayStandIn;
  readonly backends: Backends;
  readonly router: Router;
  /** metadata.name of the ModelCanary. */
  readonly name: string;
  readonly rate: number;
  /** Share of requests a version answers with 5xx. */
  readonly errorRatioOf: (storageUri: string | undefined) => number;
  readonly periodMs?: number;
  readonly random?: () => number;
}

export interface DestinationCounts { requests: number; errors: number; buckets: number[]; storageUri: string | undefined }

export interface DataPlane {
  /** Requests sent to a destination with no Ready pods (answered 503 by the gateway). */
  readonly notReady: number;
  /** Requests sent while no route existed (404 from the gateway; before the rollout made one). */
  readonly unrouted: number;
  readonly byDestination: ReadonlyMap<string, DestinationCounts>;
  /** When a request first reached a destination serving `storageUri`, and when one last did. */
  servedBetween(storageUri: string): { first: number; last: number } | undefined;
  stop(): Promise<void>;
}

function latencyMs(random: () => number): number {
  return 15 + random() * 45;
}

export function startDataPlane(options: DataPlaneOptions): DataPlane {
  const { target, router, client } = options;
  const random = options.random ?? Math.random;
  const periodMs = options.periodMs ?? 100;
  const knative = router === 'knative';
  const bounds = knative ? KNATIVE_BUCKETS_MS : ISTIO_BUCKETS_MS;
  const byDestination = new Map<string, DestinationCounts>();
  const served = new Map<string, { first: number; last: number }>();
  let notReady = 0;
  let unrouted = 0;
  let owed = 0;
  let last = Date.now();
  let stopped = false;

  const expose = (destination: string, counts: DestinationCounts, ok: number, failed: number) => {
    const labels: Record<string, string> = knative
      ? { namespace_name: client.namespace, revision_name: destination, configuration_name: `${options.name}-predictor`, service_name: `${options.name}-predictor` }
      : { reporter: 'destination', destination_service_namespace: client.namespace, destination_service_name: destination };
    const family = knative ? 'revision_app_request_count' : 'istio_requests_total';
    const codeLabels = (code: string): Record<string, string> => (knative ? { response_code: code, response_code_class: `${code[0]}xx` } : { response_code: code });
    // A series exists from its first request, as client libraries and Envoy create them.
    if (ok > 0 || counts.requests - counts.errors > 0) target.set(family, { ...labels, ...codeLabels('200') }, counts.requests - counts.errors);
    if (failed > 0 || counts.errors > 0) target.set(family, { ...labels, ...codeLabels('503') }, counts.errors);
    const histogram = knative ? 'revision_app_request_latencies' : 'istio_request_duration_milliseconds';
    target.setHistogram(histogram, labels, [...bounds.map((b, i) => [String(b), counts.buckets[i]!] as [string, number]), ['+Inf', counts.requests]]);
  };

  const send = (routes: readonly RouteTarget[], n: number, now: number) => {
    const total = routes.reduce((sum, r) => sum + r.weight, 0);
    if (total <= 0) { unrouted += n; return; }
    const tally = new Map<string, { ok: number; failed: number }>();
    for (let i = 0; i < n; i++) {
      let pick = random() * total;
      const route = routes.find((r) => (pick -= r.weight) < 0) ?? routes.at(-1)!;
      const backend = options.backends.of(route.destination, now);
      if (!backend.ready) { notReady++; continue; }
      const counts = byDestination.get(route.destination) ?? { requests: 0, errors: 0, buckets: bounds.map(() => 0), storageUri: backend.storageUri };
      counts.storageUri = backend.storageUri;
      const failed = random() < options.errorRatioOf(backend.storageUri);
      counts.requests++;
      if (failed) counts.errors++;
      const ms = latencyMs(random);
      bounds.forEach((b, j) => { if (ms <= b) counts.buckets[j]!++; });
      byDestination.set(route.destination, counts);
      const t = tally.get(route.destination) ?? { ok: 0, failed: 0 };
      if (failed) t.failed++; else t.ok++;
      tally.set(route.destination, t);
      if (backend.storageUri) {
        const window = served.get(backend.storageUri);
        served.set(backend.storageUri, { first: window?.first ?? now, last: now });
      }
    }
    for (const [destination, t] of tally) expose(destination, byDestination.get(destination)!, t.ok, t.failed);
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        const now = Date.now();
        owed += ((now - last) / 1000) * options.rate;
        last = now;
        const n = Math.floor(owed);
        owed -= n;
        await options.backends.refresh();
        const routes = await routingInForce(client, options.gateway, router, options.name);
        if (!routes || routes.length === 0) unrouted += n;
        else send(routes, n, Date.now());
      } catch { /* an object changing under the read: next period */ }
      await new Promise((r) => setTimeout(r, periodMs));
    }
  })();

  return {
    get notReady() { return notReady; },
    get unrouted() { return unrouted; },
    byDestination,
    servedBetween: (uri) => served.get(uri),
    async stop() { stopped = true; await loop; },
  };
}
