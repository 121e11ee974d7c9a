/**
 * The built-in model server: one ONNX model behind KServe's V1 and Open
 * Inference (V2) REST protocols, for rollouts on one machine with no cluster.
 */
import type { AddressInfo } from 'node:net';
import { ErrorCode, KcanaryError } from '../errors.js';
import { createModelHttpServer } from './http-server.js';
import { loadOnnxModel } from './onnx-model.js';
import { resolveModelFile } from './storage-uri.js';

export interface ModelServerOptions {
  /** file:// URI or path of an .onnx file, or of a directory holding one (model.onnx preferred). */
  storageUri: string;
  /** The name in /v1/models/<name> and /v2/models/<name>. */
  modelName: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port (read it back from `url`). */
  port?: number;
  /** Default 16 MiB; larger bodies get 413. */
  maxBodyBytes?: number;
  /** Reported in V2 model metadata; default "1". */
  modelVersion?: string;
  /** Threads inside one operator; default 1, best for small models. */
  intraOpThreads?: number;
  /** Base for relative paths in storageUri; default process.cwd(). */
  cwd?: string;
  /** Called with unexpected errors (answered as 500s). */
  onError?: (error: unknown) => void;
}

export interface ModelServer {
  readonly url: string;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const CLOSE_GRACE_MS = 2000;

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const path = resolveModelFile(options.storageUri, { cwd: options.cwd ?? process.cwd(), field: 'storageUri' });
  let model;
  try {
    model = await loadOnnxModel(path, { intraOpThreads: options.intraOpThreads });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KcanaryError(ErrorCode.Validation, `storageUri: "${options.storageUri}": ${reason}`, { cause: error });
  }
  const server = createModelHttpServer({
    served: { name: options.modelName, version: options.modelVersion ?? '1', model },
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    onError: options.onError,
  });
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await model.release();
    const reason = error instanceof Error ? error.message : String(error);
    throw new KcanaryError(ErrorCode.Validation, `port: cannot listen on ${host}:${options.port ?? 0} (${reason})`, { cause: error });
  }
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Requests in flight get a moment to finish; then every connection goes.
          setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
        });
        await model.release();
      })();
      return closing;
    },
  };
}
