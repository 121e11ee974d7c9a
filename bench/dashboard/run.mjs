/* global document -- the functions passed to waitForFunction run in the page */
// Dashboard benchmark: bundle size, time to a first full page, and how soon a
// command shows in an open page, against a real `kcanary up` in headless Chromium.
// Usage: npm run bench:dashboard [-- --rounds 20]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { stringify } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 20);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

const rows = [];
for (const name of ['app.js', 'app.css', 'index.html']) {
  const body = await readFile(join(root, 'dist', 'web', name));
  rows.push([`${name} size`, `${(body.length / 1024).toFixed(1)} KB (${(gzipSync(body).length / 1024).toFixed(1)} KB gzipped)`]);
}

const dir = await mkdtemp(join(tmpdir(), 'kcanary-bench-dashboard-'));
const file = join(dir, 'canary.yaml');
await writeFile(file, stringify({
  apiVersion: 'kcanary.io/v1alpha1', kind: 'ModelCanary', metadata: { name: 'bench' },
  spec: {
    router: 'local',
    predictor: { model: { storageUri: 'file://v1/ok' } }, canary: { storageUri: 'file://v2/ok' },
    rollout: { steps: [20, 50, 100], interval: '1h' },
    local: { gateway: { port: 0 }, command: [process.execPath, join(root, 'test', 'fixtures', 'tiny-model-server.mjs'), '--port', '{port}', '--name', '{modelName}', '--model', '{storageUri}'] },
  },
}));
const up = spawn(process.execPath, [join(root, 'bin', 'kcanary.js'), 'up', '-f', file, '--tick', '200ms'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
up.stdout.on('data', (d) => { out += d; });
const waitFor = async (re) => { for (;;) { const m = out.match(re); if (m) return m; await new Promise((r) => setTimeout(r, 20)); } };
const [, control, token] = await waitFor(/dashboard (http:\/\/127\.0\.0\.1:\d+)\/#token=([0-9a-f]+)/);
await waitFor(/Progressing\s+canary\s+20%/);

const browser = await chromium.launch({ executablePath: process.env.KCANARY_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
try {
  const loads = [];
  for (let i = 0; i < Math.min(rounds, 10); i++) {
    const page = await browser.newPage();
    const started = performance.now();
    await page.goto(`${control}/#token=${token}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="weight-canary"]')?.textContent === '20%' && document.querySelector('[data-testid="chart-rps"] canvas'));
    loads.push(performance.now() - started);
    await page.close();
  }
  rows.push(['navigation → split, phase and charts drawn', `median ${median(loads).toFixed(0)} ms, p90 ${p90(loads).toFixed(0)} ms (${loads.length} loads)`]);

  const page = await browser.newPage();
  await page.goto(`${control}/#token=${token}`);
  await page.waitForFunction(() => document.querySelector('[data-testid="weight-canary"]')?.textContent === '20%');
  const shown = [];
  for (let i = 0; i < rounds; i++) {
    const weight = 21 + (i % 70);
    const started = performance.now();
    const reply = await fetch(`${control}/api/v1/commands`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ type: 'set-weight', weight }) });
    if (!reply.ok) throw new Error(`set-weight ${weight}: ${reply.status}`);
    await page.waitForFunction((w) => document.querySelector('[data-testid="desired-weight"]')?.textContent === `${w}%`, weight, { polling: 'raf' });
    shown.push(performance.now() - started);
  }
  rows.push(['command by another client → shown in an open page', `median ${median(shown).toFixed(1)} ms, p90 ${p90(shown).toFixed(1)} ms (${shown.length} commands)`]);
} finally {
  await browser.close();
  up.kill('SIGTERM');
}

console.log('| measure | result |\n|---|---|');
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
