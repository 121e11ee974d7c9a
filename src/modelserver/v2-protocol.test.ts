import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ModelServer } from './index.js';
import { getJson, postJson, SAMPLE_ROW, startHousingServer } from './test-support.js';

let server: ModelServer;
before(async () => {
  server = await startHousingServer('v2', { modelVersion: '2' });
});
after(() => server.close());

const tensor = (data: unknown, shape: unknown = [1, 8], extra: Record<string, unknown> = {}): unknown => ({
  inputs: [{ name: 'input', shape, datatype: 'FP32', data, ...extra }],
});

test('health, server metadata and model readiness', async () => {
  assert.deepEqual(await getJson(`${server.url}/v2/health/live`), { status: 200, json: { live: true } });
  assert.deepEqual(await getJson(`${server.url}/v2/health/ready`), { status: 200, json: { ready: true } });
  assert.deepEqual(await getJson(`${server.url}/v2`), { status: 200, json: { name: 'kcanary', version: '0.1.0', extensions: [] } });
  assert.deepEqual(await getJson(`${server.url}/v2/models/housing/ready`), { status: 200, json: { name: 'housing', ready: true } });
  assert.equal((await getJson(`${server.url}/v2/models/other/ready`)).status, 404);
});

test('model metadata names the tensors with datatype and shape (-1 for the batch)', async () => {
  const expected = {
    name: 'housing',
    versions: ['2'],
    platform: 'onnx',
    inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 8] }],
    outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 1] }],
  };
  assert.deepEqual(await getJson(`${server.url}/v2/models/housing`), { status: 200, json: expected });
  assert.deepEqual(await getJson(`${server.url}/v2/models/housing/versions/2`), { status: 200, json: expected });
  assert.equal((await getJson(`${server.url}/v2/models/housing/versions/9`)).status, 404);
  assert.deepEqual(await getJson(`${server.url}/v2/models/nope`), { status: 404, json: { error: 'Model with name nope does not exist.' } });
});

test('infer takes flat row-major or nested data, echoes the id and agrees with V1', async () => {
  const rows = [SAMPLE_ROW, [1.2, 40, 4.1, 1.1, 1500, 3.8, 36.7, -119.8]];
  const flat = await postJson(`${server.url}/v2/models/housing/infer`, { id: 'req-7', ...(tensor(rows.flat(), [2, 8]) as object) });
  assert.equal(flat.status, 200);
  assert.equal(flat.json.model_name, 'housing');
  assert.equal(flat.json.id, 'req-7');
  const [output] = flat.json.outputs as { name: string; datatype: string; shape: number[]; data: number[] }[];
  assert.deepEqual({ ...output, data: undefined }, { name: 'output', datatype: 'FP32', shape: [2, 1], data: undefined });
  assert.equal(output?.data.length, 2);

  const nested = await postJson(`${server.url}/v2/models/housing/infer`, tensor(rows, [2, 8]));
  assert.equal(nested.status, 200);
  assert.deepEqual((nested.json.outputs as { data: number[] }[])[0]?.data, output?.data);
  assert.match(String(nested.json.id), /^[0-9a-f-]{36}$/, 'a request without id gets a fresh one');

  const v1 = await postJson(`${server.url}/v1/models/housing:predict`, { instances: rows });
  assert.deepEqual(v1.json.predictions, output?.data);

  const named = await postJson(`${server.url}/v2/models/housing/versions/2/infer`, { ...(tensor(rows.flat(), [2, 8]) as object), outputs: [{ name: 'output' }] });
  assert.equal(named.status, 200);
});

