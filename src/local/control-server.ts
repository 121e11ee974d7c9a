/**
 * The running rollout's control API, bound to loopback and guarded by the
 * token saved (mode 0600) with the state: `status`, `pause`, `set-weight`…
 * from the CLI or the dashboard act through it.
 *
 *   GET  /api/v1/info      → {"kind": "local"} (which server the page talks to)
 *   GET  /api/v1/status    → RolloutSnapshot
 *   GET  /api/v1/metrics   → MetricsHistory (the charts' recent points)
 *   GET  /api/v1/events    → server-sent events: one snapshot per change,
 *                            and `event: metrics` {point, totals} with each new chart point
 *   POST /api/v1/commands  {"type": "pause"|"resume"|"promote"|"rollback"|"set-weight", "weight"?: N}
 *   GET  /                 → the dashboard page (static, no data: no token needed)
 *
 * The browser sends the token as `Authorization: Bearer`, which a page on
 * another site cannot do without CORS (there is none): that, with the Host
 * check, is what keeps other sites from acting on the rollout.
 */
import { listenLocal } from './listen.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Command } from '../core/commands.js';
import type { ServerInfo } from '../dashboard/api-types.js';
import type { MetricsFeed } from '../dashboard/live-metrics.js';
import { readJson, sendJson as send } from '../dashboard/http.js';
import { StaticAssets } from '../dashboard/static-assets.js';
import type { RolloutSnapshot } from './snapshot.js';

export interface ControlHandlers {
  snapshot(): RolloutSnapshot;
  command(command: Command): Promise<{ ok: boolean; reason: string }>;
  /** The gateway's recent per-variant rates, for the dashboard's charts. */
  metrics?: MetricsFeed;
}

/** A comment line on every event stream this often, so dead connections are noticed. */
const KEEP_ALIVE_MS = 15_000;
const CHANGE_CHECK_MS = 1000;

export interface ControlServer {
  readonly url: string;
  /** Pushes the current snapshot to every event stream. */
  publish(): void;
  close(): Promise<void>;
}

const COMMAND_TYPES = new Set(['pause', 'resume', 'promote', 'rollback', 'set-weight']);

export function isAuthorized(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Only loopback names: a page on another site cannot reach us through DNS rebinding. */
export function isLoopbackHost(host: string | undefined): boolean {
  const name = (host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === '127.0.0.1' || name === 'localhost' || name === '::1';
}

/** A command from a request body, or why it is not one (answered with 400). */
export async function readCommand(request: IncomingMessage): Promise<Command | string> {
  let body: unknown;
  try {
    body = await readJson(request);
  } catch (error) {
    return `bad request body: ${(error as Error).message}`;
  }
  return parseCommand(body);
}

export function parseCommand(body: unknown): Command | string {
  if (!body || typeof body !== 'object') return 'the body must be a JSON object with a "type"';
  const { type, weight } = body as { type?: unknown; weight?: unknown };
  if (typeof type !== 'string' || !COMMAND_TYPES.has(type)) return `"type" must be one of ${[...COMMAND_TYPES].join(', ')}`;
  if (type === 'set-weight') {
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) return '"weight" must be a whole percent between 0 and 100';
    return { type, weight };
  }
  return { type } as Command;
}

/**
 * A browser names the page a request comes from; a state change from a page
 * of another origin is refused even before the token is checked.
 */
export function isForeignOrigin(request: IncomingMessage): boolean {
  if (request.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

export async function startControlServer(options: { host?: string; port?: number; token: string; handlers: ControlHandlers; assets?: StaticAssets }): Promise<ControlServer> {
  const streams = new Set<ServerResponse>();
  const { token, handlers } = options;
  const assets = options.assets ?? await StaticAssets.load();
  const broadcast = (text: string): void => {
    for (const stream of streams) stream.write(text);
  };
  const unsubscribe = handlers.metrics?.onPoint((point, totals) => {
    if (streams.size > 0) broadcast(`event: metrics\ndata: ${JSON.stringify({ point, totals })}\n\n`);
  });
  const keepAlive = setInterval(() => broadcast(': keep-alive\n\n'), KEEP_ALIVE_MS).unref();
  // The runtime publishes what it deems significant; what it does not (the
  // observed weight catching up, a variant turning Ready) still reaches the
  // page within a second, and only when something changed.
  let lastSent = '';
  const sendSnapshot = (force: boolean): void => {
    if (streams.size === 0) return;
    const text = `data: ${JSON.stringify(handlers.snapshot())}\n\n`;
    if (!force && text === lastSent) return;
    lastSent = text;
    broadcast(text);
  };
  const watcher = setInterval(() => sendSnapshot(false), CHANGE_CHECK_MS).unref();

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { error: (error as Error).message });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!isLoopbackHost(request.headers.host)) return send(response, 403, { error: 'the control API answers loopback hosts only' });
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if ((request.method === 'GET' || request.method === 'HEAD') && !path.startsWith('/api/')) {
      if (assets.serve(path, response, request.method === 'HEAD')) return;
      if (path === '/' && assets.isEmpty) return send(response, 404, { error: 'the dashboard is not built (npm run build)' });
    }
    if (request.method !== 'GET' && isForeignOrigin(request)) return send(response, 403, { error: 'requests from other sites are refused' });
    if (!isAuthorized(request, token)) return send(response, 401, { error: 'missing or wrong token (see the state file)' });
    if (request.method === 'GET' && path === '/api/v1/info') return send(response, 200, { kind: 'local' } satisfies ServerInfo);
    if (request.method === 'GET' && path === '/api/v1/status') return send(response, 200, handlers.snapshot());
    if (request.method === 'GET' && path === '/api/v1/metrics') {
      if (!handlers.metrics) return send(response, 404, { error: 'this rollout has no live metrics' });
      return send(response, 200, handlers.metrics.history());
    }
    if (request.method === 'GET' && path === '/api/v1/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write(`data: ${JSON.stringify(handlers.snapshot())}\n\n`);
      streams.add(response);
      request.once('close', () => streams.delete(response));
      return;
    }
    if (request.method === 'POST' && path === '/api/v1/commands') {
      const command = await readCommand(request);
      if (typeof command === 'string') return send(response, 400, { error: command });
      const result = await handlers.command(command);
      return send(response, result.ok ? 200 : 409, { ...result, snapshot: handlers.snapshot() });
    }
    return send(response, 404, { error: `no such endpoint: ${request.method} ${path}` });
  }

  const url = await listenLocal(server, options);
  return {
    url,
    publish() {
      sendSnapshot(true);
    },
    async close() {
      clearInterval(keepAlive);
      clearInterval(watcher);
      unsubscribe?.();
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
