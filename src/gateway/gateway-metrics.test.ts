import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LATENCY_BUCKETS_SECONDS, startGateway } from './index.js';
import { send, startUpstream } from './testing/upstreams.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the Prometheus text format: fails on any line it does not understand. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  assert.ok(text.endsWith('\n'), 'exposition ends with a newline');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      assert.match(line, /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* \S.*$/);
      continue;
    }
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      assert.ok(!types.has(type[1]!), `TYPE of ${type[1]} given twice`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    const value = sample[3] === '+Inf' ? Infinity : Number(sample[3]);
    assert.ok(!Number.isNaN(value), `bad value in ${line}`);
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(sample[1]!) || types.get(family) === 'histogram', `${sample[1]} has no TYPE before it`);
    samples.push({ name: sample[1]!, labels, value });
  }
  return { types, samples };
}

test('GET /metrics is valid Prometheus text whose counts match the traffic', async () => {
  const primary = await startUpstream();
  const canary = await startUpstream({ handler: (_req, res) => res.writeHead(500).end('{"error":"boom"}') });
  const gateway = await startGateway({ upstreams: { primary: primary.url, canary: canary.url }, canaryWeight: 25 });
  try {
    for (let i = 0; i < 20; i++) await send(gateway.url);
    const reply = await send(gateway.url, { method: 'GET', path: '/metrics' });
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(reply.body, gateway.metricsText());
    const { types, samples } = parseExposition(reply.body);
    assert.equal(types.get('kcanary_gateway_requests_total'), 'counter');
    assert.equal(types.get('kcanary_gateway_request_duration_seconds'), 'histogram');
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    assert.equal(value('kcanary_gateway_requests_total', { variant: 'primary', code: '200' }), 15);
    assert.equal(value('kcanary_gateway_requests_total', { variant: 'canary', code: '500' }), 5);
    assert.equal(value('kcanary_gateway_canary_weight'), 25);
    for (const variant of ['primary', 'canary']) {
      const buckets = samples.filter((s) => s.name === 'kcanary_gateway_request_duration_seconds_bucket' && s.labels.variant === variant);
      assert.deepEqual(buckets.map((b) => b.labels.le), [...LATENCY_BUCKETS_SECONDS.map(String), '+Inf']);
      for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'buckets are cumulative');
      assert.equal(buckets.at(-1)!.value, value('kcanary_gateway_request_duration_seconds_count', { variant }));
      assert.ok(value('kcanary_gateway_request_duration_seconds_sum', { variant })! > 0);
    }
    const stats = gateway.stats();
    assert.deepEqual(stats.canary.byCode, { '500': 5 });
    assert.equal(stats.canary.errors, 5);
    assert.equal(stats.primary.latencyBuckets.length, LATENCY_BUCKETS_SECONDS.length + 1);
    assert.equal(stats.primary.latencyBuckets.reduce((a, b) => a + b, 0), 15, 'non-cumulative buckets add up to the count');
  } finally {
    await gateway.close();
    await primary.close();
    await canary.close();
  }
});
