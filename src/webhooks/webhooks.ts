/**
 * Webhooks of a rollout, as Flagger has them: pre-rollout (before any
 * traffic reaches the canary), rollout (at every analysis: acceptance or load
 * tests), confirm-promotion (a gate before promotion) and post-rollout. Each
 * is a POST of a JSON description of the canary; a non-2xx answer, a network
 * error or a timeout fails it. Results are data, never exceptions.
 */
import type { ModelCanary, WebhookSpec, WebhookType } from '../core/spec.js';
import type { Phase } from '../core/phase.js';

export interface WebhookPayload {
  readonly name: string;
  readonly namespace: string;
  readonly type: WebhookType;
  readonly phase: Phase | 'Pending';
  readonly canaryWeight: number;
  readonly stableStorageUri: string;
  readonly canaryStorageUri: string;
  /** The spec hash the rollout acts on: one value per rollout attempt. */
  readonly checksum: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface WebhookResult {
  readonly name: string;
  readonly type: WebhookType;
  readonly ok: boolean;
  readonly message: string;
}

export interface WebhookCallOptions {
  readonly fetch?: typeof fetch;
}

export async function callWebhook(hook: WebhookSpec, payload: WebhookPayload, options: WebhookCallOptions = {}): Promise<WebhookResult> {
  const fetchFn = options.fetch ?? fetch;
  const base = { name: hook.name, type: hook.type };
  try {
    const response = await fetchFn(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...payload, metadata: { ...payload.metadata, ...hook.metadata } }),
      signal: AbortSignal.timeout(hook.timeout),
    });
    const text = (await response.text()).slice(0, 200).trim();
    if (response.ok) return { ...base, ok: true, message: `HTTP ${response.status}` };
    return { ...base, ok: false, message: `HTTP ${response.status}${text ? `: ${text}` : ''}` };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { ...base, ok: false, message: `no answer within ${hook.timeout} ms` };
    return { ...base, ok: false, message: `unreachable: ${e.cause?.code ?? e.message}` };
  }
}

/** Runs every webhook of a type, in the order of the spec (a load test before its check). */
export async function runWebhooks(canary: ModelCanary, type: WebhookType, payload: Omit<WebhookPayload, 'type' | 'metadata' | 'name' | 'namespace'>, options: WebhookCallOptions = {}): Promise<WebhookResult[]> {
  const results: WebhookResult[] = [];
  for (const hook of canary.spec.webhooks.filter((h) => h.type === type)) {
    results.push(await callWebhook(hook, {
      ...payload, type, name: canary.metadata.name, namespace: canary.metadata.namespace ?? 'default', metadata: {},
    }, options));
  }
  return results;
}

export function hasWebhooks(canary: ModelCanary, type: WebhookType): boolean {
  return canary.spec.webhooks.some((h) => h.type === type);
}

export function describeFailures(results: readonly WebhookResult[]): string {
  return results.filter((r) => !r.ok).map((r) => `${r.type} webhook ${r.name}: ${r.message}`).join('; ');
}
