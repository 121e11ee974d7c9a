/** Prometheus text exposition (format 0.0.4) of the gateway's counters. */
import type { MirrorCounts } from './mirror.js';
import { LATENCY_BUCKETS_SECONDS, type VariantCounters } from './variant-stats.js';

export interface MetricsInput {
  variants: ReadonlyArray<readonly [label: string, counters: VariantCounters]>;
  canaryWeight: number;
  mirrorPercent: number;
  mirror: MirrorCounts;
  mirrorByCode: ReadonlyMap<number, number>;
}

const LE_LABELS = [...LATENCY_BUCKETS_SECONDS.map(String), '+Inf'];

export function renderMetrics(input: MetricsInput): string {
  const out: string[] = [];
  out.push('# HELP kcanary_gateway_requests_total Responses sent to clients, by the variant that served them and status code.');
  out.push('# TYPE kcanary_gateway_requests_total counter');
  for (const [variant, counters] of input.variants) {
    for (const code of counters.codes()) out.push(`kcanary_gateway_requests_total{variant="${variant}",code="${code}"} ${counters.byCode[code]}`);
  }
  out.push('# HELP kcanary_gateway_request_duration_seconds Time from a request head to the end of its response, by variant.');
  out.push('# TYPE kcanary_gateway_request_duration_seconds histogram');
  for (const [variant, counters] of input.variants) {
    let cumulative = 0;
    for (let i = 0; i < LE_LABELS.length; i++) {
      cumulative += counters.buckets[i]!;
      out.push(`kcanary_gateway_request_duration_seconds_bucket{variant="${variant}",le="${LE_LABELS[i]}"} ${cumulative}`);
    }
    out.push(`kcanary_gateway_request_duration_seconds_sum{variant="${variant}"} ${counters.latencySumSeconds}`);
    out.push(`kcanary_gateway_request_duration_seconds_count{variant="${variant}"} ${counters.requests}`);
  }
  out.push('# HELP kcanary_gateway_canary_weight Percent of split traffic sent to the canary.');
  out.push('# TYPE kcanary_gateway_canary_weight gauge');
  out.push(`kcanary_gateway_canary_weight ${input.canaryWeight}`);
  out.push('# HELP kcanary_gateway_mirror_percent Percent of primary-served requests copied to the canary.');
  out.push('# TYPE kcanary_gateway_mirror_percent gauge');
  out.push(`kcanary_gateway_mirror_percent ${input.mirrorPercent}`);
  counter(out, 'kcanary_gateway_mirror_sent_total', 'Copies of requests sent to the canary.', input.mirror.sent);
  counter(out, 'kcanary_gateway_mirror_completed_total', 'Copies the canary answered (or failed).', input.mirror.completed);
  counter(out, 'kcanary_gateway_mirror_dropped_total', 'Copies not sent: too many in flight or too large.', input.mirror.dropped);
  out.push('# HELP kcanary_gateway_mirror_responses_total Canary answers to copies, by status code (502/504 when it failed).');
  out.push('# TYPE kcanary_gateway_mirror_responses_total counter');
  for (const [code, n] of [...input.mirrorByCode].sort((a, b) => a[0] - b[0])) out.push(`kcanary_gateway_mirror_responses_total{code="${code}"} ${n}`);
  return `${out.join('\n')}\n`;
}

function counter(out: string[], name: string, help: string, value: number): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
}
