// Collector benchmark: the prediction collector's throughput (CloudEvents over real HTTP,
// and in-process without HTTP) and its memory with unpaired events waiting.
// Usage: npm run bench:collector -- [--seconds 5] [--connections 32] [--events 20000]
// [--sizes 1000,100000] [--cap 200000]
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { HTTP } from 'cloudevents';
import { readLoggedEvent } from '../../dist/collector/kserve-event.js';
import { PredictionCollector } from '../../dist/collector/prediction-collector.js';
import { KEY, TARGET, mirroredMessages, realAnswers } from './events.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    events: { type: 'string', default: '20000' },
    sizes: { type: 'string', default: '1000,100000' },
    cap: { type: 'string', default: '200000' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const eventCount = Number(values.events);
const sizes = values.sizes.split(',').map(Number);
const cap = Number(values.cap);
for (const [flag, value] of [['--seconds', seconds], ['--connections', connections], ['--events', eventCount], ['--cap', cap], ...sizes.map((s) => ['--sizes', s])]) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} must be a whole number above 0`);
}
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (npm run bench:collector does)');

const MiB = 1024 * 1024;
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const answers = await realAnswers();
/** 4,000 events (1,000 mirrored inferences), reused with fresh ids on every lap. */
const template = mirroredMessages(answers, 1000, 't');

function withLap(message, lap) {
  const headers = { ...message.headers, 'ce-id': `${message.headers['ce-id']}.${lap}`, 'ce-metadata': message.headers['ce-metadata'].replace('"]', `.${lap}"]`) };
  return { headers, body: message.body };
}

