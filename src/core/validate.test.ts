import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModelCanary, validateModelCanary } from './validate.js';
import { ValidationError } from '../errors.js';

function doc(spec: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'kcanary.io/v1alpha1',
    kind: 'ModelCanary',
    metadata: { name: 'housing' },
    spec: { predictor: { model: { storageUri: 'file://./models/v1' } }, canary: { storageUri: 'file://./models/v2' }, ...spec },
    ...top,
  };
}

test('a minimal spec gets every default', () => {
  const { canary } = parseModelCanary(doc());
  assert.equal(canary.spec.router, 'local');
  assert.equal(canary.spec.modelName, 'housing');
  assert.deepEqual(canary.spec.rollout.steps, [20, 50, 100]);
  assert.equal(canary.spec.rollout.interval, 60_000);
  assert.equal(canary.spec.rollout.mirror, 0);
  assert.equal(canary.spec.analysis.failureLimit, 1);
  assert.deepEqual(canary.spec.analysis.checks, [
    { name: 'error-rate', kind: 'error-rate', maxPercent: 1 },
    { name: 'latency-p99', kind: 'latency', quantile: 0.99, maxMs: 500 },
  ]);
  assert.equal(canary.spec.local?.gateway.port, 8080);
  assert.equal(canary.spec.local?.gateway.headTimeout, 60_000);
  assert.ok(Object.isFrozen(canary.spec.rollout.steps));
});

test('stepWeight and maxWeight derive the steps', () => {
  assert.deepEqual(parseModelCanary(doc({ rollout: { stepWeight: 25 } })).canary.spec.rollout.steps, [25, 50, 75, 100]);
  assert.deepEqual(parseModelCanary(doc({ rollout: { stepWeight: 20, maxWeight: 50 } })).canary.spec.rollout.steps, [20, 40, 50]);
  assert.deepEqual(parseModelCanary(doc({ rollout: { steps: [0, 10, 100], mirror: 50 } })).canary.spec.rollout.steps, [0, 10, 100]);
});

test('metrics are read by kind', () => {
  const { canary } = parseModelCanary(doc({
    rollout: { mirror: 20, interval: '10s' },
    analysis: { metrics: [
      { name: 'latency-p95', max: '1.5s' },
      { name: 'prediction-agreement', min: 95, tolerance: 0.5 },
      { name: 'prediction-shift', max: 0.2 },
      { name: 'gpu-memory', query: 'max(x{variant="{{variant}}"})', max: 0.9 },
    ] },
  }));
  assert.deepEqual(canary.spec.analysis.checks, [
    { name: 'latency-p95', kind: 'latency', quantile: 0.95, maxMs: 1500 },
    { name: 'prediction-agreement', kind: 'prediction-agreement', minPercent: 95, tolerance: 0.5 },
    { name: 'prediction-shift', kind: 'prediction-shift', max: 0.2 },
    { name: 'gpu-memory', kind: 'custom', query: 'max(x{variant="{{variant}}"})', max: 0.9 },
  ]);
  assert.equal(canary.spec.rollout.interval, 10_000);
});

