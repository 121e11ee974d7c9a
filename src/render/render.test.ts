import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseModelCanary } from '../core/validate.js';
import { readCrds } from '../testing/kube-env.js';
import { CrdValidator } from './crd-validator.js';
import { renderSplitVirtualService, renderVariantVirtualService } from './istio.js';
import { KUBE_ROUTERS, manifestsToYaml, renderAtWeight, renderInputFrom } from './index.js';
import { renderKnative } from './knative.js';
import { canaryNameOf, renderKserveRaw } from './kserve-raw.js';
import { renderIstio } from './istio.js';
import { renderGatewayApi } from './gateway-api.js';

const GOLDEN_DIR = fileURLToPath(new URL('../../test/golden/', import.meta.url));
const WEIGHTS = [0, 20, 50, 100];

/** The example of DESIGN.md and of the "Model Canary without Knative" design. */
export function sampleCanary(router: string) {
  return parseModelCanary({
    apiVersion: 'kcanary.io/v1alpha1',
    kind: 'ModelCanary',
    metadata: { name: 'sklearn', namespace: 'sample-dev' },
    spec: {
      router,
      predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'gs://kfserving-examples/models/sklearn/1.0/model' } },
      canary: { storageUri: 'gs://kfserving-examples/models/sklearn/1.0/model-2' },
      ingress: {
        domain: 'api.sandbox-uw2.sample.io',
        gateways: ['istio-system/sample-gateway'],
        parentRefs: [{ name: 'kserve-ingress-gateway', namespace: 'kserve' }],
      },
    },
  }).canary;
}

export function sampleInput(router = 'istio') {
  const canary = sampleCanary(router);
  return renderInputFrom(canary, { stableStorageUri: canary.spec.predictor.model.storageUri, canaryStorageUri: canary.spec.canary.storageUri });
}

const validator = new CrdValidator(readCrds());

function assertValid(objects: readonly { apiVersion?: string; kind?: string; metadata?: { name?: string } }[]): void {
  for (const object of objects) {
    assert.deepEqual(validator.validate(object), [], `${object.kind} ${object.metadata?.name} must validate against its CRD`);
  }
}

describe('render: golden manifests, validated against the real CRDs', () => {
  for (const router of KUBE_ROUTERS) {
    for (const weight of WEIGHTS) {
      it(`${router} at ${weight}%`, () => {
        const manifests = renderAtWeight(router, sampleInput(router), weight);
        assertValid(manifests);
        const yaml = manifestsToYaml(manifests);
        const file = `${GOLDEN_DIR}${router}-${weight}.yaml`;
        if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
          if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`missing golden file ${file}: run UPDATE_GOLDEN=1 npm test to write it`);
          mkdirSync(GOLDEN_DIR, { recursive: true });
          writeFileSync(file, yaml);
        }
        assert.equal(yaml, readFileSync(file, 'utf8'), `rendered ${router} at ${weight}% differs from ${file} (UPDATE_GOLDEN=1 npm test rewrites it)`);
      });
    }
  }
});

describe('render: every intermediate state validates', () => {
  const input = sampleInput();
  it('knative: rollback and promotion states', () => {
    assertValid(renderKnative(input, { storageUri: input.stableStorageUri, canaryTrafficPercent: 0 }));
    assertValid(renderKnative(input, { storageUri: input.canaryStorageUri }));
  });
  it('kserve-raw: promoted (no canary entry, primary takes the canary name)', () => {
    const [before] = renderKserveRaw(input, { primaryStorageUri: input.stableStorageUri, canary: { storageUri: input.canaryStorageUri, trafficPercent: 50 } });
    const [after] = renderKserveRaw(input, { primaryStorageUri: input.canaryStorageUri, primaryName: canaryNameOf(input), canary: null });
    assertValid([before!, after!]);
    assert.equal((before!.spec!.predictor as { name?: string }).name, undefined, 'the stable predictor keeps its (absent) name: naming it would replace its Deployment');
    const canaryName = ((before!.spec!.canary as { predictor: { name: string } }[])[0]!).predictor.name;
    assert.equal((after!.spec!.predictor as { name: string }).name, canaryName);
    assert.equal(after!.spec!.canary, undefined);
  });
  it('two variants: canary scaled to zero, or absent', () => {
    for (const render of [renderIstio, renderGatewayApi]) {
      const zero = render(input, { primaryStorageUri: input.canaryStorageUri, canary: 'scaled-to-zero', canaryWeight: 0 });
      assertValid(zero);
      assert.equal((zero[1]!.spec!.predictor as { minReplicas: number }).minReplicas, 0);
      const absent = render(input, { primaryStorageUri: input.canaryStorageUri, canary: 'absent', canaryWeight: 0 });
      assertValid(absent);
      assert.ok(!absent.some((o) => o.metadata.name === 'sklearn-canary'));
    }
  });
  it('the validator catches what the API server would reject or prune', () => {
    const [isvc] = renderAtWeight('kserve-raw', input, 20);
    const bad = structuredClone(isvc!) as unknown as { spec: { canary: { trafficPercent: number }[]; predictor: Record<string, unknown> } };
    bad.spec.canary[0]!.trafficPercent = 101;
    bad.spec.predictor.notAField = true;
    const issues = validator.validate(bad as never);
    assert.ok(issues.some((i) => i.path === 'spec.canary[0].trafficPercent' && i.message === 'must be ≤ 100'), JSON.stringify(issues));
    assert.ok(issues.some((i) => i.path === 'spec.predictor.notAField' && i.message.includes('prune')), JSON.stringify(issues));
  });
});

