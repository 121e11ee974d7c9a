/**
 * Retries with capped exponential backoff and full jitter, for the failures
 * a retry can fix (conflicts, throttling, 5xx, dropped connections). The
 * whole operation is repeated — read, compute, write — so a conflict is
 * resolved against the newest object, never by resending a stale write.
 */
import { isRetryable, KubeThrottledError } from './errors.js';

export interface RetryOptions {
  /** Total attempts, the first included. */
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Injected so tests run without waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected randomness in [0, 1) for the jitter. */
  readonly random?: () => number;
  /** Which failures to retry; default: conflicts, throttling and transient failures. */
  readonly retryOn?: (error: unknown) => boolean;
  /** Told about each failure that will be retried. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY = { attempts: 6, baseDelayMs: 100, maxDelayMs: 5_000 } as const;

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The delay before retry number `attempt` (1-based): full jitter over an exponential cap. */
export function backoffDelay(attempt: number, error: unknown, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** (attempt - 1));
  const jittered = Math.round(ceiling * random());
  // The server's Retry-After is a floor: asking again sooner only earns another 429.
  if (error instanceof KubeThrottledError && error.retryAfterMs !== undefined) return Math.max(jittered, Math.min(error.retryAfterMs, max));
  return jittered;
}

export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_RETRY.attempts;
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !(options.retryOn ?? isRetryable)(error)) throw error;
      const delay = backoffDelay(attempt, error, options);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
