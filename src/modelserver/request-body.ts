/**
 * Reads a request body up to a size limit. A body over the limit is drained
 * (not answered mid-upload, which would make clients see a reset instead of
 * the 413) unless it goes on far past the limit, then the connection is cut.
 */
import type { IncomingMessage } from 'node:http';
import { HttpStatus, ProtocolError } from './protocol-error.js';

const DRAIN_ALLOWANCE = 64 * 1024 * 1024;

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): ProtocolError =>
      new ProtocolError(HttpStatus.PayloadTooLarge, `request body larger than ${maxBytes} bytes`);
    const declared = Number(req.headers['content-length']);
    let received = 0;
    let overLimit = Number.isFinite(declared) && declared > maxBytes;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) overLimit = true;
      if (overLimit) {
        chunks.length = 0;
        if (received > maxBytes + DRAIN_ALLOWANCE) {
          req.socket.destroy();
          reject(tooLarge());
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (overLimit ? reject(tooLarge()) : resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
    req.on('error', reject);
  });
}
