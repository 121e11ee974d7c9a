import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { KcanaryError } from '../errors.js';
import { resolveModelFile } from './storage-uri.js';
import { housingModelDir } from './test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'kcanary-storage-'));
const file = join(dir, 'model.onnx');
copyFileSync(join(housingModelDir('v1'), 'model.onnx'), file);

test('file:// URIs and plain paths, absolute or relative, to a file or its directory', () => {
  const rel = relative(process.cwd(), dir);
  const cases = [`file://${file}`, `file://${dir}`, file, dir, `file://./${rel}`, `./${rel}/model.onnx`, `file://${rel}`];
  for (const uri of cases) assert.equal(resolveModelFile(uri, { cwd: process.cwd() }), file, uri);
  assert.equal(resolveModelFile('file://model.onnx', { cwd: dir }), file);
});

test('a directory with one .onnx file of another name is accepted', () => {
  const other = join(dir, 'other');
  mkdirSync(other);
  copyFileSync(file, join(other, 'housing.onnx'));
  assert.equal(resolveModelFile(other, { cwd: '/' }), join(other, 'housing.onnx'));
});

test('unsupported schemes and missing or unusable models are errors that name the field', () => {
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const several = join(dir, 'several');
  mkdirSync(several);
  writeFileSync(join(several, 'a.onnx'), '');
  writeFileSync(join(several, 'b.onnx'), '');
  const cases: [string, RegExp][] = [
    ['gs://kfserving-examples/models/sklearn/1.0/model', /^storageUri: .*gs:\/\/.*only file:\/\//],
    ['s3://bucket/model', /^storageUri: .*s3:\/\//],
    ['', /^storageUri: is empty/],
    [join(dir, 'missing'), /^storageUri: .*no such file/],
    [empty, /^storageUri: .*holds no \.onnx file/],
    [several, /^storageUri: .*several \.onnx files/],
  ];
  for (const [uri, pattern] of cases) {
    assert.throws(() => resolveModelFile(uri, { cwd: dir }), (error: unknown) => error instanceof KcanaryError && pattern.test(error.message), uri);
  }
  assert.throws(() => resolveModelFile('gs://x', { cwd: dir, field: 'spec.canary.storageUri' }), /^KcanaryError: spec\.canary\.storageUri: /);
});
