/** What the engine does each tick of a phase against a router: its action (a NotReadyError means "later"), then observe (decide.ts). */
import type { KserveController } from '../../kube/testing/kserve-controller.js';
import { waitFor } from '../../kube/testing/wait-for.js';
import { NotReadyError } from '../kserve-status.js';
import type { RouterContext, RouterObservation, TrafficRouter } from '../types.js';

export async function tickUntil(what: string, router: TrafficRouter, ctx: RouterContext, act: () => Promise<unknown>, done: (o: RouterObservation) => boolean, kserve: KserveController): Promise<RouterObservation> {
  return waitFor(what, async () => {
    await act().catch((error: unknown) => { if (!(error instanceof NotReadyError)) throw error; });
    const seen = await router.observe(ctx);
    return done(seen) && seen;
  }, { intervalMs: 100, timeoutMs: 20_000, context: () => `controller: ${kserve.lastError?.message ?? 'ok'}` });
}
