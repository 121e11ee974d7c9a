import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseModelCanary } from '../core/validate.js';
import { initialStatus } from '../core/decide.js';
import { ModelCanaryResource, type KubeObject } from '../kube/resources.js';
import { applyObject, kubeRequest } from '../operator/apply-objects.js';
import { waitForCrd } from '../operator/crd-ready.js';
import { ClusterStatusStore, coreStatusOf } from '../operator/cluster-store.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { modelCanaryCrd, specOpenApiSchema, CRD_NAME } from './model-canary-crd.js';
import { toStructuralSchema } from './structural-schema.js';

const SAMPLE = {
  apiVersion: 'kcanary.io/v1alpha1',
  kind: 'ModelCanary',
  metadata: { name: 'sklearn' },
  spec: {
    router: 'istio',
    predictor: { minReplicas: 1, model: { modelFormat: { name: 'sklearn', version: '1' }, storageUri: 'gs://models/sklearn/1', resources: { limits: { cpu: '1' } } } },
    canary: { storageUri: 'gs://models/sklearn/2' },
    rollout: { steps: [10, 50, 100], interval: '30s', pauseBefore: [100] },
    analysis: { metrics: [{ name: 'error-rate', max: 0.5 }, { name: 'latency-p99', max: '300ms' }, { name: 'queue', query: 'sum(x{pod=~"{{variant}}.*"})', max: 3 }], failureLimit: 2 },
    webhooks: [{ name: 'load', type: 'rollout', url: 'http://loadtester.test/', timeout: 5, metadata: { cmd: 'hey' } }],
  },
};

describe('structural schema conversion', () => {
  it('turns JSON Schema idioms into the Kubernetes dialect', () => {
    const out = toStructuralSchema({
      type: 'object',
      additionalProperties: false,
      properties: {
        loose: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: {} },
        record: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'string' } },
        either: { type: ['string', 'number'], default: '1m' },
        port: { type: ['string', 'integer'] },
        ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        count: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        fixed: { type: 'string', const: 'x' },
      },
    });
    assert.deepEqual(out, {
      type: 'object',
      properties: {
        loose: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
        record: { type: 'object', additionalProperties: { type: 'string' } },
        either: { 'x-kubernetes-preserve-unknown-fields': true },
        port: { 'x-kubernetes-int-or-string': true },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true },
        count: { type: 'integer', minimum: 0 },
        fixed: { type: 'string', enum: ['x'] },
      },
    });
  });

  it('keeps the spec schema free of defaults and of additionalProperties next to properties', () => {
    const text = JSON.stringify(specOpenApiSchema());
    assert.doesNotMatch(text, /"default"/);
    assert.doesNotMatch(text, /"\$schema"|"\$ref"|"propertyNames"/);
    const visit = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties) assert.equal(n.additionalProperties, undefined, 'properties and additionalProperties are exclusive');
      Object.values(n).forEach(visit);
    };
    visit(specOpenApiSchema());
  });

  it('has the printer columns of kubectl get', () => {
    const columns = (modelCanaryCrd().spec.versions as { additionalPrinterColumns: { name: string }[] }[])[0]!.additionalPrinterColumns.map((c) => c.name);
    assert.deepEqual(columns, ['Router', 'Phase', 'Weight', 'Step', 'Message', 'Age']);
  });
});

