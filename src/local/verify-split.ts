/**
 * Checking a split from outside, as the lab does with log lines: send N
 * requests, count the `x-kcanary-variant` header of each answer, and test the
 * canary's count against the target weight (exact binomial test).
 */
import { Agent, request as httpRequest } from 'node:http';
import { binomialTestPValue } from '../core/stats.js';

export interface SplitCheck {
  readonly requests: number;
  readonly target: { readonly primary: number; readonly canary: number };
  readonly observed: { readonly primary: number; readonly canary: number; readonly other: number };
  readonly observedPercent: { readonly primary: number; readonly canary: number };
  readonly statusCodes: Readonly<Record<string, number>>;
  readonly pValue: number;
  /** The split is off when p < 0.001. */
  readonly matches: boolean;
}

export interface SplitCheckOptions {
  readonly url: string;
  readonly requests: number;
  /** Canary weight in force, whole percent. */
  readonly targetWeight: number;
  /** JSON body: POST when given, GET otherwise. */
  readonly body?: string | (() => string);
  readonly host?: string;
  readonly concurrency?: number;
}

/**
 * One request with node:http: unlike fetch, it sends the Host header it is
 * given, which is how a split is checked through an ingress by public host.
 */
function send(url: URL, options: { body: string | undefined; host: string | undefined; agent: Agent }): Promise<{ status: number; variant: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, {
      method: options.body === undefined ? 'GET' : 'POST',
      agent: options.agent,
      headers: { 'content-type': 'application/json', ...(options.host ? { host: options.host } : {}) },
    }, (response) => {
      response.resume();
      response.once('end', () => resolve({ status: response.statusCode ?? 0, variant: String(response.headers['x-kcanary-variant'] ?? 'other') }));
      response.once('error', reject);
    });
    request.once('error', reject);
    request.end(options.body);
  });
}

export async function checkSplit(options: SplitCheckOptions): Promise<SplitCheck> {
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true });
  const counts: Record<string, number> = {};
  const codes: Record<string, number> = {};
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < options.requests) {
      sent++;
      const body = typeof options.body === 'function' ? options.body() : options.body;
      const { status, variant } = await send(url, { body, host: options.host, agent });
      counts[variant] = (counts[variant] ?? 0) + 1;
      codes[status] = (codes[status] ?? 0) + 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, options.requests) }, worker));
  } finally {
    agent.destroy();
  }
  const canary = counts.canary ?? 0;
  const primary = counts.primary ?? 0;
  const served = canary + primary;
  const pValue = binomialTestPValue(canary, served, options.targetWeight / 100);
  return {
    requests: options.requests,
    target: { primary: 100 - options.targetWeight, canary: options.targetWeight },
    observed: { primary, canary, other: options.requests - served },
    observedPercent: { primary: served ? (100 * primary) / served : 0, canary: served ? (100 * canary) / served : 0 },
    statusCodes: codes,
    pValue,
    matches: pValue >= 0.001,
  };
}
