// The operator against the real API server of the routers' tests and a real Prometheus.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Phase } from '../core/phase.js';
import { modelCanaryCrd, CRD_NAME } from '../crd/model-canary-crd.js';
import { InferenceService, ModelCanaryResource, type KubeObject } from '../kube/resources.js';
import { MetricsTarget, prometheusBinary, startPrometheus, type TestPrometheus } from '../metrics/prometheus-test-server.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { applyObject, kubeRequest } from './apply-objects.js';
import { sendClusterCommand, watchClusterCanary } from './cli-cluster.js';
import type { ClusterStatus } from './cluster-store.js';
import { waitForCrd } from './crd-ready.js';
import { Operator, type OperatorOptions } from './operator.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../testing/cli.js';
import { generateTraffic, modelCanaryDocument, readyEverything, storedWeight } from './testing/operator-fixtures.js';

const skip = prometheusBinary() ? kubeSuiteOptions() : { skip: 'prometheus not installed (scripts/setup-test-deps.sh)' };

describe('kcanary operator on a real API server, judged on real Prometheus data', skip, () => {
  let env: KubeEnv;
  let prometheus: TestPrometheus;
  const target = new MetricsTarget();
  let traffic: ReturnType<typeof generateTraffic>;
  const namespaces: string[] = [];
  let kserve: { stop(): Promise<void> };
  const operators: Operator[] = [];

  before(async () => {
    await target.listen();
    [env, prometheus] = await Promise.all([startKubeEnv(), startPrometheus(target.url, { scrapeIntervalMs: 200 })]);
    await applyObject(env.adminConfig, modelCanaryCrd() as never);
    await waitForCrd(env.adminConfig, CRD_NAME);
    traffic = generateTraffic(target, []);
    kserve = readyEverything(() => namespaces.map((namespace) => env.client({ namespace })));
  });
  // A test that fails midway must not leave its operator acting on the next test's objects.
  afterEach(async () => {
    await Promise.all(operators.map((o) => o.stop()));
  });
  after(async () => {
    traffic?.stop();
    await kserve?.stop();
    await prometheus?.stop();
    await target.close();
    await env?.stop();
  });

  function startOperator(options: Partial<OperatorOptions> = {}): Operator {
    const operator = new Operator({
      kubeConfig: env.adminConfig, namespaces: [], identity: `op-${operators.length}`, tickMs: 200,
      prometheus: prometheus.address, listen: { host: '127.0.0.1', port: 0 }, ...options,
    });
    operators.push(operator);
    return operator;
  }

  /** A namespace with a ModelCanary whose variants get traffic with these error ratios. */
  async function canaryIn(prefix: string, errors: { primary: number; canary: number }, overrides: Parameters<typeof modelCanaryDocument>[2] = {}) {
    const namespace = await env.createNamespace(prefix);
    namespaces.push(namespace);
    const document = modelCanaryDocument('sklearn', namespace, overrides);
    for (const [variant, errorRatio] of Object.entries(errors)) {
      traffic.add({ namespace, service: `sklearn-${variant}-predictor`, rate: 200, errorRatio, latencyLe: '50' });
    }
    const client = env.client({ namespace });
    for (let i = 0; ; i++) {
      try { await client.apply(document); break; } catch (error) { if (i > 100) throw error; await sleep(50); }
    }
    return { namespace, client, document, target: { kubeConfig: env.adminConfig, namespace, name: 'sklearn' } };
  }

  async function kubeconfigFile(): Promise<string> {
    const path = join(await mkdtemp(join(tmpdir(), 'kcanary-kubeconfig-')), 'kubeconfig');
    await writeFile(path, env.kubeconfigYaml('admin'));
    return path;
  }

  const statusOf = async (client: ReturnType<KubeEnv['client']>) => (await client.get(ModelCanaryResource, 'sklearn')).status as ClusterStatus | undefined;

  async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let value = await read();
    while (!ok(value)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`);
      await sleep(100);
      value = await read();
    }
    return value;
  }

  it('promotes a healthy canary step by step (sequential judge), with Events, metrics and a CI gate on status', async () => {
    const operator = startOperator();
    await operator.start();
    const { client, document, target: canaryTarget, namespace } = await canaryIn('promote', { primary: 0, canary: 0 }, { judge: 'sequential' });
    const code = await watchClusterCanary(canaryTarget, { timeoutMs: 40_000, pollMs: 200 });
    assert.equal(code, 0, 'status --watch exits 0 on Succeeded');
    const status = await statusOf(client);
    assert.equal(status?.phase, Phase.Succeeded);
    assert.equal(status?.step, '2/2');
    const primary = await client.get(InferenceService, 'sklearn-primary');
    assert.equal((primary.spec as { predictor: { model: { storageUri: string } } }).predictor.model.storageUri, 'gs://models/sklearn/2');
    assert.equal(await client.find(InferenceService, 'sklearn-canary'), null, 'the canary is cleaned up');
    assert.equal(await storedWeight(client, document), 0);
    const events = await kubeRequest(env.adminConfig, 'GET', `/api/v1/namespaces/${namespace}/events`) as { items: { reason: string; involvedObject: { name: string } }[] };
    const reasons = events.items.map((e) => e.reason);
    for (const reason of ['Progressing', 'WeightChanged', 'Promoting', 'Succeeded']) assert.ok(reasons.includes(reason), `Event ${reason} in ${reasons.join(',')}`);
    const metrics = await (await fetch(`${operator.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`kcanary_canary_phase\\{namespace="${namespace}",name="sklearn",phase="Succeeded"\\} 1`));
    assert.match(metrics, new RegExp(`kcanary_canary_weight\\{namespace="${namespace}",name="sklearn"\\} 0`));
    assert.equal((await fetch(`${operator.url}/readyz`)).status, 200);
    assert.equal((await fetch(`${operator.url}/healthz`)).status, 200);
    await operator.stop();
  });

  it('rolls back a canary whose 5xx rate Prometheus shows too high, and takes commands through the CR', async () => {
    const operator = startOperator();
    await operator.start();
    const { client, document, target: canaryTarget } = await canaryIn('rollback', { primary: 0, canary: 0.3 }, { steps: [20, 60, 100], interval: '2s' });
    // A command through the annotation, acknowledged in status by the operator.
    await until('the first step', () => statusOf(client), (s) => s?.phase === Phase.Progressing && s.canaryWeight === 20);
    // Resuming what runs is a no-op with a note, like applying an unchanged object.
    const noOp = await sendClusterCommand(canaryTarget, { type: 'resume' }, { pollMs: 100 });
    assert.equal(noOp.ack.ok, true);
    assert.match(noOp.ack.reason, /already running/);
    const kubeconfig = await kubeconfigFile();
    // The CLI relays the operator's answer: a no-op while it runs, a refusal once the rollback (seconds away) began.
    const byCli = await runCli(['resume', 'sklearn', '-n', canaryTarget.namespace, '--kubeconfig', kubeconfig]);
    if (byCli.code === 0) assert.match(byCli.stdout, /already running/);
    else {
      assert.equal(byCli.code, 2, byCli.stderr);
      assert.match(byCli.stdout, /refused: cannot resume a rollout that is Rolling ?Back|refused: cannot resume a rollout that is RolledBack/);
    }
    const watched = await runCli(['status', 'sklearn', '-n', canaryTarget.namespace, '--kubeconfig', kubeconfig, '--watch', '--timeout', '30s'], { timeoutMs: 40_000 });
    assert.equal(watched.code, 3, `kcanary status --watch exits 3 on RolledBack\n${watched.stdout}${watched.stderr}`);
    assert.match(watched.stdout, /RolledBack/);
    const status = await statusOf(client);
    assert.equal(status?.phase, Phase.RolledBack);
    assert.match(status?.history.find((h) => h.to === Phase.RollingBack)?.reason ?? '', /error-rate/);
    assert.equal(await storedWeight(client, document), 0);
    assert.equal(await client.find(InferenceService, 'sklearn-canary'), null);
    const primary = await client.get(InferenceService, 'sklearn-primary');
    assert.equal((primary.spec as { predictor: { model: { storageUri: string } } }).predictor.model.storageUri, 'gs://models/sklearn/1');
    await operator.stop();
  });

  it('two replicas: only the leader acts; when it stops, the other takes over and finishes', async () => {
    const election = { namespace: 'default', name: 'kcanary-operator-test', leaseDurationMs: 1500, retryPeriodMs: 200 };
    const a = startOperator({ identity: 'replica-a', leaderElection: election });
    const b = startOperator({ identity: 'replica-b', leaderElection: election });
    await Promise.all([a.start(), b.start()]);
    await until('a leader', async () => [a.isActing, b.isActing], ([x, y]) => x !== y);
    const leader = a.isActing ? a : b;
    const follower = leader === a ? b : a;
    const { client, target: canaryTarget } = await canaryIn('leader', { primary: 0, canary: 0 }, { steps: [30, 60, 100], interval: '2s' });
    await until('progress', () => statusOf(client), (s) => s?.phase === Phase.Progressing);
    for (let i = 0; i < 10; i++) {
      assert.ok(!(a.isActing && b.isActing), 'never two leaders');
      await sleep(50);
    }
    assert.ok(leader.metrics.reconciles > 0);
    assert.equal(follower.metrics.reconciles, 0, 'the follower does not reconcile');
    assert.equal(follower.ready, true, 'the follower keeps its cache warm');
    await leader.stop();
    await until('the follower to lead', async () => follower.isActing, (x) => x, 10_000);
    assert.equal(await watchClusterCanary(canaryTarget, { timeoutMs: 30_000, pollMs: 200 }), 0);
    assert.ok(follower.metrics.reconciles > 0);
    await follower.stop();
  });

  it('a restart mid-rollout resumes where it was without moving traffic backwards; a deletion gives all traffic back', async () => {
    let operator = startOperator();
    await operator.start();
    const { client, document, namespace } = await canaryIn('restart', { primary: 0, canary: 0 }, { steps: [25, 50, 75, 100], interval: '2s' });
    await until('the second step', () => statusOf(client), (s) => (s?.canaryWeight ?? 0) >= 50);
    await operator.stop();
    const weightAtStop = await storedWeight(client, document);
    const stepAtStop = (await statusOf(client))!.stepIndex;
    operator = startOperator();
    await operator.start();
    const seen: number[] = [];
    await until('the next step', async () => {
      const w = await storedWeight(client, document);
      if (w !== null) seen.push(w);
      return statusOf(client);
    }, (s) => (s?.stepIndex ?? 0) > stepAtStop);
    assert.ok(seen.every((w) => w >= weightAtStop!), `weights after the restart ${seen.join(',')} never below ${weightAtStop}`);
    const gate = await runCli(['status', 'sklearn', '-n', namespace, '--kubeconfig', await kubeconfigFile(), '--watch', '--timeout', '300ms']);
    assert.equal(gate.code, 4, `a CI gate gives up with 4 at --timeout (two 2 s steps remain)\n${gate.stderr}`);

    // Deleted mid-rollout: the finalizer gives all traffic back to the primary first.
    await client.delete(ModelCanaryResource, 'sklearn');
    await until('the ModelCanary to go', () => client.find(ModelCanaryResource, 'sklearn'), (o: KubeObject | null) => o === null);
    assert.equal(await storedWeight(client, document), 0);
    const primary = await client.get(InferenceService, 'sklearn-primary');
    assert.equal((primary.spec as { predictor: { model: { storageUri: string } } }).predictor.model.storageUri, 'gs://models/sklearn/1');
    assert.ok(namespace);
    await operator.stop();
  });

  it('kcanary install applies least-privilege RBAC; kcanary run -f drives one rollout to the end (exit 0)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kcanary-run-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, env.kubeconfigYaml('admin'));
    const installed = await runCli(['install', '--kubeconfig', kubeconfig, '--install-namespace', 'kcanary-test']);
    assert.equal(installed.code, 0, installed.stderr);
    assert.match(installed.stdout, /deployment\/kcanary-operator applied/);
    const can = async (verb: string, resource: string, group: string, subresource = '') => {
      const review = await kubeRequest(env.adminConfig, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { body: {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: { user: 'system:serviceaccount:kcanary-test:kcanary-operator', resourceAttributes: { verb, resource, group, subresource, namespace: 'models' } },
      } }) as { status: { allowed: boolean } };
      return review.status.allowed;
    };
    assert.equal(await can('patch', 'modelcanaries', 'kcanary.io', 'status'), true);
    assert.equal(await can('watch', 'modelcanaries', 'kcanary.io'), true);
    assert.equal(await can('delete', 'inferenceservices', 'serving.kserve.io'), true);
    assert.equal(await can('delete', 'modelcanaries', 'kcanary.io'), false, 'the operator never deletes what users own');
    assert.equal(await can('get', 'secrets', ''), false, 'no secrets');
    assert.equal(await can('create', 'deployments', 'apps'), false);

    const namespace = await env.createNamespace('run');
    namespaces.push(namespace);
    for (const variant of ['primary', 'canary']) traffic.add({ namespace, service: `sklearn-${variant}-predictor`, rate: 200, errorRatio: 0, latencyLe: '50' });
    const spec = join(dir, 'canary.yaml');
    await writeFile(spec, stringify(modelCanaryDocument('sklearn', namespace)));
    const run = await runCli(['run', '-f', spec, '--kubeconfig', kubeconfig, '-n', namespace, '--prometheus', prometheus.address, '--tick', '200ms', '--timeout', '40s'], { timeoutMs: 60_000 });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /Progressing +canary +50%/);
    assert.match(run.stdout, /Succeeded/);
  });
});