describe('ModelCanary CRD on a real API server', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  before(async () => {
    env = await startKubeEnv();
    await applyObject(env.adminConfig, modelCanaryCrd() as never);
    await waitForCrd(env.adminConfig, CRD_NAME);
  });
  after(async () => { await env?.stop(); });

  async function created(namespace: string): Promise<KubeObject> {
    const client = env.client({ namespace });
    for (let i = 0; ; i++) {
      try {
        return await client.apply({ ...SAMPLE, metadata: { ...SAMPLE.metadata, namespace } } as KubeObject);
      } catch (error) {
        if (i > 100) throw error; // discovery of a new CRD lags Established by a moment
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  it('accepts a ModelCanary whose spec round-trips unchanged, KServe fields included', async () => {
    const namespace = await env.createNamespace('crd');
    await created(namespace);
    const stored = await env.client({ namespace }).get(ModelCanaryResource, 'sklearn');
    assert.deepEqual(stored.spec, SAMPLE.spec);
    const { canary } = parseModelCanary(stored);
    assert.equal(canary.spec.analysis.checks.length, 3);
    assert.deepEqual(canary.spec.rollout.steps, [10, 50, 100]);
  });

  it('rejects what the schema forbids, naming the field', async () => {
    const namespace = await env.createNamespace('crd');
    await created(namespace);
    const bad = { ...SAMPLE, metadata: { name: 'bad', namespace }, spec: { ...SAMPLE.spec, router: 'nginx', rollout: { steps: [150] } } };
    await assert.rejects(env.client({ namespace }).apply(bad as KubeObject), (error: Error) => {
      assert.match(error.message, /spec\.router/);
      assert.match(error.message, /spec\.rollout\.steps/);
      return true;
    });
  });

  it('refuses a ModelCanary with no router, or the local one, saying which routers a cluster runs', async () => {
    const namespace = await env.createNamespace('crd');
    await created(namespace);
    const { router: _omitted, ...withoutRouter } = SAMPLE.spec;
    for (const [name, spec] of [['no-router', withoutRouter], ['local-router', { ...SAMPLE.spec, router: 'local' }]] as const) {
      const object = { ...SAMPLE, metadata: { name, namespace }, spec };
      await assert.rejects(env.client({ namespace }).apply(object as KubeObject), (error: Error) => {
        assert.match(error.message, name === 'no-router' ? /spec\.router: Required value/ : /spec\.router: Unsupported value: "local": supported values: "knative", "kserve-raw", "istio", "gateway-api"/);
        return true;
      }, name);
    }
  });

  it('keeps a status written through the subresource, nulls included, and prints its columns', async () => {
    const namespace = await env.createNamespace('crd');
    let object = await created(namespace);
    const { canary } = parseModelCanary(object);
    const status = { ...initialStatus(canary, 'abc', Date.parse('2026-01-01T00:00:00Z')), judge: { nested: null, list: [1, null] } };
    const store = new ClusterStatusStore({
      kubeConfig: env.adminConfig, namespace, name: 'sklearn', steps: canary.spec.rollout.steps,
      object: () => object, onWritten: (written) => { object = written; },
    });
    await store.save(status);
    const stored = await env.client({ namespace }).get(ModelCanaryResource, 'sklearn');
    assert.deepEqual(coreStatusOf(stored), status);
    assert.equal((stored.status as { step: string }).step, '0/3');
    const table = await kubeRequest(env.adminConfig, 'GET', `/apis/kcanary.io/v1alpha1/namespaces/${namespace}/modelcanaries/sklearn`, {}) as KubeObject;
    assert.equal(table.kind, 'ModelCanary');
    const printed = await new Promise<unknown>((resolve, reject) => {
      void import('node:https').then(async ({ request }) => {
        const url = new URL(`${env.server}/apis/kcanary.io/v1alpha1/namespaces/${namespace}/modelcanaries`);
        const options = { method: 'GET', headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } };
        await env.adminConfig.applyToHTTPSOptions(options as never);
        request(url, options, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => { body += c.toString(); });
          res.on('end', () => resolve(JSON.parse(body)));
        }).on('error', reject).end();
      });
    }) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    assert.deepEqual(printed.columnDefinitions.map((c) => c.name).slice(0, 5), ['Name', 'Router', 'Phase', 'Weight', 'Step']);
    assert.deepEqual(printed.rows[0]!.cells.slice(0, 5), ['sklearn', 'istio', 'Pending', 0, '0/3']);
  });
});
