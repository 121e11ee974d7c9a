// The prediction collector's own figures: events per second on one core (over HTTP
// from a load process, and the read + pairing alone), and its memory with 1,000 and
// 100,000 unpaired events waiting. Usage: npm run bench:collector -- [--seconds 10] [--connections 32]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HTTP } from 'cloudevents';
import { startCollectorServer } from '../../dist/collector/collector-server.js';
import { readLoggedEvent } from '../../dist/collector/kserve-event.js';
import { PredictionCollector } from '../../dist/collector/prediction-collector.js';
import { agentEvent } from '../../dist/collector/testing/kserve-agent.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);

// A housing request and answer of 4 instances, as the real model server answers them.
const requestBody = JSON.stringify({ instances: [[2.3615, 38, 6.2107, 1.1659, 2352, 3.5068, 33.6761, -118.0371], [2.7841, 4, 4.9121, 1.1382, 1080, 4.3235, 38.8399, -121.981], [5.796, 7, 6.0765, 1.248, 2113, 2.604, 37.1046, -121.6972], [3.6398, 21, 5.7364, 1.3882, 832, 3.0278, 34.2237, -118.5062]] });
const responseBody = JSON.stringify({ predictions: [1.8731, 1.9542, 2.6611, 2.1016] });
const NS = 'models';

function managed() {
  const collector = new PredictionCollector({ maxPending: 1_000_000, ttlMs: 3_600_000 });
  collector.manage(`${NS}/housing`, { namespace: NS, mode: 'mirrored', primary: { inferenceService: 'housing-primary' }, canary: { inferenceService: 'housing-canary' } });
  return collector;
}

function message(variant, kind, i) {
  const event = agentEvent({
    url: '', pod: `housing-${variant}-predictor-6f7d8c9b5-abcde`, inferenceService: `housing-${variant}`, namespace: NS,
    requestBody, responseBody, metadata: { 'X-Request-Id': [`req-${i}`] },
  }, kind, `ce-${variant}-${i}`);
  const { headers, body } = HTTP.binary(event);
  return { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)])), body };
}

/** Read with the SDK and accept, no sockets: the collector's own cost per event. */
function inProcess() {
  const collector = managed();
  const messages = [];
  for (let i = 0; i < 2000; i++) {
    messages.push(message('primary', 'request', i), message('primary', 'response', i), message('canary', 'request', i), message('canary', 'response', i));
  }
  let n = 0;
  const until = performance.now() + Math.min(seconds, 5) * 1000;
  const started = performance.now();
  while (performance.now() < until) {
    for (let k = 0; k < 400; k++) {
      const m = messages[n % messages.length];
      collector.accept(readLoggedEvent(HTTP.toEvent(m)).event, Date.now());
      n++;
    }
    if (n % messages.length === 0) collector.take(`${NS}/housing`);
  }
  return n / ((performance.now() - started) / 1000);
}

async function overHttp() {
  const collector = managed();
  const server = await startCollectorServer({ collector });
  const load = fork(fileURLToPath(new URL('./load.mjs', import.meta.url)), [server.url, String(seconds), String(connections)]);
  const drain = setInterval(() => collector.take(`${NS}/housing`), 1000);
  const result = await new Promise((resolve) => load.on('message', resolve));
  clearInterval(drain);
  await server.close();
  return { ...result, accepted: collector.stats().accepted };
}

function heapMb() {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

/** Heap held by `count` unpaired answers (mirrored mode, no twin ever comes), after a full GC. */
function memoryWith(count) {
  const before = heapMb();
  const collector = managed();
  for (let i = 0; i < count; i++) {
    collector.accept({ kind: 'response', id: `ce-${i}`, source: 'housing-primary-predictor-1', inferenceService: 'housing-primary', namespace: NS, requestId: `req-${i}`, answer: [1.8731, 1.9542, 2.6611, 2.1016] }, 0);
  }
  collector.take(`${NS}/housing`);
  const after = heapMb();
  if (collector.stats().pending !== count) throw new Error('unexpected pending count');
  return { mb: after - before, perEntry: ((after - before) * 1e6) / count, keep: collector };
}

if (!globalThis.gc) console.error('run with node --expose-gc for exact memory figures');
const inProcessRate = inProcess();
console.error(`in-process: ${inProcessRate.toFixed(0)} events/s`);
const http = await overHttp();
console.error(`over HTTP: ${http.rate.toFixed(0)} events/s (${http.errors} errors)`);
const small = memoryWith(1000);
const large = memoryWith(100_000);
console.log('| figure | value |');
console.log('|---|---|');
console.log(`| events/s over HTTP, one collector process (${connections} keep-alive connections from a separate load process, ${seconds} s) | ${http.rate.toFixed(0)} (${http.errors} errors) |`);
console.log(`| events/s read with the CloudEvents SDK and paired, no sockets | ${inProcessRate.toFixed(0)} |`);
console.log(`| heap with 1,000 unpaired events waiting | ${small.mb.toFixed(2)} MB (${small.perEntry.toFixed(0)} B each) |`);
console.log(`| heap with 100,000 unpaired events waiting | ${large.mb.toFixed(1)} MB (${large.perEntry.toFixed(0)} B each) |`);
void small.keep; void large.keep;
