/** For engine-level tests: both variants Ready, and the weight in force is the weight last set. */
import type { RouterObservation, TrafficRouter } from '../types.js';

export class WeightOnlyRouter implements TrafficRouter {
  readonly name = 'istio' as const;
  weight = 0;
  async ensureVariants(): Promise<void> {}
  async setWeight(_ctx: unknown, weight: number): Promise<void> { this.weight = weight; }
  async promote(): Promise<void> {}
  async rollback(): Promise<void> { this.weight = 0; }
  async close(): Promise<void> {}
  async observe(): Promise<RouterObservation> {
    return { primary: { ready: true }, canary: { ready: true }, canaryWeight: this.weight, promoted: false, rolledBack: false };
  }
}
