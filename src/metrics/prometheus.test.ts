import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parseModelCanary } from '../core/validate.js';
import { judgeWindow, overallVerdict } from '../core/threshold-judge.js';
import type { MetricCheck } from '../core/spec.js';
import { DEFAULT_BUCKETS_SECONDS } from '../core/measurement.js';
import { PrometheusMetrics } from './prometheus.js';
import { fillTemplate, rangeOf } from './prometheus-queries.js';
import { MetricsTarget, prometheusBinary, startPrometheus, type TestPrometheus } from './prometheus-test-server.js';

const NS = 'models';
const PRIMARY = 'sklearn-primary-predictor';
const CANARY = 'sklearn-canary-predictor';
const sel = (service: string, code: string) => ({ reporter: 'destination', destination_service_namespace: NS, destination_service_name: service, response_code: code });
const hist = (service: string) => ({ reporter: 'destination', destination_service_namespace: NS, destination_service_name: service });
const LE = ['5', '10', '25', '50', '100', '250', '500', '1000', '2500', '+Inf'];

const checks = parseModelCanary({
  apiVersion: 'kcanary.io/v1alpha1', kind: 'ModelCanary', metadata: { name: 'sklearn', namespace: NS },
  spec: {
    router: 'istio',
    predictor: { model: { storageUri: 'gs://m/1' } }, canary: { storageUri: 'gs://m/2' },
    analysis: {
      judge: 'threshold',
      minRequests: 10,
      metrics: [
        { name: 'error-rate', max: 2 },
        { name: 'latency-p99', max: '500ms' },
        { name: 'canary-error-ratio', max: 0.02, query: 'sum(increase(istio_requests_total{destination_service_name="{{variant}}",destination_service_namespace="{{namespace}}",response_code=~"5.."}[{{interval}}])) / sum(increase(istio_requests_total{destination_service_name="{{variant}}",destination_service_namespace="{{namespace}}"}[{{interval}}]))' },
        { name: 'nan', max: 1, query: 'sum(increase(istio_requests_total{destination_service_name="{{name}}-nothing"}[{{interval}}])) / 0' },
      ],
    },
  },
}).canary.spec.analysis.checks;

function zeroes(target: MetricsTarget): void {
  for (const service of [PRIMARY, CANARY]) {
    target.set('istio_requests_total', sel(service, '200'), 0);
    target.set('istio_requests_total', sel(service, '503'), 0);
    target.setHistogram('istio_request_duration_milliseconds', hist(service), LE.map((le) => [le, 0]));
  }
}

/** Traffic the test produces: requests, 5xx, and latencies (ms, non-cumulative per LE bucket). */
function produce(target: MetricsTarget, service: string, ok: number, failed: number, perBucket: readonly number[]): void {
  target.set('istio_requests_total', sel(service, '200'), ok);
  target.set('istio_requests_total', sel(service, '503'), failed);
  let cumulative = 0;
  target.setHistogram('istio_request_duration_milliseconds', hist(service), LE.map((le, i) => [le, (cumulative += perBucket[i] ?? 0)]));
}

describe('fillTemplate', () => {
  it('fills the four placeholders and escapes label values', () => {
    assert.equal(
      fillTemplate('x{a="{{variant}}",b="{{ namespace }}",c="{{name}}"}[{{interval}}]', { variant: 'v"1', namespace: 'ns', interval: '90s', name: 'n' }),
      'x{a="v\\"1",b="ns",c="n"}[90s]',
    );
    assert.equal(rangeOf(0, 90_400), '91s');
    assert.equal(rangeOf(0, 10), '1s');
  });
});

