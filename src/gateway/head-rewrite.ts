/** The heads the gateway writes: requests to an upstream, answers to a client. */
import type { Socket } from 'node:net';
import type { RequestHead, ResponseHead } from './http-head.js';

/** Bodies up to this size travel in the same write as their head (one syscall, no writev). */
const INLINE_BODY_BYTES = 16 * 1024;

/**
 * The request head sent upstream: Host is the upstream's own, the client's goes in x-forwarded-host.
 * The framing the gateway read the body with is written last, whatever the client's Connection named.
 */
export function upstreamRequestHead(head: RequestHead, authority: string, clientAddress: string): string {
  const xff = head.forwardedFor === undefined ? clientAddress : `${head.forwardedFor}, ${clientAddress}`;
  return (
    `${head.method} ${head.target} HTTP/1.1\r\nhost: ${authority}\r\n${head.forward}` +
    `x-forwarded-for: ${xff}\r\nx-forwarded-proto: http\r\n${head.host === '' ? '' : `x-forwarded-host: ${head.host}\r\n`}` +
    (head.chunked ? `transfer-encoding: ${head.transferEncoding}\r\n\r\n` : head.contentLength >= 0 ? `content-length: ${head.contentLength}\r\n\r\n` : '\r\n')
  );
}

export interface ClientFraming {
  /** The body is relayed with its chunk framing (else an HTTP/1.0 client gets it de-chunked). */
  chunked: boolean;
  /** The connection closes after this answer. */
  close: boolean;
  /** The client spoke HTTP/1.0 (keep-alive must then be said out loud). */
  http10: boolean;
}

/** The answer's head for the client, with the upstream's framing headers as the gateway read them. */
export function clientResponseHead(head: ResponseHead, variant: string, framing: ClientFraming): string {
  const dechunked = head.chunked && !framing.chunked;
  return (
    `HTTP/1.1 ${head.status} ${head.reason}\r\n${head.forward}x-kcanary-variant: ${variant}\r\n` +
    (head.transferEncoding !== '' && !dechunked ? `transfer-encoding: ${head.transferEncoding}\r\n` : '') +
    (head.contentLength >= 0 ? `content-length: ${head.contentLength}\r\n` : '') +
    (framing.close ? 'connection: close\r\n\r\n' : framing.http10 ? 'connection: keep-alive\r\n\r\n' : '\r\n')
  );
}

/** Writes a head and the body bytes `buf[start..end)`, as one write when the body is small. */
export function writeHeadAndBody(socket: Socket, head: string, buf: Buffer, start: number, end: number): boolean {
  if (end - start <= INLINE_BODY_BYTES) return socket.write(end > start ? head + buf.toString('latin1', start, end) : head, 'latin1');
  socket.cork();
  socket.write(head, 'latin1');
  const ok = socket.write(buf.subarray(start, end));
  socket.uncork();
  return ok;
}
