/**
 * Which variant serves a request: variant host, then the override header,
 * then the sticky key, then the exact weighted split.
 */
import type { RequestHead } from './http-head.js';
import { SmoothSplit } from './smooth-split.js';
import { cookieValue, stickyBucket } from './sticky-key.js';

export const VARIANTS = ['primary', 'canary'] as const;
export type Variant = (typeof VARIANTS)[number];
export const PRIMARY = 0;
export const CANARY = 1;
export type VariantIndex = typeof PRIMARY | typeof CANARY;

export const Route = {
  Primary: 0,
  Canary: 1,
  /** Chosen by a variant host or the override header: never mirrored. */
  ForcedPrimary: 2,
  ForcedCanary: 3,
  Metrics: 4,
  BadVariantHeader: 5,
  NoCanary: 6,
} as const;
export type Route = (typeof Route)[keyof typeof Route];

export interface StickyOptions {
  header?: string;
  cookie?: string;
}

export class Routing {
  readonly split = new SmoothSplit(0);
  readonly mirrorSplit = new SmoothSplit(0);
  hasCanary = false;
  readonly stickyHeader: string | undefined;
  readonly stickyCookie: string | undefined;

  constructor(sticky: StickyOptions | undefined) {
    this.stickyHeader = sticky?.header?.toLowerCase();
    this.stickyCookie = sticky?.cookie;
  }

  route(head: RequestHead): Route {
    const hostVariant = variantOfHost(head.host);
    if (hostVariant === 'primary') return Route.ForcedPrimary;
    if (hostVariant === 'canary') return this.hasCanary ? Route.ForcedCanary : Route.NoCanary;
    if (head.target === '/metrics' && (head.method === 'GET' || head.method === 'HEAD')) return Route.Metrics;
    if (head.variantHeader !== undefined) {
      const forced = head.variantHeader.toLowerCase();
      if (forced === 'primary') return Route.ForcedPrimary;
      if (forced === 'canary') return this.hasCanary ? Route.ForcedCanary : Route.NoCanary;
      return Route.BadVariantHeader;
    }
    if (!this.hasCanary) return Route.Primary;
    const key = this.#stickyKey(head);
    if (key !== undefined) return stickyBucket(key) < this.split.percent ? Route.Canary : Route.Primary;
    return this.split.pickSecond() ? Route.Canary : Route.Primary;
  }

  /** Whether a request the primary serves by the split is also sent to the canary. */
  shouldMirror(): boolean {
    return this.hasCanary && this.mirrorSplit.pickSecond();
  }

  #stickyKey(head: RequestHead): string | undefined {
    if (head.stickyValue !== undefined && head.stickyValue !== '') return head.stickyValue;
    if (this.stickyCookie !== undefined && head.cookie !== undefined) {
      const value = cookieValue(head.cookie, this.stickyCookie);
      if (value !== undefined && value !== '') return value;
    }
    return undefined;
  }
}

/** `primary` or `canary` when the Host's first label names a variant, as in `canary.localhost:8080`. */
export function variantOfHost(host: string): Variant | undefined {
  const c = host.charCodeAt(0) | 0x20;
  if (c !== 0x70 /* p */ && c !== 0x63 /* c */) return undefined;
  const dot = host.indexOf('.');
  const colon = host.indexOf(':');
  const end = dot !== -1 ? dot : colon !== -1 ? colon : host.length;
  const label = host.slice(0, end).toLowerCase();
  return label === 'primary' || label === 'canary' ? label : undefined;
}
