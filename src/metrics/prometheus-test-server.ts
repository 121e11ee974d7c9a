/**
 * For tests and benchmarks: a real Prometheus (Debian's package, installed by
 * scripts/setup-test-deps.sh) on 127.0.0.1 with a temp config and storage,
 * scraping a target the caller controls at a short interval, and that target:
 * an HTTP server exposing counters and histograms in the text format.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export function prometheusBinary(): string | undefined {
  for (const path of [process.env.KCANARY_PROMETHEUS, '/usr/bin/prometheus', '/usr/local/bin/prometheus']) if (path && existsSync(path)) return path;
  return undefined;
}

/** Series the target exposes: `name{labels} value`, set by the caller. */
export class MetricsTarget {
  private readonly series = new Map<string, { name: string; labels: string; value: number; type: string; timestampMs?: number }>();
  private server: Server | undefined;
  url = '';

  /** With `timestampMs`, the sample carries it (Prometheus honours exposed timestamps): a test can replay any scrape schedule. */
  set(name: string, labels: Record<string, string>, value: number, type = 'counter', timestampMs?: number): void {
    const text = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',');
    this.series.set(`${name}{${text}}`, { name, labels: text, value, type, ...(timestampMs === undefined ? {} : { timestampMs }) });
  }

  add(name: string, labels: Record<string, string>, delta: number): void {
    const text = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
    const current = this.series.get(`${name}{${text}}`)?.value ?? 0;
    this.set(name, labels, current + delta);
  }

  /** A histogram's cumulative buckets (`le` in the metric's unit), its count and sum. */
  setHistogram(name: string, labels: Record<string, string>, buckets: readonly [string, number][]): void {
    for (const [le, count] of buckets) this.set(`${name}_bucket`, { ...labels, le }, count, 'histogram');
    const total = buckets.find(([le]) => le === '+Inf')?.[1] ?? 0;
    this.set(`${name}_count`, labels, total, 'histogram');
    this.set(`${name}_sum`, labels, 0, 'histogram');
  }

  text(): string {
    const lines: string[] = [];
    const typed = new Set<string>();
    for (const s of this.series.values()) {
      const family = s.type === 'histogram' ? s.name.replace(/_(bucket|count|sum)$/, '') : s.name;
      if (!typed.has(family)) { lines.push(`# TYPE ${family} ${s.type}`); typed.add(family); }
      lines.push(`${s.name}{${s.labels}} ${s.value}${s.timestampMs === undefined ? '' : ` ${Math.round(s.timestampMs)}`}`);
    }
    return `${lines.join('\n')}\n`;
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(this.text());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    this.url = `127.0.0.1:${address.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export interface TestPrometheus {
  readonly address: string;
  /** Waits until the target has been scraped `scrapes` more times. */
  waitForScrapes(scrapes?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheus(target: string, options: { scrapeIntervalMs?: number } = {}): Promise<TestPrometheus> {
  const binary = prometheusBinary();
  if (!binary) throw new Error('prometheus not found: run scripts/setup-test-deps.sh (Debian package prometheus)');
  const interval = options.scrapeIntervalMs ?? 200;
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kcanary-prom-'));
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global:',
    `  scrape_interval: ${interval}ms`,
    `  scrape_timeout: ${interval}ms`,
    'scrape_configs:',
    '  - job_name: target',
    '    static_configs:',
    `      - targets: ['${target}']`,
    '',
  ].join('\n'));
  const port = await freePort();
  const log = join(dir, 'prometheus.log');
  const child: ChildProcess = spawn(binary, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr?.on('data', (c: Buffer) => stderr.push(c));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const address = `http://127.0.0.1:${port}`;
  const scrapes = async (): Promise<number> => {
    const response = await fetch(`${address}/api/v1/query?query=${encodeURIComponent('count_over_time(up{job="target"}[1h])')}`).catch(() => undefined);
    if (!response?.ok) return -1;
    const body = await response.json() as { data: { result: { value: [number, string] }[] } };
    return body.data.result.reduce((sum, r) => sum + Number(r.value[1]), 0);
  };
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGKILL'); });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const upQuery = `${address}/api/v1/query?query=${encodeURIComponent('up{job="target"}')}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) {
      const text = Buffer.concat(stderr).toString().slice(-2000) || (existsSync(log) ? readFileSync(log, 'utf8') : '');
      await stop();
      throw new Error(`prometheus exited (${child.exitCode}): ${text}`);
    }
    const response = await fetch(upQuery).catch(() => undefined);
    if (response?.ok) {
      const body = await response.json() as { data: { result: { value: [number, string] }[] } };
      if (body.data.result[0]?.value[1] === '1') break;
    }
    if (i > 300) { await stop(); throw new Error('prometheus did not scrape its target within 30 s'); }
    await sleep(100);
  }
  return {
    address,
    async waitForScrapes(count = 2) {
      const start = await scrapes();
      for (let i = 0; i < 400; i++) {
        await sleep(interval / 2);
        if ((await scrapes()) >= start + count) return;
      }
    },
    stop,
  };
}