// One bad field each: the error names that field and says what is wrong.
const malformed: [string, Record<string, unknown>, string, RegExp][] = [
  ['wrong apiVersion', doc({}, { apiVersion: 'v1' }), 'apiVersion', /kcanary\.io\/v1alpha1/],
  ['wrong kind', doc({}, { kind: 'Canary' }), 'kind', /ModelCanary/],
  ['bad name', doc({}, { metadata: { name: 'Housing_Model' } }), 'metadata.name', /DNS-1123/],
  ['unknown router', doc({ router: 'linkerd' }), 'spec.router', /one of local, knative/],
  ['missing canary', { ...doc(), spec: { predictor: { model: { storageUri: 'x' } } } }, 'spec.canary', /required/],
  ['missing storageUri', doc({ predictor: { model: {} } }), 'spec.predictor.model.storageUri', /required/],
  ['weight over 100', doc({ rollout: { steps: [20, 150] } }), 'spec.rollout.steps[1]', /between 0 and 100/],
  ['fractional weight', doc({ rollout: { steps: [20.5] } }), 'spec.rollout.steps[0]', /whole percent/],
  ['steps going down', doc({ rollout: { steps: [50, 20, 100] } }), 'spec.rollout.steps[1]', /greater than the step before it \(50\)/],
  ['steps and stepWeight', doc({ rollout: { steps: [50], stepWeight: 10 } }), 'spec.rollout.stepWeight', /either steps or stepWeight/],
  ['maxWeight alone', doc({ rollout: { maxWeight: 50 } }), 'spec.rollout.maxWeight', /goes with stepWeight/],
  ['bad interval', doc({ rollout: { interval: '1 minute' } }), 'spec.rollout.interval', /not a duration/],
  ['gate not a step', doc({ rollout: { pauseBefore: [30] } }), 'spec.rollout.pauseBefore[0]', /30 is not one of the steps/],
  ['unknown field', doc({ rollout: { stepz: [1] } }), 'spec.rollout.stepz', /unknown field/],
  ['error-rate without max', doc({ analysis: { metrics: [{ name: 'error-rate' }] } }), 'spec.analysis.metrics[0].max', /percent/],
  ['latency bad max', doc({ analysis: { metrics: [{ name: 'latency-p99', max: 'slow' }] } }), 'spec.analysis.metrics[0].max', /not a duration/],
  ['custom without query', doc({ analysis: { metrics: [{ name: 'gpu', max: 1 }] } }), 'spec.analysis.metrics[0].query', /PromQL/],
  ['agreement without mirror', doc({ analysis: { metrics: [{ name: 'prediction-agreement' }] } }), 'spec.analysis.metrics[0].name', /spec\.rollout\.mirror/],
  ['split shift on the local gateway', doc({ analysis: { metrics: [{ name: 'prediction-shift', max: 0.1 }] } }), 'spec.analysis.metrics[0].name', /spec\.rollout\.mirror/],
  ['split shift with the threshold judge', doc({ router: 'knative', analysis: { judge: 'threshold', metrics: [{ name: 'prediction-shift', max: 0.1 }] } }), 'spec.analysis.metrics[0].name', /judge to sequential/],
  ['mirror on knative', doc({ router: 'knative', rollout: { mirror: 20 }, analysis: { prometheus: { address: 'http://p:9090' } } }), 'spec.rollout.mirror', /cannot mirror.*prediction-shift/],
  ['agreement on kserve-raw', doc({ router: 'kserve-raw', analysis: { metrics: [{ name: 'prediction-agreement' }] } }), 'spec.analysis.metrics[0].name', /cannot mirror: use prediction-shift/],
  ['cohorts on knative', doc({ router: 'knative', rollout: { match: [{ headers: { 'x-cohort': { exact: 'a' } } }] }, analysis: { prometheus: { address: 'http://p:9090' } } }), 'spec.rollout.match', /istio or gateway-api/],
  ['bad cookie name', doc({ router: 'istio', rollout: { match: [{ cookie: { name: 'a b', value: 'x' } }] } }), 'spec.rollout.match[0].cookie.name', /cookie name/],
  ['metric twice', doc({ analysis: { metrics: [{ name: 'error-rate', max: 1 }, { name: 'error-rate', max: 2 }] } }), 'spec.analysis.metrics[1].name', /twice/],
  ['negative failureLimit', doc({ analysis: { failureLimit: -1 } }), 'spec.analysis.failureLimit', /negative/],
  ['one url only', doc({ local: { primary: { url: 'http://127.0.0.1:1' } } }), 'spec.local.canary', /required/],
  ['bad url', doc({ local: { primary: { url: 'nope' }, canary: { url: 'http://127.0.0.1:2' } } }), 'spec.local.primary.url', /URL/],
  ['command and urls', doc({ local: { command: ['x'], primary: { url: 'http://a:1' }, canary: { url: 'http://b:1' } } }), 'spec.local.command', /either a command/],
  ['bad port', doc({ local: { gateway: { port: 70000 } } }), 'spec.local.gateway.port', /port/],
  ['bad head timeout', doc({ local: { gateway: { headTimeout: 'soon' } } }), 'spec.local.gateway.headTimeout', /duration/],
];

for (const [name, input, path, message] of malformed) {
  test(`malformed spec: ${name} → ${path}`, () => {
    const result = validateModelCanary(input);
    assert.equal(result.canary, undefined);
    const issue = result.errors.find((e) => e.path === path);
    assert.ok(issue, `expected an error at ${path}, got ${JSON.stringify(result.errors)}`);
    assert.match(issue.message, message);
    assert.equal(result.errors.length, 1, `one error expected, got ${JSON.stringify(result.errors)}`);
  });
}

test('prediction-shift on split traffic is valid on a cluster router with the sequential judge', () => {
  const result = validateModelCanary(doc({ router: 'knative', analysis: { metrics: [{ name: 'prediction-shift', max: 0.1 }] } }));
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, [], 'predictions come from the collector, not Prometheus');
});

