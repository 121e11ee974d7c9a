// Keep-alive load generator: `concurrency` connections, each sending one
// request after another, for a bounded time and count. Prints JSON:
// { requests, seconds, rps, p50Us, p99Us, errors }.
// Usage: node load.mjs <url> <concurrency> <seconds> <maxRequests> [warmupSeconds]
import net from 'node:net';

const [url, concurrencyArg, secondsArg, maxArg, warmupArg] = process.argv.slice(2);
const target = new URL(url);
const concurrency = Number(concurrencyArg);
const seconds = Number(secondsArg);
const maxRequests = Number(maxArg);
const warmup = Number(warmupArg ?? 0.5);
const BODY = '{"instances":[[6.8,2.8,4.8,1.4]]}';
const REQUEST = Buffer.from(`POST /v1/models/bench:predict HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY}`);
const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

const latencies = new Float64Array(Math.min(maxRequests, 5_000_000));
let count = 0;
let errors = 0;
let measuring = false;
let stopped = false;
let measureStart = 0;

function connection() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    let pending = null;
    let sentAt = 0;
    const send = () => {
      if (stopped) {
        socket.destroy();
        resolve();
        return;
      }
      sentAt = performance.now();
      socket.write(REQUEST);
    };
    socket.on('connect', send);
    socket.on('data', (chunk) => {
      let buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
      const end = buf.indexOf(HEAD_END);
      if (end === -1) {
        pending = buf;
        return;
      }
      const head = buf.toString('latin1', 0, end);
      const match = CONTENT_LENGTH.exec(head);
      const total = end + 4 + (match ? Number(match[1]) : 0);
      if (buf.length < total) {
        pending = buf;
        return;
      }
      pending = null;
      if (!head.startsWith('HTTP/1.1 200')) errors++;
      if (measuring && count < latencies.length) latencies[count++] = performance.now() - sentAt;
      if (count >= maxRequests) stopped = true;
      send();
    });
    socket.on('error', () => {
      errors++;
      resolve();
    });
  });
}

const all = Array.from({ length: concurrency }, connection);
setTimeout(() => {
  measuring = true;
  measureStart = performance.now();
  process.stdout.write('measuring\n'); // lets the caller sample CPU counters now
  setTimeout(() => {
    stopped = true;
  }, seconds * 1000);
}, warmup * 1000);
await Promise.all(all);
const elapsed = (performance.now() - measureStart) / 1000;
const sorted = latencies.slice(0, count).sort();
const pick = (q) => (count ? sorted[Math.min(count - 1, Math.floor(q * count))] * 1000 : NaN);
process.stdout.write(`${JSON.stringify({ requests: count, seconds: elapsed, rps: count / elapsed, p50Us: pick(0.5), p99Us: pick(0.99), errors })}\n`);
