// Runs wrk (Debian package `wrk`) and reads its summary: requests/s, p50, p99.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The wrk binary; installs the Debian package when running as root and it is missing. */
export function findWrk() {
  if (existsSync('/usr/bin/wrk')) return '/usr/bin/wrk';
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    process.stderr.write('installing wrk (apt-get install wrk) …\n');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'wrk'], { stdio: 'ignore', env });
    if (existsSync('/usr/bin/wrk')) return '/usr/bin/wrk';
  }
  return undefined;
}

const UNIT_US = { us: 1, ms: 1000, s: 1e6 };

function toMicros(text) {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text);
  return match ? Number(match[1]) * UNIT_US[match[2]] : NaN;
}

/** One wrk run; resolves { requests, seconds, rps, p50Us, p99Us, errors }. */
export function runWrk(binary, url, concurrency, seconds) {
  return new Promise((resolve, reject) => {
    const args = ['-t1', `-c${concurrency}`, `-d${seconds}s`, '--latency', '-s', join(here, 'post.lua'), url];
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}:\n${out}`));
      const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
      const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + [...out.matchAll(/(?:connect|read|write|timeout) (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      resolve({
        requests,
        seconds,
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
        p50Us: toMicros(/\n\s+50%\s+(\S+)/.exec(out)?.[1] ?? ''),
        p99Us: toMicros(/\n\s+99%\s+(\S+)/.exec(out)?.[1] ?? ''),
        errors,
      });
    });
  });
}
