/**
 * One interface for every source of measurements (DESIGN.md): the local
 * gateway, Prometheus. A provider measures; the core judges.
 */
import type { WindowMeasurement } from '../core/measurement.js';

export interface MetricProvider {
  /** Starts a new analysis window at `atMs` (counters are read from here on). */
  startWindow(atMs: number): void;
  /** Everything measured since the window started. Never throws: failures come back as `unavailable`. */
  measure(nowMs: number): Promise<WindowMeasurement>;
}