test('bad V2 requests get 400/404 with a JSON error that says what is wrong', async () => {
  const url = `${server.url}/v2/models/housing/infer`;
  const cases: [unknown, number, RegExp][] = [
    ['[1, 2', 400, /^Unrecognized request format/],
    [{}, 400, /"inputs"/],
    [{ inputs: [] }, 400, /"inputs"/],
    [{ inputs: [{ shape: [1, 8], datatype: 'FP32', data: SAMPLE_ROW }] }, 400, /"name"/],
    [tensor(SAMPLE_ROW, [1, 8], { datatype: 'FP64' }), 400, /datatype.*"FP64".*expects FP32/],
    [tensor(SAMPLE_ROW, [1, 8], { datatype: 'BYTES' }), 400, /datatype/],
    [tensor(SAMPLE_ROW, [8]), 400, /shape.*\[8\].*\[-1, 8\]/],
    [tensor(SAMPLE_ROW, [1, 9]), 400, /shape/],
    [tensor(SAMPLE_ROW, [2, 8]), 400, /8 elements in "data" do not fill the shape \[2, 8\]/],
    [tensor(SAMPLE_ROW, 'x'), 400, /"shape" must be/],
    [tensor(SAMPLE_ROW, [1, -8]), 400, /"shape" must be/],
    [tensor('abc'), 400, /"data" must be a list/],
    [tensor([...SAMPLE_ROW.slice(0, 7), true]), 400, /data\[7\].*got boolean/],
    [tensor([[1, 2, 3, 4], [5, 6, 7, 8]], [2, 8]), 400, /expected 8 elements/],
    [{ ...(tensor(SAMPLE_ROW) as object), outputs: [{ name: 'price' }] }, 400, /unknown output 'price'/],
    [{ inputs: [{ name: 'input', shape: [1, 8], datatype: 'FP32', data: SAMPLE_ROW }, { name: 'extra', shape: [1], datatype: 'FP32', data: [1] }] }, 400, /unknown input 'extra'/],
    [{ inputs: [{ name: 'features', shape: [1, 8], datatype: 'FP32', data: SAMPLE_ROW }] }, 400, /unknown input 'features'; the model's inputs are: input/],
    [tensor([1e300, ...SAMPLE_ROW.slice(1)]), 400, /data\[0\].*within ±3\.4028e\+38 \(FP32\), got 1e\+300/],
    [tensor([...SAMPLE_ROW.slice(0, 7), -4e38]), 400, /data\[7\].*FP32/],
  ];
  for (const [body, status, pattern] of cases) {
    const response = await postJson(url, body);
    assert.equal(response.status, status, JSON.stringify(body));
    assert.match(String(response.json.error), pattern, JSON.stringify(body));
    // KServe's rest_predict_v2.yaml: inference_error_response is an object with one string property, "error".
    assert.deepEqual(Object.keys(response.json), ['error'], JSON.stringify(body));
  }
  const v1 = await postJson(`${server.url}/v1/models/housing:predict`, { instances: [[1e300, ...SAMPLE_ROW.slice(1)]] });
  assert.equal(v1.status, 400);
  assert.match(String(v1.json.error), /FP32/);
  const unknown = await postJson(`${server.url}/v2/models/nope/infer`, tensor(SAMPLE_ROW));
  assert.deepEqual(unknown, { status: 404, json: { error: 'Model with name nope does not exist.' } });
});

test('a model failure on part of the input is a 500 with the reason, and the server goes on', async () => {
  const v3 = await startHousingServer('v3');
  try {
    const young = await postJson(`${v3.url}/v2/models/housing/infer`, tensor(SAMPLE_ROW));
    assert.equal(young.status, 200);
    const price = (young.json.outputs as { data: number[] }[])[0]!.data[0]!;
    assert.ok(price > 100, `v3 answers in the wrong unit (${price})`);
    const old: number[] = [...SAMPLE_ROW];
    old[1] = 52;
    const failed = await postJson(`${v3.url}/v1/models/housing:predict`, { instances: [SAMPLE_ROW, old] });
    assert.equal(failed.status, 500);
    assert.match(String(failed.json.error), /^model failed: .*Gather/);
    assert.equal((await postJson(`${v3.url}/v2/models/housing/infer`, tensor(SAMPLE_ROW))).status, 200);
  } finally {
    await v3.close();
  }
});
