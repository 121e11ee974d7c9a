/**
 * node:http front of the model server: routes a request, answers JSON, and
 * turns every failure into a JSON error for that request alone.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HttpStatus, invalidInput, ProtocolError } from './protocol-error.js';
import { readBody } from './request-body.js';
import { createRoutes, matchRoute, type ServedModel } from './routes.js';

export interface HttpServerOptions {
  readonly served: ServedModel;
  readonly maxBodyBytes: number;
  /** Where unexpected failures are reported (they are also answered as 500s). */
  readonly onError?: (error: unknown) => void;
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function parseJson(buffer: Buffer): unknown {
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch (error) {
    // KServe's wording for a body it cannot decode.
    throw invalidInput(`Unrecognized request format: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function createModelHttpServer(options: HttpServerOptions): Server {
  const routes = createRoutes(options.served);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    let bodyRead = false;
    try {
      const { route, params } = matchRoute(routes, req.method ?? 'GET', path);
      const body = async (): Promise<unknown> => {
        bodyRead = true;
        return parseJson(await readBody(req, options.maxBodyBytes));
      };
      send(res, 200, await route.handle(params, body));
    } catch (error) {
      if (!(error instanceof ProtocolError) || error.status === HttpStatus.InternalServerError) options.onError?.(error);
      const status = error instanceof ProtocolError ? error.status : HttpStatus.InternalServerError;
      const message = error instanceof Error ? error.message : String(error);
      if (res.headersSent || res.destroyed) return;
      send(res, status, { error: message });
    } finally {
      if (!bodyRead) req.resume(); // unread bodies must still be drained for keep-alive to work
    }
  };
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.onError?.(error);
      res.destroy();
    });
  });
  server.on('clientError', (error, socket) => {
    // Malformed HTTP: answer 400 if the socket still can, never throw.
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy(error);
  });
  return server;
}
