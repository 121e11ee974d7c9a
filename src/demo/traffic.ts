/**
 * Steady predict traffic for the demo: single-row V1 requests built from
 * generated housing rows, at a bounded rate, until stopped.
 */
import { generateHousingData } from '../training/housing-data.js';

export interface TrafficSummary {
  readonly sent: number;
  /** `variant:status` → count, e.g. `canary:200`. */
  readonly answers: Readonly<Record<string, number>>;
}

export interface TrafficGenerator {
  /** Where to send; undefined holds the traffic (e.g. while the split is verified, or once the gateway is gone). */
  setTarget(url: string | undefined): void;
  stop(): Promise<TrafficSummary>;
}

/** Rows of the demo's house data, as V1 predict bodies. */
export function housingRequests(seed = 7, rows = 2000): () => string {
  const { x } = generateHousingData(seed, rows);
  let next = 0;
  return () => JSON.stringify({ instances: [x[next++ % x.length]] });
}

export function startTraffic(options: { model: string; perSecond: number; body: () => string }): TrafficGenerator {
  let target: string | undefined;
  let running = true;
  let sent = 0;
  const answers: Record<string, number> = {};
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      if (target) {
        sent++;
        try {
          const response = await fetch(`${target}/v1/models/${options.model}:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: options.body() });
          await response.arrayBuffer();
          const key = `${response.headers.get('x-kcanary-variant') ?? 'none'}:${response.status}`;
          answers[key] = (answers[key] ?? 0) + 1;
        } catch {
          answers.unreachable = (answers.unreachable ?? 0) + 1;
        }
      }
      const wait = 1000 / options.perSecond - (Date.now() - started);
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    }
  })();
  return {
    setTarget(url) { target = url; },
    async stop() { running = false; await loop; return { sent, answers }; },
  };
}
