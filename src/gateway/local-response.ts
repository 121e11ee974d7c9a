/** Responses the gateway writes itself: JSON errors and the metrics page. */
import { STATUS_CODES } from 'node:http';

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
