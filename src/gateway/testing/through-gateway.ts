/** Runs `body` against a gateway in front of `upstream`, then closes both whatever happened. */
import { startGateway, type Gateway, type GatewayOptions } from '../index.js';
import type { Upstream } from './upstreams.js';

export async function through(upstream: Upstream, body: (gateway: Gateway) => Promise<void>, options: Partial<GatewayOptions> = {}): Promise<void> {
  const gateway = await startGateway({ upstreams: { primary: upstream.url }, ...options });
  try {
    await body(gateway);
  } finally {
    await gateway.close();
    await upstream.close();
  }
}
