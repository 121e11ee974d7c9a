// `npm run bench:modelserver`: predictions/s and latency of `kcanary serve`
// beside a KServe-style Python server (FastAPI + uvicorn + scikit-learn) with the
// same model, in the same run, on loopback. Bounded: about a minute and a half.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad, percentile } from './load.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
const { values: flags } = parseArgs({
  options: {
    model: { type: 'string', default: 'v2' },
    seconds: { type: 'string', default: '5' },
    'skip-python': { type: 'boolean', default: false },
  },
});
const durationMs = Math.min(30, Math.max(1, Number(flags.seconds))) * 1000;
const warmupMs = 1000;
const log = (line) => process.stderr.write(`${line}\n`);

const { splitHousingData, DEFAULT_SEED } = await import(join(repo, 'dist/training/housing-data.js'));
const { trainHousingParameters } = await import(join(repo, 'dist/training/housing-training.js'));

function startServer(name, command, args, options, readyPattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk) => {
      output += chunk.toString();
      const match = readyPattern.exec(output);
      if (match) resolve({ child, url: match[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${output}`)));
  });
}

async function waitReady(url) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became ready`);
}

function stop({ child }) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

async function predict(url, instances) {
  const response = await fetch(`${url}/v1/models/housing:predict`, { method: 'POST', body: JSON.stringify({ instances }) });
  return (await response.json()).predictions;
}

// The same weights as the served ONNX file: npm test checks that training reproduces it byte for byte.
function writeWeights(version) {
  const { standardizer, linear, mlp } = trainHousingParameters(DEFAULT_SEED);
  const weights = version === 'v1'
    ? { kind: 'linear', mean: standardizer.mean, std: standardizer.std, weights: linear.weights, bias: linear.bias }
    : { kind: 'mlp', mean: standardizer.mean, std: standardizer.std, hidden: mlp.hidden, w1: mlp.w1, b1: mlp.b1, w2: mlp.w2, b2: mlp.b2 };
  const file = join(mkdtempSync(join(tmpdir(), 'kcanary-bench-')), 'weights.json');
  writeFileSync(file, JSON.stringify(weights));
  return file;
}

async function main() {
  if (!['v1', 'v2'].includes(flags.model)) throw new Error('--model must be v1 or v2');
  const heldOut = splitHousingData(DEFAULT_SEED).test.x;
  const servers = [];
  servers.push({
    label: 'kcanary serve (onnxruntime-node)',
    ...(await startServer('kcanary serve', process.execPath,
      [join(repo, 'bin/kcanary.js'), 'serve', '--model', join(repo, `models/housing/${flags.model}`), '--name', 'housing', '--port', '0'],
      { cwd: repo }, /serving housing on (http:\S+)/)),
  });
  if (!flags['skip-python']) {
    const install = spawnSync('bash', [join(here, 'install-python-deps.sh')], { stdio: 'inherit' });
    if (install.status !== 0) throw new Error('installing the Python baseline failed (needs root and Debian apt); rerun with --skip-python');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE; // set on some machines for old OpenBLAS builds; slows a current numpy
    delete env.OPENBLAS_L2_SIZE;
    const child = spawn('/usr/bin/python3', [join(here, 'sklearn_server.py'), '--weights', writeWeights(flags.model), '--port', String(port)],
      { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const url = `http://127.0.0.1:${port}`;
    servers.push({ label: 'FastAPI + uvicorn + scikit-learn', child, url });
    await waitReady(`${url}/v1/models/housing`);
    // Same model on both sides: the answers agree to float32 precision.
    const [a, b] = await Promise.all(servers.map((s) => predict(s.url, heldOut.slice(0, 64))));
    const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    if (!(worst < 1e-3)) throw new Error(`the two servers disagree (max difference ${worst}): not the same model`);
    log(`both servers serve the same model (max difference on 64 rows: ${worst.toExponential(2)})`);
  }
  const rows = [];
  try {
    for (const batch of [1, 64]) {
      const body = JSON.stringify({ instances: heldOut.slice(0, batch) });
      for (const concurrency of [1, 32]) {
        for (const server of servers) {
          log(`${server.label}: batch ${batch}, concurrency ${concurrency} ...`);
          const url = `${server.url}/v1/models/housing:predict`;
          const result = await runLoad({ url, body, concurrency, warmupMs, durationMs });
          rows.push({
            server: server.label, batch, concurrency,
            requestsPerSecond: result.requests / result.seconds,
            predictionsPerSecond: (result.requests * batch) / result.seconds,
            p50: percentile(result.latenciesMs, 50), p99: percentile(result.latenciesMs, 99), errors: result.errors,
          });
        }
      }
    }
  } finally {
    await Promise.all(servers.map(stop));
  }
  const f = (v, d = 0) => v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const lines = [
    `model housing/${flags.model}, ${durationMs / 1000} s per cell after ${warmupMs / 1000} s warm-up, loopback, node ${process.version}`,
    '',
    '| server | batch | concurrency | predictions/s | requests/s | p50 ms | p99 ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.server} | ${r.batch} | ${r.concurrency} | ${f(r.predictionsPerSecond)} | ${f(r.requestsPerSecond)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${r.errors} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
  log(error.stack ?? String(error));
  process.exitCode = 1;
});
