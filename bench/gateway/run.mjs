// Gateway benchmark: requests/s, added latency (p50, p99) and CPU per request
// for calling the model server directly, through the kcanary gateway, through
// a byte-copying node:net pipe (the floor for a Node proxy) and through nginx,
// at concurrency 1 and 64. Loopback only, bounded in time.
// Run with `npm run bench:gateway` (builds first). Env: BENCH_SECONDS (default 2), BENCH_ROUNDS (default 3),
// BENCH_MAX_REQUESTS (default 1000000, Node load generator only), BENCH_CONCURRENCY
// (default "1,64"), BENCH_LOAD=wrk|node (default wrk when it is installed or installable).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findNginx, startNginx } from './nginx.mjs';
import { findWrk, runWrk } from './wrk.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
// Targets take turns, round after round, and each figure is the median over the
// rounds: on a shared machine this keeps a burst of outside load from deciding.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MAX_REQUESTS = Number(process.env.BENCH_MAX_REQUESTS ?? 1_000_000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,64').split(',').map(Number);
const CANARY_WEIGHT = 20;
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

const children = [];
function run(script, args) {
  const child = spawn(process.execPath, [join(here, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
}

/** Resolves the first stdout line that parses as JSON; `onLine` sees the others. */
function jsonLine(child, onLine = () => {}) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line));
      else onLine(line);
    });
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code}`)));
  });
}

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND; // utime + stime
}

async function waitForPort(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(socket.destroy() || true));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on port ${port}`);
}

const wrk = process.env.BENCH_LOAD === 'node' ? undefined : findWrk();

async function measure(url, concurrency, pid) {
  if (wrk) {
    await runWrk(wrk, url, concurrency, 1); // warm-up
    const cpuStart = pid ? cpuSeconds(pid) : NaN;
    const result = await runWrk(wrk, url, concurrency, SECONDS);
    const cpu = pid ? cpuSeconds(pid) - cpuStart : NaN;
    return { ...result, cpuUsPerRequest: (cpu * 1e6) / result.requests };
  }
  const load = run('load.mjs', [url, String(concurrency), String(SECONDS), String(MAX_REQUESTS)]);
  let cpuStart = NaN;
  const result = await jsonLine(load, (line) => {
    if (line === 'measuring' && pid) cpuStart = cpuSeconds(pid);
  });
  const cpu = pid ? cpuSeconds(pid) - cpuStart : NaN;
  return { ...result, cpuUsPerRequest: (cpu * 1e6) / result.requests };
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const upstream = run('upstream.mjs', ['0', '0']);
const { ports: [primaryPort, canaryPort] } = await jsonLine(upstream);
const gatewayChild = run('gateway-process.mjs', [`http://127.0.0.1:${primaryPort}`, `http://127.0.0.1:${canaryPort}`, String(CANARY_WEIGHT)]);
const { url: gatewayUrl } = await jsonLine(gatewayChild);

const pipeChild = run('pipe-proxy.mjs', [String(primaryPort)]);
const { url: pipeUrl } = await jsonLine(pipeChild);

const targets = [
  { name: 'direct', url: `http://127.0.0.1:${primaryPort}`, pid: undefined },
  { name: 'kcanary', url: gatewayUrl, pid: gatewayChild.pid },
  { name: 'node-pipe', url: pipeUrl, pid: pipeChild.pid },
];
const nginxBinary = findNginx();
const nginxDir = join(tmpdir(), `kcanary-bench-nginx-${process.pid}`);
if (nginxBinary) {
  const port = await freePort();
  const nginx = startNginx(nginxBinary, { dir: nginxDir, port, primaryPort, canaryPort, canaryWeight: CANARY_WEIGHT });
  children.push(nginx);
  await waitForPort(port);
  targets.push({ name: 'nginx', url: `http://127.0.0.1:${port}`, pid: nginx.pid });
} else {
  process.stderr.write('nginx not found (Debian: apt-get install nginx); measuring without it\n');
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const loadAtStart = loadavg()[0].toFixed(1);
const results = [];
try {
  for (const concurrency of CONCURRENCY) {
    const rounds = new Map(targets.map((t) => [t.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const target of targets) {
        process.stderr.write(`c=${concurrency} round ${round}/${ROUNDS}: ${target.name} …\n`);
        rounds.get(target.name).push(await measure(target.url, concurrency, target.pid));
      }
    }
    for (const target of targets) {
      const runs = rounds.get(target.name);
      const pick = (key) => median(runs.map((r) => r[key]));
      results.push({ target: target.name, concurrency, rps: pick('rps'), p50Us: pick('p50Us'), p99Us: pick('p99Us'), cpuUsPerRequest: pick('cpuUsPerRequest'), errors: runs.reduce((n, r) => n + r.errors, 0) });
    }
  }
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => once(c, 'exit')));
  rmSync(nginxDir, { recursive: true, force: true });
}

const find = (target, concurrency) => results.find((r) => r.target === target && r.concurrency === concurrency);
const rows = results.map((r) => {
  const direct = find('direct', r.concurrency);
  const nginx = find('nginx', r.concurrency);
  const added = (q) => (r.target === 'direct' ? '' : (r[q] - direct[q]).toFixed(0));
  return {
    target: r.target,
    conc: String(r.concurrency),
    'req/s': r.rps.toFixed(0),
    'p50 µs': r.p50Us.toFixed(0),
    'p99 µs': r.p99Us.toFixed(0),
    'added p50 µs': added('p50Us'),
    'added p99 µs': added('p99Us'),
    'CPU µs/req': Number.isNaN(r.cpuUsPerRequest) ? '' : r.cpuUsPerRequest.toFixed(1),
    'vs nginx': nginx && r.target !== 'direct' ? `${(r.rps / nginx.rps).toFixed(2)}×` : '',
    errors: String(r.errors),
  };
});
const columns = Object.keys(rows[0]);
const width = columns.map((c) => Math.max(c.length, ...rows.map((row) => row[c].length)));
const line = (cells) => cells.map((cell, i) => cell.padStart(width[i])).join('  ');
process.stdout.write(`${line(columns)}\n${rows.map((row) => line(columns.map((c) => row[c]))).join('\n')}\n`);
process.stdout.write(`(median of ${ROUNDS} rounds of ${SECONDS}s, each after a warm-up; load: ${wrk ? 'wrk -t1' : 'node load.mjs'}; canary weight ${CANARY_WEIGHT}%; nginx: 1 process, upstream keep-alive; load average at start ${loadAtStart})\n`);
