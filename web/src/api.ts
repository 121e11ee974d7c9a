/**
 * The page's side of the control API: the token from the URL fragment (never
 * sent to a server by the browser), then `Authorization: Bearer` on every call.
 */
import type { Command } from '../../src/core/commands.js';
import type { RolloutSnapshot } from '../../src/local/snapshot.js';
import type { MetricsHistory } from '../../src/dashboard/metrics-series.js';

const TOKEN_KEY = 'kcanary.token';

/** Reads `#token=…` once, keeps it for this tab only, and takes it out of the address bar. */
export function takeToken(): string | null {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** An API call that did not succeed, with the server's own words. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function call<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError(0, `the control API did not answer: is \`kcanary up\` still running? (${(error as Error).message})`);
  }
  const payload = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok && response.status !== 409) throw new ApiError(response.status, payload.error ?? `${response.status} ${response.statusText}`);
  return payload;
}

export const fetchSnapshot = (token: string): Promise<RolloutSnapshot> => call(token, 'GET', '/api/v1/status');

export const fetchMetrics = (token: string): Promise<MetricsHistory> => call(token, 'GET', '/api/v1/metrics');

export interface CommandReply {
  readonly ok: boolean;
  readonly reason: string;
  readonly snapshot?: RolloutSnapshot;
}

/** The same operation as the CLI verb: a refusal (409) comes back with ok: false and the reason. */
export const sendCommand = (token: string, command: Command): Promise<CommandReply> => call(token, 'POST', '/api/v1/commands', command);
