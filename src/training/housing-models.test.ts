import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { HOUSING_FEATURES, splitHousingData } from './housing-data.js';
import { V3_AGE_TABLE_SIZE } from './housing-models.js';
import { rootMeanSquaredError } from './standardizer.js';

// Judged from the committed files, through onnxruntime, on rows none of them trained on.
const modelPath = (version: string): string => fileURLToPath(new URL(`../../models/housing/${version}/model.onnx`, import.meta.url));
const { test: heldOut } = splitHousingData();
const ageColumn = HOUSING_FEATURES.indexOf('HouseAge');

async function predict(version: string, rows: readonly (readonly number[])[]): Promise<number[]> {
  const session = await ort.InferenceSession.create(modelPath(version), { logSeverityLevel: 4 });
  try {
    const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 8]);
    const { output } = await session.run({ input });
    assert.ok(output);
    assert.deepEqual(output.dims, [rows.length, 1]);
    return Array.from(output.data as Float32Array);
  } finally {
    await session.release();
  }
}

test('v2 has a clearly lower held-out error than v1', async () => {
  const v1 = rootMeanSquaredError(await predict('v1', heldOut.x), heldOut.y);
  const v2 = rootMeanSquaredError(await predict('v2', heldOut.x), heldOut.y);
  assert.ok(v1 > 0.3 && v1 < 2, `v1 RMSE ${v1} should be a plausible linear-model error`);
  assert.ok(v2 < 0.75 * v1, `v2 RMSE ${v2} should beat v1 RMSE ${v1} by a wide margin`);
});

test('v3 is far off where it answers and fails on old houses', async () => {
  const young = heldOut.x.map((row, i) => ({ row, i })).filter(({ row }) => row[ageColumn]! < V3_AGE_TABLE_SIZE);
  assert.ok(young.length < heldOut.x.length, 'the held-out rows include old houses');
  const v3 = rootMeanSquaredError(await predict('v3', young.map(({ row }) => row)), young.map(({ i }) => heldOut.y[i]!));
  const v1 = rootMeanSquaredError(await predict('v1', heldOut.x), heldOut.y);
  assert.ok(v3 > 20 * v1, `v3 RMSE ${v3} should be far above v1 RMSE ${v1}`);
  const old = heldOut.x.find((row) => row[ageColumn]! >= V3_AGE_TABLE_SIZE)!;
  await assert.rejects(predict('v3', [old]), /Gather|out of/i);
});
