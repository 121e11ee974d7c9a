/** The local data plane, used in-process by the rollout engine. */
export { startGateway, type Gateway, type GatewayOptions, type GatewayStats, type Upstreams } from './gateway.js';
export type { Variant } from './routing.js';
export type { MirrorPair } from './mirror.js';
export { LATENCY_BUCKETS_SECONDS, type VariantStats } from './variant-stats.js';
