// The events of the collector benchmark, built as KServe's agent builds them: the
// CloudEvents SDK's binary mode (src/collector/testing/kserve-agent.ts), payloads the
// demo's real model server answered (housing v2 on the primary, the broken v3 on the
// canary), one request event and one response event per inference with the same ce-id.
import { readFileSync } from 'node:fs';
import { HTTP } from 'cloudevents';
import { agentEvent } from '../../dist/collector/testing/kserve-agent.js';
import { startHousingServer } from '../../dist/modelserver/test-support.js';

export const NS = 'models';
export const KEY = `${NS}/housing`;
/** Two InferenceServices, mirrored pairs: what the istio router's dark launch makes the collector do. */
export const TARGET = { namespace: NS, mode: 'mirrored', primary: { inferenceService: 'housing-primary' }, canary: { inferenceService: 'housing-canary' } };
const PODS = { primary: ['housing-primary', 'housing-primary-predictor-5c4b9-xyz12'], canary: ['housing-canary', 'housing-canary-predictor-7d9f8-abcde'] };

export const sample = readFileSync(new URL('../../models/housing/sample.json', import.meta.url), 'utf8');

/** The V1 answers of the real housing v2 and v3 servers to the sample request. */
export async function realAnswers() {
  const answers = {};
  for (const version of ['v2', 'v3']) {
    const server = await startHousingServer(version);
    try {
      const response = await fetch(`${server.url}/v1/models/housing:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: sample });
      if (response.status !== 200) throw new Error(`housing ${version} answered ${response.status}`);
      answers[version] = await response.text();
    } finally {
      await server.close();
    }
  }
  return answers;
}

/** One binary-mode message (headers and body) per event, as HTTP.binary renders it. */
export function agentMessage(arm, kind, id, requestId, responseBody) {
  const [inferenceService, pod] = PODS[arm];
  const event = agentEvent({
    url: '', pod, inferenceService, namespace: NS, requestBody: sample, responseBody, metadata: { 'X-Request-Id': [requestId] },
  }, kind, id);
  const message = HTTP.binary(event);
  return { headers: message.headers, body: message.body };
}

/**
 * The events of `inferences` mirrored requests: the primary's request and response,
 * then the canary's (the mirrored copy carries the same X-Request-Id; each arm's agent
 * draws its own ce-id). `prefix` keeps ids unique across batches.
 */
export function mirroredMessages(answers, inferences, prefix = 'b') {
  const messages = [];
  for (let i = 0; i < inferences; i++) {
    const requestId = `${prefix}-${i}`;
    for (const [arm, body] of [['primary', answers.v2], ['canary', answers.v3]]) {
      const id = `${arm}-${requestId}`;
      messages.push(agentMessage(arm, 'request', id, requestId, body), agentMessage(arm, 'response', id, requestId, body));
    }
  }
  return messages;
}
