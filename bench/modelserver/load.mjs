// A closed-loop HTTP load generator: `concurrency` keep-alive connections, each
// sending the next request as soon as the last one is answered, for a fixed time.
import { Agent, request } from 'node:http';

function post(agent, url, body) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

/**
 * Returns { requests, errors, seconds, latenciesMs (sorted) } of the measured
 * window; the warm-up requests are sent but not counted.
 */
export async function runLoad({ url, body, concurrency, warmupMs, durationMs }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = Buffer.from(body);
  const latencies = [];
  let errors = 0;
  const start = process.hrtime.bigint();
  const measureFrom = start + BigInt(warmupMs) * 1_000_000n;
  const stopAt = measureFrom + BigInt(durationMs) * 1_000_000n;
  const worker = async () => {
    for (;;) {
      const sent = process.hrtime.bigint();
      if (sent >= stopAt) return;
      const ok = await post(agent, url, payload);
      if (sent < measureFrom) continue;
      if (!ok) errors++;
      latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds: durationMs / 1000, latenciesMs: latencies };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
