/**
 * A metric provider with the collector's predictions added: mirrored
 * distances accumulate over the analysis window (as the engine reads them),
 * each arm's answers come as read since the previous measurement.
 */
import type { WindowMeasurement } from '../core/measurement.js';
import type { MetricProvider } from '../metrics/types.js';
import type { PredictionCollector } from './prediction-collector.js';

export function withCollectedPredictions(provider: MetricProvider, collector: PredictionCollector, key: string): MetricProvider {
  let mirrored: number[] = [];
  return {
    startWindow(atMs: number): void {
      mirrored = [];
      collector.take(key);
      provider.startWindow(atMs);
    },
    async measure(nowMs: number): Promise<WindowMeasurement> {
      const window = await provider.measure(nowMs);
      const taken = collector.take(key);
      mirrored = [...mirrored, ...taken.mirrored];
      return { ...window, mirrored: [...window.mirrored, ...mirrored], answers: taken.answers };
    },
  };
}
