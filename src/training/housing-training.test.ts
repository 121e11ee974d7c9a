import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SEED } from './housing-data.js';
import { trainHousingModels } from './housing-training.js';

const committedDir = fileURLToPath(new URL('../../models/housing/', import.meta.url));

test('training from the default seed reproduces the committed models/housing files byte for byte', () => {
  const { files } = trainHousingModels(DEFAULT_SEED);
  assert.deepEqual([...files.keys()].sort(), ['README.md', 'sample.json', 'v1/model.onnx', 'v2/model.onnx', 'v3/model.onnx']);
  for (const [path, bytes] of files) {
    const committed = readFileSync(committedDir + path);
    assert.ok(Buffer.from(bytes).equals(committed), `${path} differs from the committed file: run npm run train-models`);
  }
});

test('another seed trains other weights', () => {
  const a = trainHousingModels(DEFAULT_SEED).files.get('v2/model.onnx');
  const b = trainHousingModels(DEFAULT_SEED + 1).files.get('v2/model.onnx');
  assert.ok(a && b);
  assert.ok(!Buffer.from(a).equals(Buffer.from(b)));
});