describe('PrometheusMetrics against a real Prometheus', { skip: prometheusBinary() ? false : 'prometheus not installed (scripts/setup-test-deps.sh)' }, () => {
  let target: MetricsTarget;
  let prometheus: TestPrometheus;
  before(async () => {
    target = new MetricsTarget();
    zeroes(target);
    await target.listen();
    await startScraping();
  });
  async function startScraping() {
    prometheus = await startPrometheus(target.url, { scrapeIntervalMs: 200 });
  }
  after(async () => {
    await prometheus?.stop();
    await target?.close();
  });

  const provider = (windowStartMs: number, checkList: readonly MetricCheck[] = checks, variants = { primary: PRIMARY, canary: CANARY }) =>
    new PrometheusMetrics({ address: prometheus.address, router: 'istio', namespace: NS, name: 'sklearn', checks: checkList, variants: () => variants, windowStartMs, timeoutMs: 2000 });

  it('reports no series for either variant as unavailable, with the query; a canary with no series yet counts 0', async () => {
    await prometheus.waitForScrapes(3);
    const unknown = provider(Date.now() - 5_000, checks, { primary: 'no-such-primary', canary: 'no-such-predictor' });
    const window = await unknown.measure(Date.now());
    assert.match(window.unavailable ?? '', /no series in Prometheus for no-such-primary or no-such-predictor requests \(queries: istio_requests_total\{reporter="destination",destination_service_namespace="models",destination_service_name="no-such-primary"\}/);
    assert.ok(judgeWindow(window, { checks, minRequests: 10 }).every((r) => r.verdict === 'inconclusive'));
    const newCanary = await provider(Date.now() - 5_000, checks, { primary: PRIMARY, canary: 'no-such-predictor' }).measure(Date.now());
    assert.equal(newCanary.unavailable, undefined);
    assert.equal(newCanary.canary.requests, 0);
  });

  it('measures the error rate and latency the test produced, and stops being conclusive when Prometheus stops', async () => {
    await prometheus.waitForScrapes(2);
    const windowStart = Date.now();
    const metrics = provider(windowStart);
    // Counts are read between samples by interpolation: the traffic starts after a scrape inside the window, so none of it falls before.
    await prometheus.waitForScrapes(2);
    // Primary: 1% errors, fast. Canary: 5% errors, p99 in the 500–1000 ms bucket.
    produce(target, PRIMARY, 990, 10, [100, 400, 300, 150, 50]);
    produce(target, CANARY, 380, 20, [0, 0, 100, 0, 200, 80, 0, 20]);
    await prometheus.waitForScrapes(3);

    const window = await metrics.measure(Date.now());
    assert.equal(window.unavailable, undefined);
    assert.deepEqual(window.bucketBounds, DEFAULT_BUCKETS_SECONDS, 'the bounds every judge reads');
    // Raw samples read at the instant every series was last scraped: the counts are exact, not extrapolated.
    assert.deepEqual([window.canary.requests, window.canary.errors, window.primary.requests, window.primary.errors], [400, 20, 1000, 10]);
    assert.deepEqual(window.canary.latencyBuckets, [0, 0, 100, 0, 200, 80, 0, 20, 0, 0, 0, 0]);

    const results = judgeWindow(window, { checks, minRequests: 10 });
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    assert.equal(byName['error-rate']!.value, 5);
    assert.equal(byName['error-rate']!.verdict, 'fail');
    assert.equal(byName['latency-p99']!.value, 900, 'p99: rank 396 of 400 is 16/20 of the way through (500, 1000] ms');
    assert.equal(byName['latency-p99']!.verdict, 'fail');
    assert.ok(Math.abs(byName['canary-error-ratio']!.value! - 0.05) < 1e-6, 'custom query with {{variant}}, {{namespace}}, {{interval}} filled');
    assert.equal(byName['canary-error-ratio']!.verdict, 'fail');
    assert.equal(byName.nan!.verdict, 'inconclusive', 'NaN is never a pass');
    assert.match(byName.nan!.message, /NaN|no samples/);

    // Prometheus goes away mid-analysis: inconclusive with the reason, never a pass.
    await prometheus.stop();
    const down = await metrics.measure(Date.now());
    assert.match(down.unavailable ?? '', /unreachable|did not answer/);
    const downResults = judgeWindow(down, { checks, minRequests: 10 });
    assert.ok(downResults.every((r) => r.verdict === 'inconclusive'), JSON.stringify(downResults));
    assert.equal(overallVerdict(downResults), 'inconclusive');
  });

});

describe('PrometheusMetrics when Prometheus misbehaves', () => {
  it('a query that outlives the timeout is unavailable', async () => {
    const hanging = createServer(() => { /* never answers */ });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hanging.address() as { port: number };
      const metrics = new PrometheusMetrics({
        address: `http://127.0.0.1:${port}`, router: 'knative', namespace: NS, name: 'sklearn', checks,
        variants: () => ({ primary: 'sklearn-predictor-00001', canary: 'sklearn-predictor-00002' }), windowStartMs: 0, timeoutMs: 200,
      });
      const window = await metrics.measure(60_000);
      assert.match(window.unavailable ?? '', /did not answer within 200 ms/);
      assert.equal(window.custom['canary-error-ratio']?.value, null);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it('a query error is unavailable with Prometheus\' message', async () => {
    const fetchFn = (async () => new Response(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }), { status: 400 })) as typeof fetch;
    const metrics = new PrometheusMetrics({ address: 'http://prom', router: 'istio', namespace: NS, name: 'x', checks, variants: () => ({ primary: 'a', canary: 'b' }), windowStartMs: 0, fetch: fetchFn });
    const window = await metrics.measure(1000);
    assert.match(window.unavailable ?? '', /bad_data.*parse error/);
  });
});
