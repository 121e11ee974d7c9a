// The built-in model server against KServe's own REST spec of the V2 protocol
// (test/fixtures/kserve/rest_predict_v2.yaml): each answer, success or error,
// must fit the schema the spec gives for its path, method and status.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { ModelServer } from './index.js';
import { SAMPLE_ROW, startHousingServer } from './test-support.js';

interface Operation { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }
interface OpenApi { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } }

const SPEC_FILE = fileURLToPath(new URL('../../test/fixtures/kserve/rest_predict_v2.yaml', import.meta.url));
const spec = parse(readFileSync(SPEC_FILE, 'utf8')) as OpenApi;
// OpenAPI 3.0 schemas are JSON Schema with extra keywords (x-examples, title): not strict.
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema(spec, 'rest_predict_v2');

const INFER = '/v2/models/${MODEL_NAME}/versions/${MODEL_VERSION}/infer';
const MODEL_METADATA = '/v2/models/${MODEL_NAME}/versions/${MODEL_VERSION}';
const MODEL_READY = '/v2/models/${MODEL_NAME}/versions/${MODEL_VERSION}/ready';

/** The schema the spec gives for an answer, or undefined when it gives none (a bare 200). */
function responseSchema(path: string, method: string, status: number): ValidateFunction | undefined {
  const operation = spec.paths[path]?.[method];
  assert.ok(operation, `the spec has no ${method.toUpperCase()} ${path}`);
  const response = operation.responses[String(status)];
  assert.ok(response, `the spec has no ${status} answer for ${method.toUpperCase()} ${path}`);
  const ref = response.content?.['application/json']?.schema?.$ref;
  return ref === undefined ? undefined : componentSchema(ref.replace('#/components/schemas/', ''));
}

function componentSchema(name: string): ValidateFunction {
  const validate = ajv.getSchema(`rest_predict_v2#/components/schemas/${name}`);
  assert.ok(validate, `no component schema ${name}`);
  return validate;
}

function assertFits(validate: ValidateFunction, body: unknown, what: string): void {
  assert.ok(validate(body), `${what}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}

let server: ModelServer;
before(async () => {
  server = await startHousingServer('v2', { modelVersion: '2' });
});
after(() => server.close());

const urlOf = (path: string, name = 'housing', version = '2'): string =>
  `${server.url}${path.replace('${MODEL_NAME}', name).replace('${MODEL_VERSION}', version)}`;

async function call(url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, body === undefined ? {} : {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

const request = (inputs: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id: 'req-1', inputs, ...extra });
const input = (changes: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'input', shape: [1, 8], datatype: 'FP32', data: [...SAMPLE_ROW], ...changes });

test('every path of the spec answers 200 with the body its schema describes', async () => {
  const gets = Object.entries(spec.paths).filter(([, methods]) => methods.get).map(([path]) => path);
  assert.deepEqual(gets.sort(), ['/v2/', MODEL_METADATA, MODEL_READY, '/v2/health/live', '/v2/health/ready'].sort());
  for (const path of gets) {
    const answer = await call(urlOf(path));
    assert.equal(answer.status, 200, `GET ${path}: ${JSON.stringify(answer.json)}`);
    const validate = responseSchema(path, 'get', 200);
    if (validate) assertFits(validate, answer.json, `GET ${path}`);
  }
  // The version is optional: without it the server picks its own (the one it serves).
  assertFits(responseSchema(MODEL_METADATA, 'get', 200)!, (await call(`${server.url}/v2/models/housing`)).json, 'GET /v2/models/housing');
});

test('inference: a request that fits the spec gets an answer that fits it', async () => {
  const requestSchema = componentSchema('inference_request');
  const bodies = [
    request([input()]),
    request([input({ shape: [2, 8], data: [[...SAMPLE_ROW], [1.2, 40, 4.1, 1.1, 1500, 3.8, 36.7, -119.8]] })], { outputs: [{ name: 'output' }] }),
  ];
  for (const body of bodies) {
    assertFits(requestSchema, body, 'the request');
    for (const url of [urlOf(INFER), `${server.url}/v2/models/housing/infer`]) {
      const answer = await call(url, body);
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assertFits(responseSchema(INFER, 'post', 200)!, answer.json, `POST ${url}`);
      const outputs = (answer.json as { outputs: { data: unknown[] }[] }).outputs;
      assert.ok(outputs[0]!.data.every((v) => typeof v === 'number' && Number.isFinite(v)), 'every output is a finite number');
    }
  }
});

test('inference errors are 400s with the body of inference_error_response', async () => {
  const errorSchema = responseSchema(INFER, 'post', 400)!;
  const bad: [string, unknown][] = [
    ['FP32 data beyond the type\'s range', request([input({ data: [1e300, ...SAMPLE_ROW.slice(1)] })])],
    ['an input name the model does not have', request([input({ name: 'features' })])],
    ['an extra input', request([input(), input({ name: 'extra', shape: [1], data: [1] })])],
    ['the wrong datatype', request([input({ datatype: 'INT64' })])],
    ['data that does not fill the shape', request([input({ shape: [2, 8] })])],
    ['an output the model does not have', request([input()], { outputs: [{ name: 'price' }] })],
    ['no inputs', { id: 'x' }],
    ['a body that is not JSON', '{"inputs": ['],
  ];
  for (const [what, body] of bad) {
    const answer = await call(urlOf(INFER), body);
    assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.json)}`);
    assertFits(errorSchema, answer.json, what);
    assert.equal(typeof (answer.json as { error?: unknown }).error, 'string', what);
  }
});

test('a model or version the server does not have: 404 with the body of the model error response', async () => {
  // The spec gives no error answer for these paths; its model error schema is the one that fits.
  const errorSchema = componentSchema('metadata_model_error_response');
  for (const [path, name, version] of [[MODEL_METADATA, 'nope', '2'], [MODEL_METADATA, 'housing', '9'], [MODEL_READY, 'nope', '2'], [MODEL_READY, 'housing', '9']] as const) {
    const answer = await call(urlOf(path, name, version));
    assert.equal(answer.status, 404, `${path} ${name} ${version}`);
    assertFits(errorSchema, answer.json, `GET ${urlOf(path, name, version)}`);
  }
  const infer = await call(urlOf(INFER, 'nope'), request([input()]));
  assert.equal(infer.status, 404);
  assertFits(responseSchema(INFER, 'post', 400)!, infer.json, 'infer on a model the server does not have');
});
