/**
 * A CloudEvent from KServe's inference logger (the agent beside each
 * predictor, pkg/logger/worker.go), read into what the collector needs:
 *
 *   ce-type    org.kubeflow.serving.inference.request | .response
 *   ce-id      the request's Ce-Id header or a fresh UUID: the same on a request and its response
 *   ce-source  the pod's name (it starts with the revision or predictor name)
 *   ce-inferenceservicename, ce-namespace, ce-component, ce-endpoint
 *   ce-metadata  JSON of the listed request headers, each to its values (Go's canonical names: X-Request-Id)
 *
 * The body is the request or the response payload, with the request's
 * Content-Type; only a response's predictions are kept.
 */
import type { CloudEvent } from 'cloudevents';
import type { Answer } from '../core/analysis/index.js';
import { parseAnswer } from './answer-parser.js';

export const INFERENCE_REQUEST = 'org.kubeflow.serving.inference.request';
export const INFERENCE_RESPONSE = 'org.kubeflow.serving.inference.response';

export interface LoggedEvent {
  readonly kind: 'request' | 'response';
  readonly id: string;
  readonly source: string;
  readonly inferenceService: string;
  readonly namespace: string;
  /** The request's X-Request-Id (mirrored copies carry the original's). */
  readonly requestId?: string;
  /** The request's x-kcanary-variant header: it was routed by header, not by the split. */
  readonly variantHeader?: string;
  /** A response's predictions; undefined when the payload is no KServe answer. */
  readonly answer?: Answer;
}

export type ReadResult = { readonly ok: true; readonly event: LoggedEvent } | { readonly ok: false; readonly reason: string };

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The first value of a header in ce-metadata, whatever its case. */
function metadataValue(metadata: Record<string, unknown>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, values] of Object.entries(metadata)) {
    if (key.toLowerCase() !== wanted) continue;
    const first: unknown = Array.isArray(values) ? values[0] : values;
    return text(first);
  }
  return undefined;
}

function parseMetadata(value: unknown): Record<string, unknown> {
  if (typeof value !== 'string' || value === '') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function readLoggedEvent(event: CloudEvent<unknown>): ReadResult {
  const kind = event.type === INFERENCE_REQUEST ? 'request' : event.type === INFERENCE_RESPONSE ? 'response' : undefined;
  if (!kind) return { ok: false, reason: `not an inference event: ce-type ${String(event.type)}` };
  const fields = event as unknown as Record<string, unknown>;
  const inferenceService = text(fields.inferenceservicename);
  const namespace = text(fields.namespace);
  const id = text(event.id);
  if (!inferenceService || !namespace || !id) return { ok: false, reason: 'missing ce-id, ce-inferenceservicename or ce-namespace' };
  const metadata = parseMetadata(fields.metadata);
  const requestId = metadataValue(metadata, 'X-Request-Id');
  const variantHeader = metadataValue(metadata, 'X-Kcanary-Variant');
  const answer = kind === 'response' ? parseAnswer(event.data) : undefined;
  return {
    ok: true,
    event: {
      kind, id, source: text(event.source) ?? '', inferenceService, namespace,
      ...(requestId ? { requestId } : {}),
      ...(variantHeader ? { variantHeader } : {}),
      ...(answer ? { answer } : {}),
    },
  };
}
