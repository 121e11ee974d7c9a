import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { splitHousingData } from '../training/housing-data.js';
import { rootMeanSquaredError } from '../training/standardizer.js';
import type { ModelServer } from './index.js';
import { getJson, postJson, SAMPLE_ROW, startHousingServer } from './test-support.js';

let server: ModelServer;
before(async () => {
  server = await startHousingServer('v2');
});
after(() => server.close());

test('GET /v1/models lists the model and /v1/models/<name> says it is ready', async () => {
  assert.deepEqual(await getJson(`${server.url}/v1/models`), { status: 200, json: { models: ['housing'] } });
  assert.deepEqual(await getJson(`${server.url}/v1/models/housing`), { status: 200, json: { name: 'housing', ready: true } });
  assert.deepEqual(await getJson(`${server.url}/v1/models/other`), { status: 404, json: { error: 'Model with name other does not exist.' } });
});

test('predict answers a flat list with one price per instance, in order', async () => {
  const cheap = [1.2, 40, 4.1, 1.1, 1500, 3.8, 36.7, -119.8];
  const { status, json } = await postJson(`${server.url}/v1/models/housing:predict`, { instances: [SAMPLE_ROW, cheap, SAMPLE_ROW] });
  assert.equal(status, 200);
  const predictions = json.predictions as number[];
  assert.equal(predictions.length, 3);
  for (const p of predictions) assert.equal(typeof p, 'number');
  assert.equal(predictions[0], predictions[2]);
  assert.ok(predictions[0]! > predictions[1]!, 'a coastal Los Angeles block is dearer than a poor Fresno one');
  assert.ok(predictions[0]! > 1 && predictions[0]! < 6);
  // KServe also accepts "inputs" in a V1 body.
  const viaInputs = await postJson(`${server.url}/v1/models/housing:predict`, { inputs: [SAMPLE_ROW] });
  assert.deepEqual(viaInputs.json, { predictions: [predictions[0]] });
});

test('bad V1 requests get 400/404 with a JSON error', async () => {
  const url = `${server.url}/v1/models/housing:predict`;
  const cases: [unknown, number, RegExp][] = [
    ['{not json', 400, /^Unrecognized request format/],
    [{ rows: [SAMPLE_ROW] }, 400, /"instances"/],
    [{ instances: [] }, 400, /empty/],
    [{ instances: [[1, 2, 3]] }, 400, /shape.*\[1, 3\].*\[-1, 8\]/],
    [{ instances: SAMPLE_ROW }, 400, /shape.*\[8\]/],
    [{ instances: [SAMPLE_ROW, [1, 2]] }, 400, /data\[1\].*expected 8 elements/],
    [{ instances: [[...SAMPLE_ROW.slice(0, 7), 'x']] }, 400, /data\[0\]\[7\].*got string/],
    [{ instances: [[...SAMPLE_ROW.slice(0, 7), null]] }, 400, /got null/],
    [[SAMPLE_ROW], 400, /"instances"/],
    ['{"instances": [[1e400, 0, 0, 0, 0, 0, 0, 0]]}', 400, /data\[0\]\[0\].*finite number.*Infinity/],
  ];
  for (const [body, status, pattern] of cases) {
    const response = await postJson(url, body);
    assert.equal(response.status, status, JSON.stringify(body));
    assert.match(String(response.json.error), pattern, JSON.stringify(body));
  }
  const unknown = await postJson(`${server.url}/v1/models/nope:predict`, { instances: [SAMPLE_ROW] });
  assert.deepEqual(unknown, { status: 404, json: { error: 'Model with name nope does not exist.' } });
});

test('through the server, v2 predicts the held-out rows better than v1', async () => {
  const { test: heldOut } = splitHousingData();
  const v1 = await startHousingServer('v1');
  try {
    const rmseOf = async (url: string): Promise<number> => {
      const { status, json } = await postJson(`${url}/v1/models/housing:predict`, { instances: heldOut.x });
      assert.equal(status, 200);
      return rootMeanSquaredError(json.predictions as number[], heldOut.y);
    };
    const rmseV1 = await rmseOf(v1.url);
    const rmseV2 = await rmseOf(server.url);
    assert.ok(rmseV2 < 0.75 * rmseV1, `v2 RMSE ${rmseV2} should be well below v1 RMSE ${rmseV1}`);
  } finally {
    await v1.close();
  }
});
