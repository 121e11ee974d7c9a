/**
 * The page's side of the control API: the token from the URL fragment (never
 * sent to a server by the browser), then `Authorization: Bearer` on every call.
 */
import type { Command } from '../../src/core/commands.js';
import type { RolloutSnapshot } from '../../src/local/snapshot.js';
import type { MetricsHistory } from '../../src/dashboard/metrics-series.js';
import type { CanaryList, ServerInfo } from '../../src/dashboard/api-types.js';

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

/** One rollout's API: `/api/v1` for the local one, `/api/v1/canaries/{ns}/{name}` in a cluster. */
export interface Endpoint {
  readonly token: string;
  readonly base: string;
}

export const LOCAL_BASE = '/api/v1';

export const fetchSnapshot = (endpoint: Endpoint): Promise<RolloutSnapshot> => call(endpoint.token, 'GET', `${endpoint.base}/status`);

export const fetchMetrics = (endpoint: Endpoint): Promise<MetricsHistory> => call(endpoint.token, 'GET', `${endpoint.base}/metrics`);

export const fetchInfo = (token: string): Promise<ServerInfo> => call(token, 'GET', '/api/v1/info');

/** The cluster dashboard's list of the ModelCanaries the user may see. */
export const fetchCanaries = (token: string): Promise<CanaryList> => call(token, 'GET', '/api/v1/canaries');

export interface CommandReply {
  readonly ok: boolean;
  readonly reason: string;
  readonly snapshot?: RolloutSnapshot;
}

/** The same operation as the CLI verb: a refusal (409) comes back with ok: false and the reason. */
export const sendCommand = (endpoint: Endpoint, command: Command): Promise<CommandReply> => call(endpoint.token, 'POST', `${endpoint.base}/commands`, command);