// --- over real HTTP: KServe's agent posts one event per request, on keep-alive connections.
async function httpThroughput() {
  const child = fork(new URL('./server-process.mjs', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { url } = await new Promise((resolve) => child.once('message', resolve));
  const sample = () => new Promise((resolve) => { child.once('message', resolve); child.send('sample'); });
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const statuses = new Map();
  let next = 0;
  const post = () => new Promise((resolve, reject) => {
    const index = next++;
    const message = withLap(template[index % template.length], Math.floor(index / template.length));
    const body = Buffer.from(message.body);
    const req = request({ host: target.hostname, port: target.port, path: '/', method: 'POST', agent, headers: { ...message.headers, 'content-length': body.length } }, (res) => {
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
  let stopAt = 0;
  const loop = async () => { while (performance.now() < stopAt) await post(); };
  stopAt = performance.now() + 1000; // warm-up
  await Promise.all(Array.from({ length: connections }, loop));
  const before = await sample();
  const ownCpu = process.cpuUsage();
  const t0 = performance.now();
  stopAt = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, loop));
  const wallS = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(ownCpu);
  const after = await sample();
  child.send('stop');
  agent.destroy();
  const events = after.stats.received - before.stats.received;
  const cpuS = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6;
  const accepted = statuses.get(202) ?? 0;
  if (accepted !== [...statuses.values()].reduce((a, b) => a + b, 0)) throw new Error(`statuses other than 202: ${JSON.stringify([...statuses])}`);
  return { events, wallS, cpuS, loadCpuS: (own.user + own.system) / 1e6, pairs: after.stats.pairs - before.stats.pairs, dropped: after.stats.dropped };
}

// --- in process: the SDK's HTTP.toEvent and the collector, with no sockets; then accept() alone.
function inProcess() {
  const laps = Math.ceil(eventCount / template.length);
  const messages = [];
  for (let lap = 0; lap < laps; lap++) for (const m of template) messages.push(withLap(m, lap));
  messages.length = eventCount;
  const read = new PredictionCollector();
  read.manage(KEY, TARGET);
  const events = [];
  let t0 = performance.now();
  for (const m of messages) {
    const result = readLoggedEvent(HTTP.toEvent({ headers: m.headers, body: m.body }));
    events.push(result.event);
    read.accept(result.event, 0);
  }
  const withSdkS = (performance.now() - t0) / 1000;
  const bare = new PredictionCollector();
  bare.manage(KEY, TARGET);
  t0 = performance.now();
  for (const event of events) bare.accept(event, 0);
  const acceptS = (performance.now() - t0) / 1000;
  return { withSdk: eventCount / withSdkS, accept: eventCount / acceptS, pairs: bare.stats().pairs };
}

// --- memory: primary answers whose mirrored twin never comes (the 80% a dark launch does not mirror).
function heapUsed() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** The primary's request and response events of one inference, read once with the SDK as the server reads them. */
const unpairedTemplate = [0, 1].map((i) => readLoggedEvent(HTTP.toEvent({ headers: template[i].headers, body: template[i].body })).event);

/** The i-th event of a stream of primary inferences (request, response, request, ...): fresh ids, and a fresh answer array as each read makes. */
function unpairedEvent(i) {
  const event = unpairedTemplate[i % 2];
  const lap = Math.floor(i / 2);
  // Flat strings, as header parsing makes them (a concatenation would be a lighter rope).
  const flat = (text) => Buffer.from(text).toString();
  return { ...event, id: flat(`${event.id}.${lap}`), requestId: flat(`${event.requestId}.${lap}`), ...(event.answer ? { answer: [...event.answer] } : {}) };
}

/** `count` events (count/2 primary inferences, none mirrored), read one by one so that only what the collector keeps stays on the heap. */
function memory(count, options = {}) {
  const collector = new PredictionCollector(options);
  collector.manage(KEY, TARGET);
  const base = heapUsed();
  for (let i = 0; i < count; i++) collector.accept(unpairedEvent(i), 0);
  const held = heapUsed() - base;
  const stats = collector.stats();
  // Past the time-to-live, the next event expires everything that waited.
  collector.accept(unpairedEvent(count), (options.ttlMs ?? 60_000) + 1);
  const expired = collector.stats();
  const afterExpiry = heapUsed() - base;
  return { count, held, pending: stats.pending, dropped: stats.dropped, expired: expired.expired, afterExpiry };
}

const http = await httpThroughput();
console.error(`http: ${http.events} events in ${http.wallS.toFixed(1)} s`);
const local = inProcess();
console.error('in-process: done');
memory(2 * Math.max(...sizes)); // warm-up: the first run's heap still settles (code, hidden classes)
const rows = sizes.map((n) => memory(2 * n));
const capped = memory(2 * (cap + cap / 2), { maxPending: cap });
console.error('memory: done');

console.log('| collector throughput | events/s |');
console.log('|---|---:|');
console.log(`| HTTP, binary-mode CloudEvents, ${connections} keep-alive connections: wall clock (load generator on the same 2 cores) | ${fmt(http.events / http.wallS)} |`);
console.log(`| HTTP: per second of the collector process' CPU (what one core sustains) | ${fmt(http.events / http.cpuS)} |`);
console.log(`| in process: CloudEvents SDK \`HTTP.toEvent\` + read + \`accept\` | ${fmt(local.withSdk)} |`);
console.log(`| in process: \`accept\` alone (events already read) | ${fmt(local.accept)} |`);
console.log(`\nHTTP: ${fmt(http.events)} events (${fmt(http.pairs)} pairs) in ${http.wallS.toFixed(1)} s, collector CPU ${http.cpuS.toFixed(2)} s, load generator CPU ${http.loadCpuS.toFixed(2)} s, ${http.dropped} dropped; in process: ${fmt(eventCount)} events.\n`);
console.log('| unpaired answers waiting | heap held (after GC) | per entry | pending | dropped | after expiry (TTL passed) |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of [...rows, capped]) {
  const label = r === capped ? `${fmt(r.count / 2)} sent, cap ${fmt(cap)}` : fmt(r.count / 2);
  console.log(`| ${label} | ${(r.held / MiB).toFixed(1)} MiB | ${fmt(r.held / r.pending)} B | ${fmt(r.pending)} | ${fmt(r.dropped)} | ${(r.afterExpiry / MiB).toFixed(1)} MiB, ${fmt(r.expired)} expired |`);
}
