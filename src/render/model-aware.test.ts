// Mirroring, canary header and cohort routes, and the inference logger: rendered objects against the real CRDs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseModelCanary } from '../core/validate.js';
import type { KubeObject } from '../kube/resources.js';
import { readCrds } from '../testing/kube-env.js';
import { CrdValidator } from './crd-validator.js';
import { renderGatewayApi } from './gateway-api.js';
import { DEFAULT_COLLECTOR_URL, renderInputFrom } from './input.js';
import { renderIstio } from './istio.js';
import { renderAtWeight } from './index.js';

const validator = new CrdValidator(readCrds());

function inputFor(router: string, spec: Record<string, unknown> = {}) {
  const { canary } = parseModelCanary({
    apiVersion: 'kcanary.io/v1alpha1', kind: 'ModelCanary', metadata: { name: 'housing', namespace: 'models' },
    spec: {
      router,
      predictor: { model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/housing/v2' } },
      canary: { storageUri: 's3://models/housing/v3' },
      ingress: { parentRefs: [{ name: 'kserve-ingress-gateway', namespace: 'kserve' }] },
      rollout: { steps: [0, 20, 100], mirror: 20, match: [{ headers: { 'X-Cohort': { exact: 'insider' } } }, { cookie: { name: 'canary', value: 'always' } }] },
      analysis: { metrics: [{ name: 'prediction-agreement', min: 99, tolerance: 0.01 }] },
      ...spec,
    },
  });
  return renderInputFrom(canary, { stableStorageUri: canary.spec.predictor.model.storageUri, canaryStorageUri: canary.spec.canary.storageUri });
}

function assertValid(objects: readonly KubeObject[]): void {
  for (const object of objects) assert.deepEqual(validator.validate(object), [], `${object.kind} ${object.metadata.name}`);
}

const byName = (objects: readonly KubeObject[], name: string) => objects.find((o) => o.metadata.name === name) as KubeObject;
type Http = { name: string; match: { headers?: Record<string, unknown> }[]; route: { destination: { host: string } }[]; mirrors?: unknown; mirror?: unknown; mirrorPercentage?: unknown };

describe('istio: mirror, canary header and cohorts', () => {
  it('mirrors 20% of the split to the canary with `mirrors` (Istio ≥ 1.22), canary routes first', () => {
    const objects = renderIstio(inputFor('istio'), { primaryStorageUri: 's3://models/housing/v2', canary: 'running', canaryWeight: 0 });
    assertValid(objects);
    const http = (byName(objects, 'housing-predictor').spec as { http: Http[] }).http;
    assert.deepEqual(http.map((h) => h.name), ['housing-predictor-canary-header', 'housing-predictor-match-0', 'housing-predictor-match-1', 'housing-predictor']);
    for (const route of http.slice(0, 3)) assert.deepEqual(route.route.map((r) => r.destination.host), ['housing-canary-predictor']);
    assert.deepEqual(http[1]!.match[0]!.headers, { 'x-cohort': { exact: 'insider' } });
    const cookie = (http[2]!.match[0]!.headers as { cookie: { regex: string } }).cookie.regex;
    assert.ok(new RegExp(cookie).test('session=1; canary=always; theme=dark') && !new RegExp(cookie).test('canary=alwaysnot'), cookie);
    assert.deepEqual(http[3]!.mirrors, [{ destination: { host: 'housing-canary-predictor', port: { number: 80 } }, percentage: { value: 20 } }]);
    assert.equal(http[3]!.mirror, undefined);
  });
  it('the older `mirror` + `mirrorPercentage` when the spec asks for it', () => {
    const objects = renderIstio(inputFor('istio', { ingress: { istioMirror: 'mirror' } }), { primaryStorageUri: 's3://models/housing/v2', canary: 'running', canaryWeight: 20 });
    assertValid(objects);
    const split = (byName(objects, 'housing-predictor').spec as { http: Http[] }).http.at(-1)!;
    assert.deepEqual(split.mirror, { host: 'housing-canary-predictor', port: { number: 80 } });
    assert.deepEqual(split.mirrorPercentage, { value: 20 });
    assert.equal(split.mirrors, undefined);
  });
  it('no canary route and no mirror once the canary no longer runs', () => {
    for (const canary of ['absent', 'scaled-to-zero'] as const) {
      const objects = renderIstio(inputFor('istio'), { primaryStorageUri: 's3://models/housing/v3', canary, canaryWeight: 0 });
      assertValid(objects);
      const http = (byName(objects, 'housing-predictor').spec as { http: Http[] }).http;
      assert.deepEqual(http.map((h) => h.name), ['housing-predictor']);
      assert.equal(http[0]!.mirrors, undefined);
    }
  });
});

describe('gateway-api: RequestMirror with percent, canary header and cohorts', () => {
  it('renders the mirror filter on the split rule and header rules ahead of it', () => {
    const objects = renderGatewayApi(inputFor('gateway-api'), { primaryStorageUri: 's3://models/housing/v2', canary: 'running', canaryWeight: 0 });
    assertValid(objects);
    type Rule = { matches: { headers?: { type: string; name: string; value: string }[] }[]; backendRefs: { name: string }[]; filters?: unknown[] };
    const rules = (byName(objects, 'housing-predictor').spec as { rules: Rule[] }).rules;
    assert.equal(rules.length, 4);
    assert.deepEqual(rules[0]!.matches[0]!.headers, [{ type: 'Exact', name: 'x-kcanary-variant', value: 'canary' }]);
    assert.deepEqual(rules[1]!.matches[0]!.headers, [{ type: 'Exact', name: 'X-Cohort', value: 'insider' }]);
    assert.equal(rules[2]!.matches[0]!.headers![0]!.name, 'Cookie');
    for (const rule of rules.slice(0, 3)) assert.deepEqual(rule.backendRefs.map((b) => b.name), ['housing-canary-predictor']);
    assert.deepEqual(rules[3]!.filters, [{ type: 'RequestMirror', requestMirror: { backendRef: { kind: 'Service', name: 'housing-canary-predictor', port: 80 }, percent: 20 } }]);
  });
});

describe('the inference logger on every InferenceService kcanary manages', () => {
  const logger = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'InferenceService').map((o) => (o.spec!.predictor as { logger?: unknown }).logger);
  it('all routers: mode all, the collector Service, X-Request-Id passed on', () => {
    for (const router of ['istio', 'gateway-api', 'knative', 'kserve-raw']) {
      const spec = router === 'knative' || router === 'kserve-raw'
        ? { rollout: { steps: [20, 100] }, analysis: { metrics: [{ name: 'prediction-shift', max: 0.1 }] } }
        : {};
      const objects = renderAtWeight(router as never, inputFor(router, spec), 20);
      assertValid(objects);
      const loggers = logger(objects);
      assert.ok(loggers.length >= 1);
      for (const l of loggers) assert.deepEqual(l, { mode: 'all', url: DEFAULT_COLLECTOR_URL, metadataHeaders: ['X-Request-Id', 'X-Kcanary-Variant'] }, router);
    }
  });
  it('a spec-named collector URL; no logger when nothing reads predictions', () => {
    const named = renderAtWeight('istio', inputFor('istio', { analysis: { collector: { url: 'http://collector.obs.svc:8090' }, metrics: [{ name: 'prediction-agreement' }] } }), 20);
    assert.ok(logger(named).every((l) => (l as { url: string }).url === 'http://collector.obs.svc:8090'));
    const none = renderAtWeight('istio', inputFor('istio', { rollout: { steps: [20, 100] }, analysis: { prometheus: { address: 'http://prometheus:9090' } } }), 20);
    assert.deepEqual(logger(none), [undefined, undefined]);
  });
});
