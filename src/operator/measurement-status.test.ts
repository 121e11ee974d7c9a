// A measurement problem on a real API server and a real Prometheus: inconclusive data shown in the
// ModelCanary's status condition and in a Warning Event with the query — never a spec error.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { modelCanaryCrd, CRD_NAME } from '../crd/model-canary-crd.js';
import { ModelCanaryResource, type KubeObject } from '../kube/resources.js';
import { PrometheusMetrics } from '../metrics/prometheus.js';
import { MetricsTarget, prometheusBinary, startPrometheus, type TestPrometheus } from '../metrics/prometheus-test-server.js';
import { IstioPods } from '../metrics/testing/istio-pods.js';
import { WeightOnlyRouter } from '../routers/testing/weight-only-router.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { applyObject, kubeRequest } from './apply-objects.js';
import { CanaryReconciler } from './canary-reconciler.js';
import { METRICS_AVAILABLE, type ClusterStatus } from './cluster-store.js';
import { waitForCrd } from './crd-ready.js';
import { EventRecorder } from './events.js';
import { OperatorMetrics } from './operator-metrics.js';
import { modelCanaryDocument } from './testing/operator-fixtures.js';

const kubeSkip = kubeSuiteOptions().skip;
const skip = kubeSkip ?? (prometheusBinary() ? false : 'prometheus not installed (scripts/setup-test-deps.sh)');

describe('measurement problems in the ModelCanary status and Events', { skip }, () => {
  let env: KubeEnv;
  let prometheus: TestPrometheus;
  const target = new MetricsTarget();

  before(async () => {
    target.set('kcanary_test_target_up', {}, 1, 'gauge');
    await target.listen();
    [env, prometheus] = await Promise.all([startKubeEnv(), startPrometheus(target.url, { scrapeIntervalMs: 200 })]);
    await applyObject(env.adminConfig, modelCanaryCrd() as never);
    await waitForCrd(env.adminConfig, CRD_NAME);
  });
  after(async () => {
    await prometheus?.stop();
    await target.close();
    await env?.stop();
  });

  it('no series for either variant: MetricsAvailable=False and a MeasurementFailed Event with the query; True once Prometheus has them', async () => {
    const namespace = await env.createNamespace('measure');
    const client = env.client({ namespace });
    await client.apply(modelCanaryDocument('sklearn', namespace, { judge: 'sequential', steps: [10, 100], interval: '10m' }));
    const key = `${namespace}/sklearn`;
    const cache = new Map<string, KubeObject>();
    const logged: string[] = [];
    const reconciler = new CanaryReconciler({
      kubeConfig: env.adminConfig, tickMs: 200,
      get: (k) => cache.get(k), remember: (object) => cache.set(key, object),
      events: new EventRecorder({ kubeConfig: env.adminConfig, component: 'kcanary-operator' }),
      metrics: new OperatorMetrics(),
      log: (message) => logged.push(message),
      routerFor: () => new WeightOnlyRouter(),
      metricsFor: (_canary, windowStartMs) => new PrometheusMetrics({
        address: prometheus.address, router: 'istio', namespace, name: 'sklearn', checks: [], windowStartMs, timeoutMs: 3000,
        variants: () => ({ primary: 'sklearn-primary-predictor', canary: 'sklearn-canary-predictor' }),
      }),
    });
    const reconcile = async () => {
      cache.set(key, await client.get(ModelCanaryResource, 'sklearn'));
      await reconciler.reconcile(key);
      return (await client.get(ModelCanaryResource, 'sklearn')).status as ClusterStatus | undefined;
    };
    const condition = (status: ClusterStatus | undefined) => status?.conditions?.find((c) => c.type === METRICS_AVAILABLE);

    let status: ClusterStatus | undefined;
    for (let i = 0; i < 4; i++) status = await reconcile();
    assert.equal(status?.phase, 'Progressing');
    const failed = condition(status);
    assert.equal(failed?.status, 'False', JSON.stringify(status?.conditions));
    assert.equal(failed?.reason, 'MeasurementFailed');
    assert.match(failed?.message ?? '', /no series in Prometheus for sklearn-primary-predictor or sklearn-canary-predictor requests \(queries: istio_requests_total\{reporter="destination",destination_service_namespace="[^"]+",destination_service_name="sklearn-primary-predictor"\}/);
    const events = await kubeRequest(env.adminConfig, 'GET', `/api/v1/namespaces/${namespace}/events`) as { items: { reason: string; type: string; message: string }[] };
    const event = events.items.find((e) => e.reason === 'MeasurementFailed');
    assert.equal(event?.type, 'Warning');
    assert.match(event?.message ?? '', /istio_requests_total\{reporter="destination"/);
    assert.ok(!events.items.some((e) => e.reason === 'InvalidSpec'), 'a measurement problem is not a spec error');
    assert.deepEqual(logged.filter((l) => /invalid ModelCanary/.test(l)), []);

    // Istio's sidecars start reporting (Envoy's default buckets): the condition turns True; the rollout never paused.
    const pods = new IstioPods({ target, namespace, services: { 'sklearn-primary-predictor': 2, 'sklearn-canary-predictor': 1 } });
    for (let i = 0; i < 100; i++) pods.serve(i % 10 === 0 ? 'sklearn-canary-predictor' : 'sklearn-primary-predictor', i, 3 + (i % 40));
    await prometheus.waitForScrapes(3);
    status = await reconcile();
    assert.equal(condition(status)?.status, 'True', JSON.stringify(status?.conditions));
    assert.equal(condition(status)?.reason, 'Measured');
    assert.equal(status?.phase, 'Progressing');
  });
});
