/**
 * Sends CloudEvents as KServe's agent does (pkg/logger/handler.go and
 * worker.go): for each request a `...inference.request` event and, for a 200,
 * a `...inference.response` event with the same id; binary mode; ce-source
 * the pod's name; extensions inferenceservicename, namespace, component,
 * endpoint, metadata (JSON of the listed request headers under Go's
 * canonical names, each to its values), recordedtime; the payload as the body
 * with the request's Content-Type. Built with the CloudEvents SDK.
 */
import { randomUUID } from 'node:crypto';
import { CloudEvent, HTTP } from 'cloudevents';
import { INFERENCE_REQUEST, INFERENCE_RESPONSE } from '../kserve-event.js';

export interface LoggedInference {
  /** The logger URL (the collector). */
  readonly url: string;
  readonly pod: string;
  readonly inferenceService: string;
  readonly namespace: string;
  readonly requestBody: string;
  readonly responseBody: string;
  /** The response's HTTP status: only a 200 is logged. */
  readonly status?: number;
  /** The request's Ce-Id header, else a fresh UUID. */
  readonly ceId?: string;
  /** The request headers the logger's metadataHeaders lists, by their canonical names. */
  readonly metadata?: Readonly<Record<string, readonly string[]>>;
  readonly contentType?: string;
  readonly endpoint?: string;
}

export function agentEvent(options: LoggedInference, kind: 'request' | 'response', id: string): CloudEvent<string> {
  const now = new Date().toISOString();
  return new CloudEvent<string>({
    specversion: '1.0',
    id,
    type: kind === 'request' ? INFERENCE_REQUEST : INFERENCE_RESPONSE,
    source: options.pod,
    time: now,
    recordedtime: now,
    inferenceservicename: options.inferenceService,
    namespace: options.namespace,
    component: 'predictor',
    endpoint: options.endpoint ?? '',
    metadata: JSON.stringify(options.metadata ?? {}),
    datacontenttype: options.contentType ?? 'application/json',
    data: kind === 'request' ? options.requestBody : options.responseBody,
  }, false);
}

/** POSTs one event; the collector's status code. */
export async function postEvent(url: string, event: CloudEvent<string>, fetchImpl: typeof fetch = fetch): Promise<number> {
  const message = HTTP.binary(event);
  const response = await fetchImpl(url, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
  await response.arrayBuffer();
  return response.status;
}

/** Logs one inference as the agent would: the request, then the response if it was a 200. */
export async function logInference(options: LoggedInference): Promise<number[]> {
  const id = options.ceId ?? randomUUID();
  const statuses = [await postEvent(options.url, agentEvent(options, 'request', id))];
  if ((options.status ?? 200) === 200) statuses.push(await postEvent(options.url, agentEvent(options, 'response', id)));
  return statuses;
}
