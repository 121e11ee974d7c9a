// `kcanary validate` on bad input, as a spawned binary: every problem in one run, exit 2, never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, specInTempDir } from '../testing/cli.js';

const HEAD = ['apiVersion: kcanary.io/v1alpha1', 'kind: ModelCanary', 'metadata: { name: housing }'];

async function validateText(lines: string[]) {
  const { dir } = await specInTempDir({});
  const file = join(dir, 'bad.yaml');
  await writeFile(file, lines.join('\n'));
  return runCli(['validate', '-f', file], { cwd: dir });
}

function assertCleanRefusal(result: { code: number | null; stdout: string; stderr: string }): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
}

test('validate lists every problem in one run, across sections', async () => {
  const spec = ['spec:', '  predictor: { model: { storageUri: file://a } }', '  canary: { storageUri: file://b }'];
  const intervalAndMetric = await validateText([...HEAD, ...spec,
    '  rollout: { interval: 1 minute }', '  analysis: { metrics: [{ name: error-rat, max: 1 }] }']);
  assertCleanRefusal(intervalAndMetric);
  assert.match(intervalAndMetric.stderr, /spec\.rollout\.interval: /);
  assert.match(intervalAndMetric.stderr, /spec\.analysis\.metrics\[0\]\.name: "error-rat" is not a built-in metric: did you mean error-rate\?/);

  const routerAndMetric = await validateText([...HEAD, ...spec,
    '  routr: local', '  analysis: { metrics: [{ name: error-rat, max: 1 }] }']);
  assertCleanRefusal(routerAndMetric);
  assert.match(routerAndMetric.stderr, /spec\.routr: unknown field/);
  assert.match(routerAndMetric.stderr, /spec\.analysis\.metrics\[0\]\.name: "error-rat"/);

  const wrongType = await validateText([...HEAD, 'spec: { predictor: 5, canary: { storageUri: file://b } }']);
  assertCleanRefusal(wrongType);
  assert.match(wrongType.stderr, /spec\.predictor: expected an object, got number/);
  assert.doesNotMatch(wrongType.stderr, /is required/);
});

test('validate resolves a local file:// model against the spec file and names the missing path', async () => {
  const { dir } = await specInTempDir({});
  const specDir = join(dir, 'specs');
  await mkdir(join(dir, 'models', 'v1'), { recursive: true });
  await writeFile(join(dir, 'models', 'v1', 'model.onnx'), 'not really onnx, but there');
  const file = join(specDir, 'canary.yaml');
  await mkdir(specDir);
  await writeFile(file, stringify({
    apiVersion: 'kcanary.io/v1alpha1', kind: 'ModelCanary', metadata: { name: 'housing' },
    spec: { router: 'local', predictor: { model: { storageUri: 'file://../models/v1' } }, canary: { storageUri: 'file://../models/v2' } },
  }));
  // Run from elsewhere: the paths are the spec file's, not the working directory's.
  const result = await runCli(['validate', '-f', file], { cwd: dir });
  assertCleanRefusal(result);
  assert.match(result.stderr, new RegExp(`spec\\.canary\\.storageUri: "file://\\.\\./models/v2": no such file or directory \\(${join(dir, 'models', 'v2').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
  assert.doesNotMatch(result.stderr, /spec\.predictor/);

  await mkdir(join(dir, 'models', 'v2'));
  await writeFile(join(dir, 'models', 'v2', 'model.onnx'), 'there too');
  const fixed = await runCli(['validate', '-f', file], { cwd: dir });
  assert.equal(fixed.code, 0, fixed.stderr);
});

test('a billion-laughs spec is refused with exit 2 and a message', async () => {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const result = await validateText([...HEAD, ...levels, 'spec: { predictor: *i }']);
  assertCleanRefusal(result);
  assert.match(result.stderr, /bad\.yaml: invalid ModelCanary:\n {2}\(document\): too many YAML aliases/);
});

test('a spec nested deeper than the parser can follow is refused in words, not with a JavaScript error', async () => {
  const result = await validateText([...HEAD, `spec: ${'['.repeat(20_000)}${']'.repeat(20_000)}`]);
  assertCleanRefusal(result);
  assert.match(result.stderr, /\(document\): not valid YAML: nested too deeply \(line \d+, column \d+\)/);
  assert.doesNotMatch(result.stderr, /call stack/i);
});

test('a spec larger than any spec is refused unread', async () => {
  const result = await validateText([...HEAD, `# ${'x'.repeat(2 * 1024 * 1024)}`, 'spec: {}']);
  assertCleanRefusal(result);
  assert.match(result.stderr, /\(document\): the file is \d+ bytes; a spec may be at most 1048576 bytes/);
});
