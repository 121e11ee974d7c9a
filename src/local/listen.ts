import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens (127.0.0.1 and an ephemeral port unless told otherwise) and returns the loopback URL. */
export async function listenLocal(server: Server, options: { host?: string | undefined; port?: number | undefined }): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
