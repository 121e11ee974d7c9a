/**
 * The HTTP endpoint KServe's inference logger posts to: each POST is one
 * CloudEvent in binary mode, read with the CloudEvents SDK. 202 when taken,
 * 403 when no ModelCanary manages the InferenceService, 400 when it is no
 * inference event, 413 past the body limit. GET /stats shows the counters.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HTTP } from 'cloudevents';
import { readLoggedEvent } from './kserve-event.js';
import type { PredictionCollector } from './prediction-collector.js';

export const COLLECTOR_PORT = 8090;
/** KServe answers of a few thousand instances fit; larger bodies are refused unread. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface CollectorServerOptions {
  readonly collector: PredictionCollector;
  readonly host?: string;
  readonly port?: number;
  readonly clock?: () => number;
  readonly log?: (message: string) => void;
}

export interface CollectorServer {
  readonly url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(`${text}\n`);
}

async function handle(req: IncomingMessage, res: ServerResponse, options: CollectorServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(options.collector.stats()));
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST CloudEvents here\n');
    return;
  }
  const body = await readBody(req);
  if (body === undefined) return reply(res, 413, `body over ${MAX_BODY_BYTES} bytes`);
  let read;
  try {
    read = readLoggedEvent(HTTP.toEvent({ headers: req.headers, body: body.toString('utf8') }) as never);
  } catch (error) {
    return reply(res, 400, `not a CloudEvent: ${(error as Error).message}`);
  }
  if (!read.ok) return reply(res, 400, read.reason);
  const taken = options.collector.accept(read.event, (options.clock ?? Date.now)());
  if (!taken) return reply(res, 403, `no ModelCanary manages InferenceService ${read.event.namespace}/${read.event.inferenceService}`);
  res.writeHead(202).end();
}

export async function startCollectorServer(options: CollectorServerOptions): Promise<CollectorServer> {
  const server: Server = createServer((req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      options.log?.(`prediction collector: ${(error as Error).message}`);
      if (!res.headersSent) reply(res, 500, 'internal error');
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