test('cohorts with prediction-shift on split traffic: a warning that the cohort skews the comparison', () => {
  const result = validateModelCanary(doc({ router: 'istio', rollout: { match: [{ headers: { 'x-cohort': { exact: 'a' } } }] }, analysis: { metrics: [{ name: 'prediction-shift', max: 0.1 }] } }));
  assert.deepEqual(result.errors, []);
  assert.match(result.warnings.find((w) => w.path === 'spec.rollout.match')?.message ?? '', /as if split at random/);
});

test('a cluster router with metrics read from Prometheus and no address: a warning naming the field', () => {
  const result = validateModelCanary(doc({ router: 'istio' }));
  assert.deepEqual(result.errors, []);
  const warning = result.warnings.find((w) => w.path === 'spec.analysis.prometheus.address');
  assert.match(warning?.message ?? '', /error-rate, latency-p99 on router istio are read from Prometheus/);
  assert.equal(validateModelCanary(doc({ router: 'istio', analysis: { prometheus: { address: 'http://p:9090' } } })).warnings.length, 0);
});

test('every problem is reported at once', () => {
  const result = validateModelCanary(doc({ router: 'x', rollout: { steps: [200], interval: 'soon' } }));
  const paths = result.errors.map((e) => e.path).sort();
  assert.deepEqual(paths, ['spec.rollout.interval', 'spec.rollout.steps[0]', 'spec.router']);
});

test('parseModelCanary throws a ValidationError naming the source', () => {
  assert.throws(() => parseModelCanary(doc({ router: 'x' }), 'canary.yaml'), (error: unknown) =>
    error instanceof ValidationError && /canary\.yaml: invalid ModelCanary/.test(error.message) && error.issues[0]?.path === 'spec.router');
  assert.equal(validateModelCanary('text').errors[0]?.path, '(document)');
});

test('spec.local on a cluster router is a warning', () => {
  const result = validateModelCanary(doc({ router: 'istio', local: {}, analysis: { prometheus: { address: 'http://p:9090' } } }));
  assert.ok(result.canary);
  assert.deepEqual(result.warnings.map((w) => w.path), ['spec.local']);
});

test('a bad field in one section does not hide the rules of another', () => {
  const paths = (input: Record<string, unknown>) => validateModelCanary(input).errors.map((e) => `${e.path}: ${e.message}`).sort();
  const interval = paths(doc({ rollout: { interval: '1 minute' }, analysis: { metrics: [{ name: 'error-rat', max: 1 }] } }));
  assert.equal(interval.length, 2, interval.join('\n'));
  assert.match(interval[0]!, /^spec\.analysis\.metrics\[0\]\.name: "error-rat" is not a built-in metric: did you mean error-rate\?/);
  assert.match(interval[1]!, /^spec\.rollout\.interval: /);

  const router = paths({ ...doc({ analysis: { metrics: [{ name: 'error-rat', max: 1 }] } }), spec: {
    routr: 'local', predictor: { model: { storageUri: 'file://a' } }, canary: { storageUri: 'file://b' }, analysis: { metrics: [{ name: 'error-rat', max: 1 }] },
  } });
  assert.deepEqual(router.map((line) => line.split(':')[0]), ['spec.analysis.metrics[0].name', 'spec.routr']);

  // A bad metric does not hide a good one's rule, nor a bad step a gate that is not a step.
  const many = paths(doc({
    rollout: { steps: [20, 50, 100], pauseBefore: [30], interval: 'soon', mirror: 0 },
    analysis: { failureLimit: -1, metrics: [{ name: 'error-rate', max: 'x', extra: 1 }, { name: 'prediction-agreement' }] },
    local: { primary: { url: 'http://127.0.0.1:1' } },
  }));
  assert.deepEqual(many.map((line) => line.split(':')[0]), [
    'spec.analysis.failureLimit', 'spec.analysis.metrics[0].extra', 'spec.analysis.metrics[1].name',
    'spec.local.canary', 'spec.rollout.interval', 'spec.rollout.pauseBefore[0]',
  ]);
});

test('a wrong type is named as such, a missing field as required', () => {
  const wrong = validateModelCanary(doc({ predictor: 5 })).errors;
  assert.deepEqual(wrong, [{ path: 'spec.predictor', message: 'expected an object, got number' }]);
  const missing = validateModelCanary({ ...doc(), spec: { canary: { storageUri: 'x' } } }).errors;
  assert.deepEqual(missing.map((e) => e.path), ['spec.predictor']);
  assert.match(missing[0]!.message, /^is required/);
  assert.equal(validateModelCanary(doc({ canary: { storageUri: 7 } })).errors[0]?.message, 'expected a string, got number');
  assert.equal(validateModelCanary(doc({}, { spec: [] })).errors[0]?.message, 'expected an object, got a list');
});
