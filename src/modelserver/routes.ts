/**
 * The REST routes of KServe's model servers (kserve/protocol/rest): V1
 * `/v1/models...` and Open Inference Protocol `/v2...`, for the one model served.
 */
import type { OnnxModel } from './onnx-model.js';
import { HttpStatus, invalidInput, modelNotFound, ProtocolError } from './protocol-error.js';
import { decodeV1Request, encodeV1Response } from './v1-protocol.js';
import { decodeV2Request, encodeV2Response, modelMetadata } from './v2-protocol.js';

export interface ServedModel {
  readonly name: string;
  readonly version: string;
  readonly model: OnnxModel;
}

/** What a route answers: a JSON body with status 200. Errors are thrown as ProtocolError. */
type Handler = (params: { name?: string; version?: string }, body: () => Promise<unknown>) => Promise<unknown> | unknown;

interface Route {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly handle: Handler;
}

const SERVER_NAME = 'kcanary';
const SERVER_VERSION = '0.1.0';

export function createRoutes(served: ServedModel): readonly Route[] {
  const lookup = (params: { name?: string; version?: string }): OnnxModel => {
    if (params.name !== served.name) throw modelNotFound(params.name ?? '');
    if (params.version !== undefined && params.version !== served.version) {
      throw new ProtocolError(HttpStatus.NotFound, `Model with name ${params.name} and version ${params.version} does not exist.`);
    }
    return served.model;
  };
  const ready = (params: { name?: string; version?: string }): object => {
    lookup(params);
    return { name: served.name, ready: true };
  };
  // Optional `/versions/<v>` segment of the V2 paths.
  const v2 = (suffix: string): RegExp => new RegExp(`^/v2/models/(?<name>[^/]+)(?:/versions/(?<version>[^/]+))?${suffix}$`);
  return [
    { method: 'GET', pattern: /^\/$/, handle: () => ({ status: 'alive' }) },
    { method: 'GET', pattern: /^\/v1\/models$/, handle: () => ({ models: [served.name] }) },
    {
      method: 'POST',
      pattern: /^\/v1\/models\/(?<name>[^/]+):predict$/,
      handle: async (params, body) => {
        const model = lookup(params);
        const feeds = decodeV1Request(await body(), model);
        return encodeV1Response(await model.run(feeds), model);
      },
    },
    { method: 'GET', pattern: /^\/v1\/models\/(?<name>[^/]+)$/, handle: ready },
    // The spec writes the server metadata path as /v2/; clients also send /v2.
    { method: 'GET', pattern: /^\/v2\/?$/, handle: () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: [] }) },
    { method: 'GET', pattern: /^\/v2\/health\/live$/, handle: () => ({ live: true }) },
    { method: 'GET', pattern: /^\/v2\/health\/ready$/, handle: () => ({ ready: true }) },
    { method: 'GET', pattern: v2('/ready'), handle: ready },
    {
      method: 'POST',
      pattern: v2('/infer'),
      handle: async (params, body) => {
        const model = lookup(params);
        const request = decodeV2Request(await body(), model);
        const outputs = await model.run(request.feeds);
        return encodeV2Response({ modelName: served.name, id: request.id, outputNames: request.outputNames, outputs, model });
      },
    },
    { method: 'GET', pattern: v2(''), handle: (params) => (lookup(params), modelMetadata(served.name, served.version, served.model)) },
  ];
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: { name?: string; version?: string } } {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const decode = (value: string | undefined): string | undefined => {
      if (value === undefined) return undefined;
      try {
        return decodeURIComponent(value);
      } catch {
        throw invalidInput(`malformed percent-encoding in the path: ${value}`);
      }
    };
    return { route, params: { name: decode(match.groups?.name), version: decode(match.groups?.version) } };
  }
  if (pathMatched) throw new ProtocolError(HttpStatus.MethodNotAllowed, 'Method Not Allowed');
  throw new ProtocolError(HttpStatus.NotFound, 'Not Found');
}
