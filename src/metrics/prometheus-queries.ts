/**
 * The built-in series of each router: the request, 5xx and latency-bucket
 * counters of one variant, as series selectors. The provider reads their raw
 * samples and aligns them in time (counter-alignment.ts), so a series born
 * at a pod's first request counts from 0 — `increase()` would drop its first
 * sample. Custom metrics bring their own PromQL template; both are filled in
 * the same way.
 */
import type { Router } from '../core/spec.js';

export interface QueryTemplates {
  /** Series selector of the request counter. */
  readonly requests: string;
  /** Series selector of the 5xx part of the request counter. */
  readonly errors: string;
  /** Series selector of the latency histogram's `_bucket` series. */
  readonly buckets: string;
  /** Seconds per unit of the histogram's `le` label. */
  readonly bucketUnitSeconds: number;
}

/**
 * Istio's standard metrics, reported by the destination's sidecar, by the
 * Kubernetes Service of the variant's predictor. Istio also implements the
 * Gateway API, and KServe's raw deployments sit behind it in both routers.
 */
const ISTIO_SELECTOR = 'reporter="destination",destination_service_namespace="{{namespace}}",destination_service_name="{{variant}}"';
export const ISTIO_QUERIES: QueryTemplates = {
  requests: `istio_requests_total{${ISTIO_SELECTOR}}`,
  errors: `istio_requests_total{${ISTIO_SELECTOR},response_code=~"5.."}`,
  buckets: `istio_request_duration_milliseconds_bucket{${ISTIO_SELECTOR}}`,
  bucketUnitSeconds: 0.001,
};

/** Knative's queue-proxy metrics, by revision. */
const KNATIVE_SELECTOR = 'namespace_name="{{namespace}}",revision_name="{{variant}}"';
export const KNATIVE_QUERIES: QueryTemplates = {
  requests: `revision_app_request_count{${KNATIVE_SELECTOR}}`,
  errors: `revision_app_request_count{${KNATIVE_SELECTOR},response_code_class="5xx"}`,
  buckets: `revision_app_request_latencies_bucket{${KNATIVE_SELECTOR}}`,
  bucketUnitSeconds: 0.001,
};

export function builtinQueries(router: Router): QueryTemplates {
  return router === 'knative' ? KNATIVE_QUERIES : ISTIO_QUERIES;
}

export interface TemplateValues {
  readonly variant: string;
  readonly namespace: string;
  /** A PromQL range such as `90s`. */
  readonly interval: string;
  readonly name: string;
}

/** Fills {{variant}}, {{namespace}}, {{interval}} and {{name}}; label values are escaped for PromQL strings. */
export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(/\{\{\s*(variant|namespace|interval|name)\s*\}\}/g, (_match, key: keyof TemplateValues) =>
    key === 'interval' ? values.interval : values[key].replace(/\\/g, '\\\\').replace(/"/g, '\\"'));
}

/** The window as a PromQL range: whole seconds, at least one. */
export function rangeOf(fromMs: number, toMs: number): string {
  return `${Math.max(1, Math.ceil((toMs - fromMs) / 1000))}s`;
}
