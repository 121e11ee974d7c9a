import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KcanaryError } from '../errors.js';
import { startModelServer } from './index.js';
import { getJson, housingModelDir, startHousingServer } from './test-support.js';

test('startModelServer reports bad storage URIs and busy ports by field name', async () => {
  await assert.rejects(
    startModelServer({ storageUri: 'gs://kfserving-examples/models/sklearn/1.0/model', modelName: 'housing' }),
    (error: unknown) => error instanceof KcanaryError && /^storageUri: /.test(error.message),
  );
  const first = await startHousingServer('v1');
  try {
    const port = Number(new URL(first.url).port);
    await assert.rejects(
      startModelServer({ storageUri: housingModelDir('v2'), modelName: 'housing', port }),
      (error: unknown) => error instanceof KcanaryError && new RegExp(`^port: cannot listen on 127\\.0\\.0\\.1:${port}`).test(error.message),
    );
    assert.equal((await getJson(`${first.url}/v1/models/housing`)).status, 200);
  } finally {
    await first.close();
  }
});

test('close stops listening and can be called twice', async () => {
  const server = await startHousingServer('v1');
  await Promise.all([server.close(), server.close()]);
  await assert.rejects(fetch(`${server.url}/v2/health/live`));
});
