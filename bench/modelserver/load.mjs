// A closed-loop HTTP/1.1 load generator: `concurrency` keep-alive connections,
// each sending the next request as soon as the last answer is complete, for a
// fixed time. It writes prebuilt request bytes on raw sockets and reads only the
// status line and content-length, so that the client takes as little of the
// shared CPU as it can from the server under test.
import { connect } from 'node:net';

function openConnection(host, port) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends one request and resolves with the status code when the whole response is in. */
function exchange(socket, requestBytes) {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const headerEnd = buffered.indexOf('\r\n\r\n');
      if (headerEnd === -1) return;
      const head = buffered.subarray(0, headerEnd).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
      if (!Number.isFinite(length)) return done(new Error(`response without content-length: ${head.slice(0, 80)}`));
      if (buffered.length < headerEnd + 4 + length) return;
      done(null, Number(head.slice(9, 12)));
    };
    const onError = (error) => done(error ?? new Error('connection closed'));
    const done = (error, status) => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onError);
      if (error) reject(error);
      else resolve(status);
    };
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onError);
    socket.write(requestBytes);
  });
}

/**
 * Returns { requests, errors, seconds, latenciesMs (sorted) } of the measured
 * window; the warm-up requests are sent but not counted.
 */
export async function runLoad({ url, body, concurrency, warmupMs, durationMs }) {
  const { hostname, port, pathname } = new URL(url);
  const payload = Buffer.from(body);
  const requestBytes = Buffer.concat([
    Buffer.from(`POST ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${payload.length}\r\n\r\n`),
    payload,
  ]);
  const latencies = [];
  let errors = 0;
  const start = process.hrtime.bigint();
  const measureFrom = start + BigInt(warmupMs) * 1_000_000n;
  const stopAt = measureFrom + BigInt(durationMs) * 1_000_000n;
  const worker = async () => {
    let socket = await openConnection(hostname, Number(port));
    for (;;) {
      const sent = process.hrtime.bigint();
      if (sent >= stopAt) break;
      let ok = false;
      try {
        ok = (await exchange(socket, requestBytes)) === 200;
      } catch {
        socket.destroy();
        socket = await openConnection(hostname, Number(port));
      }
      if (sent < measureFrom) continue;
      if (!ok) errors++;
      latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
    }
    socket.destroy();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds: durationMs / 1000, latenciesMs: latencies };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
