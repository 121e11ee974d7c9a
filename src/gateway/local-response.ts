/** Responses the gateway writes itself: JSON errors and the metrics page. */
import { STATUS_CODES } from 'node:http';
import type { RequestHead } from './http-head.js';
import { Route } from './routing.js';

export const JSON_TYPE = 'application/json';
export const METRICS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A full response (head and body) as one string, ready for one write. */
export function localResponse(options: { status: number; variant: string; contentType: string; body: string; close: boolean; omitBody?: boolean }): string {
  const { status, variant, contentType, body, close } = options;
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    `content-type: ${contentType}\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `x-kcanary-variant: ${variant}\r\n` +
    (close ? 'connection: close\r\n' : '') +
    `\r\n${options.omitBody ? '' : body}`
  );
}

export function jsonError(message: string): string {
  return JSON.stringify({ error: message });
}

/** The answer to a request the gateway serves itself: /metrics, a bad override, no canary. */
export function localAnswer(route: Route, head: RequestHead, close: boolean, source: { metricsText(): string }): string {
  if (route === Route.Metrics) {
    return localResponse({ status: 200, variant: 'gateway', contentType: METRICS_TYPE, body: source.metricsText(), close, omitBody: head.method === 'HEAD' });
  }
  if (route === Route.BadVariantHeader) {
    return localResponse({ status: 400, variant: 'gateway', contentType: JSON_TYPE, body: jsonError('x-kcanary-variant must be "primary" or "canary"'), close });
  }
  return localResponse({ status: 503, variant: 'canary', contentType: JSON_TYPE, body: jsonError('no canary upstream is configured'), close });
}
