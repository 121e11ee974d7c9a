/**
 * A per-object work queue, as controllers have them: a key is queued at most
 * once, never processed by two workers at a time (a key added while it is
 * processed runs again afterwards), and can be queued for later.
 */

export interface WorkQueueOptions {
  readonly concurrency: number;
  readonly process: (key: string) => Promise<void>;
  /** Errors of `process`, after which the key is retried with backoff. */
  readonly onError?: (key: string, error: unknown) => void;
  readonly retryDelayMs?: (attempt: number) => number;
}

export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  /** Added again while active: run once more when done. */
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private running = 0;
  private paused = true;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: WorkQueueOptions) {}

  add(key: string): void {
    if (this.closed) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.ready.push(key);
    this.pump();
  }

  /** Queues the key in `delayMs`, unless it is already due sooner. */
  addAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => { this.timers.delete(key); this.add(key); }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Stops handing out work (in-flight work finishes); queued keys stay queued. */
  pause(): void { this.paused = true; }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  get length(): number { return this.ready.length; }
  get inFlight(): number { return this.running; }

  /** Resolves when no work is in flight. */
  async idle(): Promise<void> {
    if (this.running === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** No more work is accepted; resolves when in-flight work is done. */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.paused = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.idle();
  }

  private pump(): void {
    while (!this.paused && this.running < this.options.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      this.queued.delete(key);
      this.active.add(key);
      this.running++;
      void this.work(key);
    }
  }

  private async work(key: string): Promise<void> {
    try {
      await this.options.process(key);
      this.failures.delete(key);
    } catch (error) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      this.options.onError?.(key, error);
      this.addAfter(key, (this.options.retryDelayMs ?? ((n) => Math.min(30_000, 250 * 2 ** (n - 1))))(attempt));
    } finally {
      this.active.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      if (this.running === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((w) => w());
      }
    }
  }
}
