import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ModelServer } from '../modelserver/index.js';
import { startHousingServer } from '../modelserver/test-support.js';
import { parseAnswer } from './answer-parser.js';
import { startCollectorServer, type CollectorServer } from './collector-server.js';
import { PredictionCollector } from './prediction-collector.js';
import { agentEvent, logInference, postEvent } from './testing/kserve-agent.js';

const sample = readFileSync(fileURLToPath(new URL('../../models/housing/sample.json', import.meta.url)), 'utf8');
const instances = (JSON.parse(sample) as { instances: number[][] }).instances;
const v2Request = JSON.stringify({ inputs: [{ name: 'input', shape: [instances.length, 8], datatype: 'FP32', data: instances.flat() }] });

/** The real model server's answers, as the agent would log them. */
const answers: Record<'v2' | 'v3', { v1: string; v2: string }> = { v2: { v1: '', v2: '' }, v3: { v1: '', v2: '' } };
const servers: ModelServer[] = [];

async function post(url: string, body: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(response.status, 200);
  return response.text();
}

before(async () => {
  for (const version of ['v2', 'v3'] as const) {
    const server = await startHousingServer(version);
    servers.push(server);
    answers[version].v1 = await post(`${server.url}/v1/models/housing:predict`, sample);
    answers[version].v2 = await post(`${server.url}/v2/models/housing/infer`, v2Request);
  }
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function withCollector(collector: PredictionCollector, run: (server: CollectorServer) => Promise<void>, clock?: () => number): Promise<void> {
  const server = await startCollectorServer({ collector, ...(clock ? { clock } : {}) });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

const ns = 'models';
const twoServices = { namespace: ns, primary: { inferenceService: 'housing-primary' }, canary: { inferenceService: 'housing-canary' } };

test('answers of the real model server parse to their predictions, V1 and V2 alike', () => {
  const v1 = parseAnswer(answers.v2.v1);
  const v2 = parseAnswer(answers.v2.v2);
  assert.equal(v1?.length, instances.length);
  assert.ok(v1?.every((p) => typeof p === 'number' && p > 0 && p < 10), JSON.stringify(v1));
  assert.deepEqual(v2, v1, 'both protocols give the same predictions');
  const broken = parseAnswer(answers.v3.v1) as number[];
  assert.ok(broken.every((p, i) => p / (v1?.[i] as number) > 50), `v3 answers ×100: ${JSON.stringify(broken)}`);
  assert.deepEqual(parseAnswer({ predictions: ['cat', true, [0.1, 0.7, 0.2], [3.5]] }), ['cat', 'true', '#1', 3.5]);
  assert.deepEqual(parseAnswer({ outputs: [{ name: 'p', shape: [2, 3], datatype: 'FP32', data: [0.1, 0.2, 0.7, 0.8, 0.1, 0.1] }] }), ['#2', '#0']);
  assert.deepEqual(parseAnswer({ outputs: [{ name: 'label', shape: [2], datatype: 'BYTES', data: ['setosa', 'virginica'] }] }), ['setosa', 'virginica']);
  assert.equal(parseAnswer('not json'), undefined);
  assert.equal(parseAnswer({ error: 'model not ready' }), undefined);
});

test('mirrored: the primary and canary answers to one X-Request-Id meet, over real sockets', async () => {
  const collector = new PredictionCollector();
  collector.manage(`${ns}/housing`, { ...twoServices, mode: 'mirrored' });
  await withCollector(collector, async ({ url }) => {
    const send = (isvc: string, pod: string, body: string, requestId: string) => logInference({
      url, pod, inferenceService: isvc, namespace: ns, requestBody: sample, responseBody: body, metadata: { 'X-Request-Id': [requestId] },
    });
    // The canary's copy may arrive first; each request id is paired once.
    assert.deepEqual(await send('housing-canary', 'housing-canary-predictor-7d9f-abcde', answers.v3.v1, 'r1'), [202, 202]);
    assert.deepEqual(await send('housing-primary', 'housing-primary-predictor-5c4b-xyz12', answers.v2.v1, 'r1'), [202, 202]);
    await send('housing-primary', 'housing-primary-predictor-5c4b-xyz12', answers.v2.v2, 'r2');
    await send('housing-canary', 'housing-canary-predictor-7d9f-abcde', answers.v2.v2, 'r2');
    await send('housing-primary', 'housing-primary-predictor-5c4b-xyz12', answers.v2.v1, 'r3'); // not mirrored: waits, unpaired
    const taken = collector.take(`${ns}/housing`);
    assert.equal(taken.mirrored.length, 2);
    assert.ok((taken.mirrored[0] as number) > 100, `v3 against v2 differs by ×100: ${taken.mirrored[0]}`);
    assert.equal(taken.mirrored[1], 0, 'v2 against v2 agrees exactly');
    assert.deepEqual(collector.take(`${ns}/housing`).mirrored, [], 'taken once');
    const stats = collector.stats();
    assert.equal(stats.pairs, 2);
    assert.equal(stats.pending, 1, 'r3 waits for a twin');
    const read = await (await fetch(`${url}/stats`)).json() as { accepted: number };
    assert.equal(read.accepted, 10);
  });
});

test('split, one InferenceService: variants told apart by the pod name in ce-source', async () => {
  const collector = new PredictionCollector();
  collector.manage(`${ns}/housing`, {
    namespace: ns, mode: 'split',
    primary: { inferenceService: 'housing', podPrefix: 'housing-predictor-00001-' },
    canary: { inferenceService: 'housing', podPrefix: 'housing-predictor-00002-' },
  });
  await withCollector(collector, async ({ url }) => {
    const send = (pod: string, body: string, metadata: Record<string, string[]> = {}) =>
      logInference({ url, pod, inferenceService: 'housing', namespace: ns, requestBody: sample, responseBody: body, metadata });
    await send('housing-predictor-00001-deployment-6d8c9-x2k4p', answers.v2.v1);
    await send('housing-predictor-00002-deployment-7f6b5-q9z8r', answers.v3.v2);
    await send('housing-predictor-00002-deployment-7f6b5-q9z8r', answers.v3.v1, { 'X-Kcanary-Variant': ['canary'] });
    await send('housing-predictor-00000-deployment-1a2b3-old00', answers.v2.v1); // an old revision: neither variant
    const { answers: got } = collector.take(`${ns}/housing`);
    assert.deepEqual(got.primary, [parseAnswer(answers.v2.v1)]);
    assert.deepEqual(got.canary, [parseAnswer(answers.v3.v2)], 'the header-routed request is left out of the split test');
    assert.equal(collector.stats().unmatched, 2);
  });
});

test('events for InferenceServices no ModelCanary manages are refused and counted; non-events are 400', async () => {
  const collector = new PredictionCollector();
  collector.manage(`${ns}/housing`, { ...twoServices, mode: 'mirrored' });
  await withCollector(collector, async ({ url }) => {
    const statuses = await logInference({ url, pod: 'other-predictor-1', inferenceService: 'other', namespace: ns, requestBody: sample, responseBody: answers.v2.v1 });
    assert.deepEqual(statuses, [403, 403]);
    assert.equal(collector.stats().refused, 2);
    const plain = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(plain.status, 400);
    const wrongType = agentEvent({ url, pod: 'p', inferenceService: 'housing-primary', namespace: ns, requestBody: sample, responseBody: '' }, 'request', 'x');
    assert.equal(await postEvent(url, wrongType.cloneWith({ type: 'com.example.other' }, false)), 400);
    assert.equal((await fetch(url)).status, 405);
  });
});

test('bounded memory: unpaired entries expire, and past the cap new ones are dropped and counted', async () => {
  let now = 0;
  const collector = new PredictionCollector({ ttlMs: 1000, maxPending: 3 });
  collector.manage(`${ns}/housing`, { ...twoServices, mode: 'mirrored' });
  const event = (requestId: string) => ({
    kind: 'response' as const, id: requestId, source: 'housing-primary-predictor-1', inferenceService: 'housing-primary', namespace: ns, requestId, answer: [1],
  });
  for (const id of ['a', 'b', 'c', 'd', 'e']) collector.accept(event(id), now);
  assert.equal(collector.stats().pending, 3);
  assert.equal(collector.stats().dropped, 2);
  now = 1500;
  collector.accept({ ...event('f'), kind: 'request' }, now);
  const stats = collector.stats();
  assert.equal(stats.expired, 3, 'the three waiting answers expired');
  assert.equal(stats.pending, 1);
  // The buffer of what the judge has not read is bounded too.
  const small = new PredictionCollector({ maxBuffered: 2 });
  small.manage('k', { namespace: ns, mode: 'split', primary: { inferenceService: 'a' }, canary: { inferenceService: 'b' } });
  for (let i = 0; i < 4; i++) small.accept({ kind: 'response', id: String(i), source: 'a-1', inferenceService: 'a', namespace: ns, answer: [i] }, 0);
  assert.equal(small.take('k').answers.primary.length, 2);
  assert.equal(small.stats().dropped, 2);
  small.forget('k');
  assert.equal(small.isManaged(ns, 'a'), false);
});
