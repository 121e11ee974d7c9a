/**
 * The prediction collector's memory: which InferenceServices it listens for,
 * requests waiting for their response (by ce-id), answers waiting for their
 * mirrored twin (by X-Request-Id), and per canary what the judge has not read
 * yet. Only predictions are kept, never payloads.
 *
 * Bounded: waiting entries expire after `ttlMs`; at most `maxPending` wait and
 * at most `maxBuffered` answers or pairs per canary await the judge; beyond
 * that new entries are dropped and counted — whatever their arm, so dropping
 * never favours one variant. No I/O, no clock: time comes with each call.
 */
import { answerDistance, type Answer } from '../core/analysis/index.js';
import type { LoggedEvent } from './kserve-event.js';

export type VariantName = 'primary' | 'canary';

/** How the collector recognises a variant's events. */
export interface VariantMatch {
  readonly inferenceService: string;
  /** With one InferenceService for both (knative, kserve-raw): the pod name (ce-source) starts with this. */
  readonly podPrefix?: string;
}

export interface CollectorTarget {
  readonly namespace: string;
  /** mirrored: pair the two answers to the same X-Request-Id; split: keep each arm's answers. */
  readonly mode: 'mirrored' | 'split';
  readonly primary: VariantMatch;
  readonly canary: VariantMatch;
  /** false once the rollout is over: events are still taken (the canary is managed) but nothing is kept. */
  readonly collecting?: boolean;
}

export interface CollectorOptions {
  readonly ttlMs?: number;
  readonly maxPending?: number;
  readonly maxBuffered?: number;
}

export interface CollectorStats {
  readonly received: number;
  readonly accepted: number;
  /** Events of InferenceServices no ModelCanary manages. */
  readonly refused: number;
  /** Events of a managed InferenceService from a pod that is neither variant (an old revision). */
  readonly unmatched: number;
  /** Responses with no KServe answer in them. */
  readonly unreadable: number;
  /** Entries dropped because a bound was reached. */
  readonly dropped: number;
  readonly expired: number;
  /** Requests that got no logged response (the agent logs only 200s) before expiring. */
  readonly unanswered: number;
  readonly pairs: number;
  readonly answers: number;
  readonly pending: number;
}

/** What a canary's judge reads: mirrored distances and each arm's answers since the last read. */
export interface CollectedPredictions {
  readonly mirrored: number[];
  readonly answers: { primary: Answer[]; canary: Answer[] };
}

interface Waiting {
  readonly key: string;
  readonly variant: VariantName;
  readonly atMs: number;
  readonly answer?: Answer;
}

interface Route {
  readonly key: string;
  readonly variant: VariantName;
  readonly podPrefix?: string;
}

type Counter = { -readonly [K in keyof CollectorStats]: number };

export class PredictionCollector {
  private readonly ttlMs: number;
  private readonly maxPending: number;
  private readonly maxBuffered: number;
  private readonly targets = new Map<string, CollectorTarget>();
  /** namespace/inferenceService → the variants it serves. */
  private routes = new Map<string, Route[]>();
  /** Requests by ce-id and unpaired answers by key|X-Request-Id, oldest first (Map keeps insertion order). */
  private readonly requests = new Map<string, Waiting>();
  private readonly unpaired = new Map<string, Waiting>();
  private readonly buffers = new Map<string, CollectedPredictions & { size: number }>();
  private readonly counts: Counter = {
    received: 0, accepted: 0, refused: 0, unmatched: 0, unreadable: 0, dropped: 0, expired: 0, unanswered: 0, pairs: 0, answers: 0, pending: 0,
  };

  constructor(options: CollectorOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxPending = options.maxPending ?? 200_000;
    this.maxBuffered = options.maxBuffered ?? 50_000;
  }

  /** Starts (or updates) listening for a canary's variants; `key` is namespace/name of its ModelCanary. */
  manage(key: string, target: CollectorTarget): void {
    const previous = this.targets.get(key);
    if (previous && JSON.stringify(previous) === JSON.stringify(target)) return;
    this.targets.set(key, target);
    if (target.collecting === false) this.buffers.delete(key);
    this.rebuildRoutes();
  }

  forget(key: string): void {
    if (!this.targets.delete(key)) return;
    this.buffers.delete(key);
    this.rebuildRoutes();
  }

  isManaged(namespace: string, inferenceService: string): boolean {
    return this.routes.has(`${namespace}/${inferenceService}`);
  }

  stats(): CollectorStats {
    return { ...this.counts, pending: this.requests.size + this.unpaired.size };
  }

