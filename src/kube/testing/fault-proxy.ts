/**
 * A forwarding proxy in front of a real API server, for tests of failures in
 * the middle of a step: it can run a competing write before forwarding a
 * request (so the server itself answers 409), or forward a request and then
 * drop the connection instead of answering (the write happened, the answer
 * was lost). Plain HTTP in front, HTTPS to the server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

/** `forward`: pass through; `drop-response`: forward, then cut the connection without answering. */
export type ProxyAction = 'forward' | 'drop-response';

export interface FaultProxy {
  readonly url: string;
  /** Every request seen, in order. */
  readonly requests: readonly ProxiedRequest[];
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, decide: (request: ProxiedRequest) => ProxyAction | Promise<ProxyAction>): Promise<FaultProxy> {
  const requests: ProxiedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? 'GET', path: req.url ?? '/', body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      void Promise.resolve(decide(seen)).then((action) => {
        const headers = { ...req.headers, host: new URL(target).host };
        const upstream = httpsRequest(new URL(seen.path, target), { method: seen.method, headers, rejectUnauthorized: false }, (answer) => {
          if (action === 'drop-response') {
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => req.socket.destroy());
        upstream.end(chunks.length ? Buffer.concat(chunks) : undefined);
      }, () => req.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
