/**
 * Measurements from kcanary's own gateway: counter deltas since the window
 * started, and the mirrored answer pairs that completed in it.
 */
import type { Gateway, GatewayStats, VariantStats } from '../gateway/index.js';
import { LATENCY_BUCKETS_SECONDS } from '../gateway/index.js';
import { diffCounts, type VariantCounts, type WindowMeasurement } from '../core/measurement.js';
import type { MetricProvider } from './types.js';

function countsOf(stats: VariantStats): VariantCounts {
  return { requests: stats.requests, errors: stats.errors, latencyBuckets: [...stats.latencyBuckets] };
}

export class GatewayMetrics implements MetricProvider {
  private windowStart: number;
  private baseline: GatewayStats;
  private mirrored: number[] = [];

  constructor(private readonly gateway: Pick<Gateway, 'stats' | 'drainMirrorPairs'>, nowMs: number) {
    this.windowStart = nowMs;
    this.baseline = gateway.stats();
  }

  startWindow(atMs: number): void {
    this.windowStart = atMs;
    this.baseline = this.gateway.stats();
    this.gateway.drainMirrorPairs();
    this.mirrored = [];
  }

  async measure(nowMs: number): Promise<WindowMeasurement> {
    const now = this.gateway.stats();
    for (const pair of this.gateway.drainMirrorPairs()) this.mirrored.push(pair.absDiff);
    return {
      fromMs: this.windowStart,
      toMs: nowMs,
      bucketBounds: LATENCY_BUCKETS_SECONDS,
      primary: diffCounts(countsOf(now.primary), countsOf(this.baseline.primary)),
      canary: diffCounts(countsOf(now.canary), countsOf(this.baseline.canary)),
      mirrored: [...this.mirrored],
      custom: {},
    };
  }
}
