import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/kcanary.js', import.meta.url));
const repo = fileURLToPath(new URL('../../../', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runServe(args: string[], whenReady?: (url: string) => Promise<void>, stopWith: NodeJS.Signals = 'SIGTERM'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let readySeen = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^serving \S+ on (http:\/\/\S+)\n/.exec(stdout);
      if (match && !readySeen && whenReady) {
        readySeen = true;
        whenReady(match[1]!).then(() => child.kill(stopWith), (error: unknown) => {
          child.kill('SIGKILL');
          reject(error);
        });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test('serve prints one ready line, answers both protocols and stops cleanly on SIGTERM and SIGINT', async () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    let prediction: unknown;
    const run = await runServe(['--model', 'file://./models/housing/v2', '--name', 'housing', '--port', '0'], async (url) => {
      const response = await fetch(`${url}/v1/models/housing:predict`, {
        method: 'POST',
        body: JSON.stringify({ instances: [[3.6398, 21, 5.7364, 1.3882, 832, 3.0278, 34.2237, -118.5062]] }),
      });
      prediction = await response.json();
      assert.equal((await fetch(`${url}/v2/health/ready`)).status, 200);
    }, signal);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^serving housing on http:\/\/127\.0\.0\.1:\d+\n$/);
    assert.match(run.stderr, /stopped/);
    const predictions = (prediction as { predictions: number[] }).predictions;
    assert.equal(predictions.length, 1);
    assert.ok(predictions[0]! > 1 && predictions[0]! < 6);
  }
});

test('bad flags exit 2 with a message that names the flag', async () => {
  const cases: [string[], RegExp][] = [
    [['--name', 'housing'], /--model is required/],
    [['--model', 'models/housing/v1'], /--name is required/],
    [['--model', 'models/housing/v1', '--name', 'housing', '--port', 'eighty'], /--port must be an integer/],
    [['--model', 'models/housing/v1', '--name', 'housing', '--colour', 'red'], /Unknown option '--colour'/],
  ];
  for (const [args, pattern] of cases) {
    const run = await runServe(args);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, pattern);
    assert.equal(run.stdout, '');
  }
});

test('a model that cannot be loaded exits 2 naming --model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcanary-serve-'));
  writeFileSync(join(dir, 'model.onnx'), 'not a protobuf');
  const cases: [string, RegExp][] = [
    ['gs://kfserving-examples/models/sklearn/1.0/model', /--model "gs:\/\/.*only file:\/\//],
    ['file:///nonexistent/model', /--model .*no such file/],
    [dir, /--model .*not a loadable ONNX model/],
  ];
  for (const [uri, pattern] of cases) {
    const run = await runServe(['--model', uri, '--name', 'housing', '--port', '0']);
    assert.equal(run.code, 2, uri);
    assert.match(run.stderr, pattern);
  }
});
