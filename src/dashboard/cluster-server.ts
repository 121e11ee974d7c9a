/**
 * `kcanary dashboard`: the same page for the ModelCanaries of a cluster,
 * served on this machine with the user's kubeconfig. Loopback only, and the
 * same session token and origin checks as the local control API: without
 * them any page the browser opens could act with the user's credentials.
 *
 *   GET  /api/v1/info                              → { kind: "cluster", context, namespace }
 *   GET  /api/v1/canaries                          → { context, namespace, items: CanarySummary[] }
 *   GET  /api/v1/canaries/{ns}/{name}/status       → RolloutSnapshot
 *   GET  /api/v1/canaries/{ns}/{name}/events       → server-sent events, one snapshot per change (a watch)
 *   POST /api/v1/canaries/{ns}/{name}/commands     → the command, requested of the operator
 */
import { listenLocal } from '../local/listen.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { KubeError } from '../kube/errors.js';
import { isAuthorized, isForeignOrigin, isLoopbackHost, readCommand } from '../local/control-server.js';
import type { ServerInfo } from './api-types.js';
import type { ClusterCanaries } from './cluster-source.js';
import { eventText, sendJson, startEventStream } from './http.js';
import { StaticAssets } from './static-assets.js';

export interface ClusterDashboard {
  readonly url: string;
  close(): Promise<void>;
}

const KEEP_ALIVE_MS = 15_000;
const CANARY_PATH = /^\/api\/v1\/canaries\/([a-z0-9-]+)\/([a-z0-9.-]+)\/(status|events|commands|metrics)$/;

/** Kubernetes' answer, passed on: a 403 names the permission the user lacks. */
function sendKubeError(response: ServerResponse, error: unknown): void {
  if (error instanceof KubeError) {
    const code = error.status === 401 || error.status === 403 || error.status === 404 || error.status === 409 || error.status === 422 ? error.status : 502;
    return sendJson(response, code, { error: error.message, code: error.code });
  }
  sendJson(response, 500, { error: (error as Error).message });
}

export async function startClusterDashboard(options: {
  canaries: ClusterCanaries; token: string; context: string; host?: string; port?: number; assets?: StaticAssets;
}): Promise<ClusterDashboard> {
  const { canaries, token } = options;
  const assets = options.assets ?? await StaticAssets.load();
  const streams = new Set<ServerResponse>();
  const stoppers = new Set<() => void>();
  const keepAlive = setInterval(() => { for (const s of streams) s.write(': keep-alive\n\n'); }, KEEP_ALIVE_MS).unref();

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendKubeError(response, error);
      else response.destroy();
    });
  });

  async function follow(namespace: string, name: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const first = await canaries.snapshot(namespace, name);
    startEventStream(response);
    response.write(eventText(first));
    streams.add(response);
    // The watch ends on its own now and then; ending the stream makes the page reconnect and catch up.
    const handle = await canaries.watch(namespace, name, (snapshot) => {
      if (snapshot) response.write(eventText(snapshot));
      else response.end();
    });
    const stop = (): void => { handle.stop(); streams.delete(response); stoppers.delete(stop); response.end(); };
    stoppers.add(stop);
    request.once('close', stop);
    handle.done.then(stop, stop);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!isLoopbackHost(request.headers.host)) return sendJson(response, 403, { error: 'the dashboard answers loopback hosts only' });
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if ((request.method === 'GET' || request.method === 'HEAD') && !path.startsWith('/api/')) {
      if (assets.serve(path, response, request.method === 'HEAD')) return;
    }
    if (request.method !== 'GET' && isForeignOrigin(request)) return sendJson(response, 403, { error: 'requests from other sites are refused' });
    if (!isAuthorized(request, token)) return sendJson(response, 401, { error: 'missing or wrong token (open the address `kcanary dashboard` printed)' });

    if (request.method === 'GET' && path === '/api/v1/info') {
      return sendJson(response, 200, { kind: 'cluster', context: options.context, namespace: canaries.namespace } satisfies ServerInfo);
    }
    if (request.method === 'GET' && path === '/api/v1/canaries') {
      const namespace = url.searchParams.get('namespace') ?? canaries.namespace;
      return sendJson(response, 200, { context: options.context, namespace, items: await canaries.list(namespace) });
    }
    const match = CANARY_PATH.exec(path);
    if (match) {
      const [, namespace, name, what] = match as unknown as [string, string, string, string];
      if (request.method === 'GET' && what === 'status') return sendJson(response, 200, await canaries.snapshot(namespace, name));
      if (request.method === 'GET' && what === 'events') return follow(namespace, name, request, response);
      if (request.method === 'GET' && what === 'metrics') return sendJson(response, 404, { error: 'live metrics come from the cluster\'s own monitoring, not this dashboard' });
      if (request.method === 'POST' && what === 'commands') {
        const command = await readCommand(request);
        if (typeof command === 'string') return sendJson(response, 400, { error: command });
        const result = await canaries.request(namespace, name, command);
        return sendJson(response, result.ok ? 200 : 409, result);
      }
    }
    return sendJson(response, 404, { error: `no such endpoint: ${request.method} ${path}` });
  }

  const url = await listenLocal(server, options);
  return {
    url,
    async close() {
      clearInterval(keepAlive);
      for (const stop of [...stoppers]) stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
