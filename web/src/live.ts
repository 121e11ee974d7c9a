/**
 * Follows the rollout over the event stream (read with fetch: EventSource
 * cannot send the token), reconnecting with a growing pause when it drops.
 */
import { SseParser } from '../../src/dashboard/sse-parser.js';
import type { MetricsPoint, MetricsTotals } from '../../src/dashboard/metrics-series.js';
import type { RolloutSnapshot } from '../../src/local/snapshot.js';
import type { Endpoint } from './api.js';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface LiveHandlers {
  snapshot(snapshot: RolloutSnapshot): void;
  metrics(update: { point: MetricsPoint; totals: MetricsTotals }): void;
  connection(state: Connection, detail?: string): void;
  /** Called on every (re)connection before events flow, to catch up on what was missed. */
  resync(): Promise<void>;
}

export function followRollout(endpoint: Endpoint, handlers: LiveHandlers): () => void {
  const abort = new AbortController();
  let delayMs = 1000;

  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const response = await fetch(`${endpoint.base}/events`, { headers: { authorization: `Bearer ${endpoint.token}` }, signal: abort.signal, cache: 'no-store' });
        if (response.status === 401) {
          handlers.connection('unauthorized', 'the token was refused');
          return;
        }
        if (!response.ok || !response.body) throw new Error(`${response.status} ${response.statusText}`);
        await handlers.resync().catch(() => undefined);
        handlers.connection('live');
        delayMs = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const event of parser.push(value)) {
            if (event.event === 'metrics') handlers.metrics(JSON.parse(event.data) as { point: MetricsPoint; totals: MetricsTotals });
            else handlers.snapshot(JSON.parse(event.data) as RolloutSnapshot);
          }
        }
        handlers.connection('reconnecting', 'the event stream ended');
      } catch (error) {
        if (abort.signal.aborted) return;
        handlers.connection('reconnecting', (error as Error).message);
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 10_000);
    }
  };
  void run();
  return () => abort.abort();
}