  /** Everything collected for a canary since the last call. */
  take(key: string): CollectedPredictions {
    const buffer = this.buffers.get(key);
    this.buffers.delete(key);
    return buffer ? { mirrored: buffer.mirrored, answers: buffer.answers } : { mirrored: [], answers: { primary: [], canary: [] } };
  }

  /** One logged event; false when it was refused (no ModelCanary manages its InferenceService). */
  accept(event: LoggedEvent, nowMs: number): boolean {
    this.counts.received += 1;
    this.expire(nowMs);
    const routes = this.routes.get(`${event.namespace}/${event.inferenceService}`);
    if (!routes) {
      this.counts.refused += 1;
      return false;
    }
    const route = routes.find((r) => r.podPrefix === undefined || event.source.startsWith(r.podPrefix));
    if (!route) {
      this.counts.unmatched += 1;
      return true;
    }
    this.counts.accepted += 1;
    if (event.kind === 'request') {
      this.wait(this.requests, event.id, { key: route.key, variant: route.variant, atMs: nowMs });
      return true;
    }
    this.requests.delete(event.id);
    if (!event.answer) {
      this.counts.unreadable += 1;
      return true;
    }
    const target = this.targets.get(route.key) as CollectorTarget;
    if (target.collecting === false) return true;
    if (target.mode === 'split') {
      // Requests routed by header (x-kcanary-variant) did not follow the split: the split test must not see them.
      if (event.variantHeader === undefined) this.buffer(route.key, (b) => b.answers[route.variant].push(event.answer as Answer));
    } else {
      // Mirrored: the answers pair by request id; each arm's answers still show the judge that the canary answers (e.g. at 100%).
      this.buffer(route.key, (b) => b.answers[route.variant].push(event.answer as Answer));
      if (event.requestId !== undefined) this.pair(route, event.requestId, event.answer, nowMs);
    }
    return true;
  }

  private pair(route: Route, requestId: string, answer: Answer, nowMs: number): void {
    const id = `${route.key}|${requestId}`;
    const twin = this.unpaired.get(id);
    if (twin && twin.variant !== route.variant) {
      this.unpaired.delete(id);
      const [primary, canary] = route.variant === 'canary' ? [twin.answer as Answer, answer] : [answer, twin.answer as Answer];
      this.buffer(route.key, (b) => b.mirrored.push(answerDistance(primary, canary)));
      this.counts.pairs += 1;
      return;
    }
    if (!twin) this.wait(this.unpaired, id, { key: route.key, variant: route.variant, atMs: nowMs, answer });
  }

  private wait(map: Map<string, Waiting>, id: string, entry: Waiting): void {
    if (!map.has(id) && this.requests.size + this.unpaired.size >= this.maxPending) {
      this.counts.dropped += 1;
      return;
    }
    map.delete(id);
    map.set(id, entry);
  }

  private buffer(key: string, add: (buffer: CollectedPredictions) => void): void {
    let buffer = this.buffers.get(key);
    if (!buffer) {
      buffer = { mirrored: [], answers: { primary: [], canary: [] }, size: 0 };
      this.buffers.set(key, buffer);
    }
    if (buffer.size >= this.maxBuffered) {
      this.counts.dropped += 1;
      return;
    }
    buffer.size += 1;
    this.counts.answers += 1;
    add(buffer);
  }

  private expire(nowMs: number): void {
    const before = nowMs - this.ttlMs;
    for (const [map, isRequest] of [[this.requests, true], [this.unpaired, false]] as const) {
      for (const [id, entry] of map) {
        if (entry.atMs > before) break;
        map.delete(id);
        this.counts.expired += 1;
        if (isRequest) this.counts.unanswered += 1;
      }
    }
  }

  private rebuildRoutes(): void {
    const routes = new Map<string, Route[]>();
    for (const [key, target] of this.targets) {
      for (const variant of ['primary', 'canary'] as const) {
        const match = target[variant];
        const at = `${target.namespace}/${match.inferenceService}`;
        const list = routes.get(at) ?? [];
        list.push({ key, variant, ...(match.podPrefix === undefined ? {} : { podPrefix: match.podPrefix }) });
        routes.set(at, list);
      }
    }
    // Longest prefix first, so a revision's prefix never swallows a longer one's pods.
    for (const list of routes.values()) list.sort((a, b) => (b.podPrefix?.length ?? 0) - (a.podPrefix?.length ?? 0));
    this.routes = routes;
  }
}
