// Load process for bench/collector: POSTs KServe inference-logger CloudEvents (binary mode, built with the SDK) as fast as the collector takes them.
import { Agent, request } from 'node:http';
import { HTTP } from 'cloudevents';
import { agentEvent } from '../../dist/collector/testing/kserve-agent.js';

const [url, secondsText, connectionsText] = process.argv.slice(2);
const seconds = Number(secondsText);
const connections = Number(connectionsText);
const agent = new Agent({ keepAlive: true, maxSockets: connections });
const target = new URL(url);
const requestBody = JSON.stringify({ instances: [[2.3615, 38, 6.2107, 1.1659, 2352, 3.5068, 33.6761, -118.0371]] });
const responseBody = JSON.stringify({ predictions: [1.8731] });

function post(i) {
  const variant = i % 5 === 0 ? 'canary' : 'primary';
  const kind = i % 2 === 0 ? 'request' : 'response';
  const { headers, body } = HTTP.binary(agentEvent({
    url, pod: `housing-${variant}-predictor-6f7d8c9b5-abcde`, inferenceService: `housing-${variant}`, namespace: 'models',
    requestBody, responseBody, metadata: { 'X-Request-Id': [`req-${Math.floor(i / 2)}`] },
  }, kind, `ce-${Math.floor(i / 2)}`));
  return new Promise((resolve) => {
    const req = request({ host: target.hostname, port: target.port, path: '/', method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 202));
    });
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

let sent = 0;
let errors = 0;
const until = performance.now() + seconds * 1000;
const started = performance.now();
await Promise.all(Array.from({ length: connections }, async () => {
  while (performance.now() < until) {
    const ok = await post(sent++);
    if (!ok) errors++;
  }
}));
process.send({ rate: (sent - errors) / ((performance.now() - started) / 1000), errors });
agent.destroy();