describe('render: istio matches the "Model Canary without Knative" design object for object', () => {
  // The design's template with Release.Name=sklearn, Namespace=sample-dev, primaryLoad=60,
  // the gateway and domain of its example; plus the x-kcanary-variant header kcanary adds.
  it('public VirtualService', () => {
    const vs = renderSplitVirtualService(sampleInput(), 40);
    assert.equal(vs.apiVersion, 'networking.istio.io/v1');
    assert.equal(vs.kind, 'VirtualService');
    assert.equal(vs.metadata.name, 'sklearn-predictor');
    assert.equal(vs.metadata.namespace, 'sample-dev');
    // Ahead of the design's split: the route of requests that ask for the canary (x-kcanary-variant: canary).
    const spec = vs.spec as { http: Record<string, unknown>[] };
    assert.deepEqual(spec.http[0], {
      name: 'sklearn-predictor-canary-header',
      match: [{ uri: { regex: '^/.+$' }, headers: { 'x-kcanary-variant': { exact: 'canary' } } }],
      route: [{ destination: { host: 'sklearn-canary-predictor', port: { number: 80 } }, headers: { response: { set: { 'x-kcanary-variant': 'canary' } } } }],
    });
    assert.deepEqual({ ...vs.spec, http: spec.http.slice(1) }, {
      gateways: ['istio-system/sample-gateway'],
      hosts: ['sklearn-predictor-sample-dev.api.sandbox-uw2.sample.io'],
      http: [{
        match: [{ uri: { regex: '^/.+$' } }],
        name: 'sklearn-predictor',
        route: [
          { destination: { host: 'sklearn-primary-predictor', port: { number: 80 } }, weight: 60, headers: { response: { set: { 'x-kcanary-variant': 'primary' } } } },
          { destination: { host: 'sklearn-canary-predictor', port: { number: 80 } }, weight: 40, headers: { response: { set: { 'x-kcanary-variant': 'canary' } } } },
        ],
      }],
    });
  });
  it('per-variant VirtualServices on their own hosts', () => {
    for (const variant of ['primary', 'canary'] as const) {
      const vs = renderVariantVirtualService(sampleInput(), variant);
      assert.equal(vs.metadata.name, `sklearn-${variant}-predictor`);
      assert.deepEqual(vs.spec, {
        gateways: ['istio-system/sample-gateway'],
        hosts: [`sklearn-${variant}-predictor-sample-dev.api.sandbox-uw2.sample.io`],
        http: [{
          match: [{ uri: { regex: '^/.+$' } }],
          name: `sklearn-${variant}-predictor`,
          route: [{ destination: { host: `sklearn-${variant}-predictor`, port: { number: 80 } }, headers: { response: { set: { 'x-kcanary-variant': variant } } } }],
        }],
      });
    }
  });
  it('two InferenceServices, old and new storageUri, the same model name', () => {
    const [primary, canary] = renderAtWeight('istio', sampleInput(), 40);
    assert.deepEqual([primary!.metadata.name, canary!.metadata.name], ['sklearn-primary', 'sklearn-canary']);
    const model = (o: typeof primary) => (o!.spec!.predictor as { model: { storageUri: string; args: string[]; modelFormat: unknown } }).model;
    assert.equal(model(primary).storageUri, 'gs://kfserving-examples/models/sklearn/1.0/model');
    assert.equal(model(canary).storageUri, 'gs://kfserving-examples/models/sklearn/1.0/model-2');
    assert.deepEqual(model(primary).args, ['--model_name=sklearn']);
    assert.deepEqual(model(canary).args, ['--model_name=sklearn']);
    assert.deepEqual(model(canary).modelFormat, { name: 'sklearn' });
    assert.equal(primary!.metadata.annotations!['serving.kserve.io/deploymentMode'], 'Standard', 'KServe ≥ 0.16 names the mode Standard');
    const [old] = renderAtWeight('istio', { ...sampleInput(), kserveVersion: '0.15' }, 40);
    assert.equal(old!.metadata.annotations!['serving.kserve.io/deploymentMode'], 'RawDeployment', 'before 0.16 only the old name is known');
  });
});

describe('render: guardrails', () => {
  it('refuses the local router, unknown routers and bad weights', () => {
    assert.throws(() => renderAtWeight('local', sampleInput(), 20), /no Kubernetes manifests/);
    assert.throws(() => renderAtWeight('nope' as never, sampleInput(), 20), /unknown router "nope"/);
    assert.throws(() => renderAtWeight('istio', sampleInput(), 101), /between 0 and 100/);
    assert.throws(() => renderAtWeight('istio', sampleInput(), 2.5), /whole percent/);
  });
  it('knative: tag routing on, canaryTrafficPercent carries the weight', () => {
    const [isvc] = renderAtWeight('knative', sampleInput('knative'), 20);
    assert.equal(isvc!.metadata.annotations!['serving.kserve.io/enable-tag-routing'], 'true');
    assert.equal((isvc!.spec!.predictor as { canaryTrafficPercent: number }).canaryTrafficPercent, 20);
  });
});
