// `kcanary dashboard` against a real API server: what a user's RBAC lets them
// see and do, commands as annotations for the operator, live status over a watch.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { modelCanaryCrd, CRD_NAME } from '../crd/model-canary-crd.js';
import { loadKubeConfig } from '../kube/config.js';
import { ModelCanaryResource, type KubeObject } from '../kube/resources.js';
import type { RolloutSnapshot } from '../local/snapshot.js';
import { applyObject } from '../operator/apply-objects.js';
import { waitForCrd } from '../operator/crd-ready.js';
import { CliProcess } from '../testing/cli.js';
import { LIMITED_USER, kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import type { CanaryList } from './api-types.js';
import { COMMAND_ANNOTATION, ClusterCanaries } from './cluster-source.js';
import { startClusterDashboard, type ClusterDashboard } from './cluster-server.js';
import { SseParser } from './sse-parser.js';
import { launchBrowser, waitForTestId } from './testing/browser.js';

const TOKEN = 'c'.repeat(48);
const AUTH = { authorization: `Bearer ${TOKEN}` };

function sample(namespace: string): KubeObject {
  return {
    apiVersion: 'kcanary.io/v1alpha1', kind: 'ModelCanary', metadata: { name: 'sklearn', namespace },
    spec: {
      router: 'istio',
      predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'gs://models/sklearn/1' } },
      canary: { storageUri: 'gs://models/sklearn/2' },
      rollout: { stepWeight: 10, maxWeight: 50, interval: '30s' },
    },
  };
}

describe('kcanary dashboard on a real API server', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  let namespace: string;
  const servers: ClusterDashboard[] = [];

  const serve = async (user: 'admin' | typeof LIMITED_USER): Promise<ClusterDashboard> => {
    const { kubeConfig } = loadKubeConfig({ kubeconfigYaml: env.kubeconfigYaml(user, namespace) });
    const server = await startClusterDashboard({ canaries: ClusterCanaries.forKubeConfig(kubeConfig, namespace), token: TOKEN, context: user });
    servers.push(server);
    return server;
  };
  const setStatus = (status: Record<string, unknown>) => env.admin.patchStatus(ModelCanaryResource, 'sklearn', status, { namespace });

  before(async () => {
    env = await startKubeEnv();
    await applyObject(env.adminConfig, modelCanaryCrd() as never);
    await waitForCrd(env.adminConfig, CRD_NAME);
    namespace = await env.createNamespace('dash');
    for (let i = 0; ; i++) {
      try {
        await env.client({ namespace }).apply(sample(namespace));
        break;
      } catch (error) {
        if (i > 100) throw error; // discovery of a new CRD lags Established by a moment
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await setStatus({ phase: 'Progressing', stepIndex: 0, canaryWeight: 10, observedWeight: 10, message: 'step 1 of 5', history: [{ at: '2026-01-01T00:00:00.000Z', from: 'Pending', to: 'Progressing', weight: 10, reason: 'both variants are Ready' }] });
    // The read-only user may look at ModelCanaries in this namespace, and nothing else.
    const rbac = env.adminConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace, body: { metadata: { name: 'canary-viewer' }, rules: [{ apiGroups: ['kcanary.io'], resources: ['modelcanaries'], verbs: ['get', 'list', 'watch'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace, body: { metadata: { name: 'canary-viewer' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'canary-viewer' }, subjects: [{ kind: 'User', name: LIMITED_USER, apiGroup: 'rbac.authorization.k8s.io' }] } });
  });
  after(async () => {
    for (const server of servers) await server.close();
    await env?.stop();
  });

  it('lists what the user may see, and passes on the API server\'s refusal of what they may not do', async () => {
    const server = await serve(LIMITED_USER);
    assert.equal((await fetch(`${server.url}/api/v1/canaries`)).status, 401, 'the session token is required');
    const list = await (await fetch(`${server.url}/api/v1/canaries`, { headers: AUTH })).json() as CanaryList;
    assert.deepEqual(list.items, [{ namespace, name: 'sklearn', router: 'istio', phase: 'Progressing', canaryWeight: 10 }]);

    const snapshot = await (await fetch(`${server.url}/api/v1/canaries/${namespace}/sklearn/status`, { headers: AUTH })).json() as RolloutSnapshot;
    assert.deepEqual(snapshot.steps, [10, 20, 30, 40, 50], 'the schedule the core derives from stepWeight/maxWeight');
    assert.equal(snapshot.status.canaryStorageUri, 'gs://models/sklearn/2', 'filled in from the spec before the operator writes it');

    const promote = await fetch(`${server.url}/api/v1/canaries/${namespace}/sklearn/commands`, { method: 'POST', headers: AUTH, body: '{"type":"promote"}' });
    assert.equal(promote.status, 403);
    assert.match(((await promote.json()) as { error: string }).error, /verb "patch" on resource "modelcanaries\.kcanary\.io"/);
    const elsewhere = await fetch(`${server.url}/api/v1/canaries?namespace=default`, { headers: AUTH });
    assert.equal(elsewhere.status, 403);
    const object = await env.admin.get(ModelCanaryResource, 'sklearn', { namespace });
    assert.equal(object.metadata.annotations?.[COMMAND_ANNOTATION], undefined);
  });

  it('asks the operator to act with an annotation, leaving the spec alone; refuses what the phase does not allow', async () => {
    const server = await serve('admin');
    const post = (body: string) => fetch(`${server.url}/api/v1/canaries/${namespace}/sklearn/commands`, { method: 'POST', headers: AUTH, body });
    const resume = await post('{"type":"resume"}');
    assert.equal(resume.status, 409);
    assert.match(((await resume.json()) as { reason: string }).reason, /cannot resume a rollout that is Progressing/);

    const reply = await post('{"type":"set-weight","weight":30}');
    assert.equal(reply.status, 200);
    assert.match(((await reply.json()) as { reason: string }).reason, /set-weight 30% requested/);
    const object = await env.admin.get(ModelCanaryResource, 'sklearn', { namespace });
    const request = JSON.parse(object.metadata.annotations?.[COMMAND_ANNOTATION] ?? '{}') as { id?: string; type?: string; weight?: number };
    assert.equal(request.type, 'set-weight');
    assert.equal(request.weight, 30);
    assert.match(request.id ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(object.spec, sample(namespace).spec, 'the spec is untouched');
  });

  it('streams each change of the object', async () => {
    const server = await serve('admin');
    const abort = new AbortController();
    try {
      const stream = await fetch(`${server.url}/api/v1/canaries/${namespace}/sklearn/events`, { headers: AUTH, signal: abort.signal });
      assert.equal(stream.status, 200);
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      const phases: string[] = [];
      const until = async (phase: string) => {
        while (!phases.includes(phase)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`the stream ended before ${phase}; saw ${phases.join(', ')}`);
          for (const event of parser.push(value)) phases.push((JSON.parse(event.data) as RolloutSnapshot).status.phase);
        }
      };
      await until('Progressing');
      await setStatus({ phase: 'Paused', message: 'paused by hand' });
      await until('Paused');
      await setStatus({ phase: 'Progressing', message: 'resumed' });
    } finally {
      abort.abort();
    }
  });

  it('the page lists the canaries and a confirmed click requests the promotion', { timeout: 60_000 }, async () => {
    const server = await serve('admin');
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/#token=${TOKEN}`);
      await page.getByRole('button', { name: /sklearn/ }).waitFor();
      await waitForTestId(page, 'phase', 'Progressing');
      await waitForTestId(page, 'weight-canary', '10%');
      await setStatus({ observedWeight: 20, canaryWeight: 20, stepIndex: 1 });
      await waitForTestId(page, 'weight-canary', '20%');
      await page.getByRole('button', { name: 'Promote' }).click();
      await page.locator('[data-testid="confirm"]').click();
      await waitForTestId(page, 'outcome', /^promote requested/);
      const object = await env.admin.get(ModelCanaryResource, 'sklearn', { namespace });
      assert.equal((JSON.parse(object.metadata.annotations?.[COMMAND_ANNOTATION] ?? '{}') as { type?: string }).type, 'promote');
    } finally {
      await browser.close();
    }
  });

  it('kcanary dashboard serves with the given kubeconfig and prints the address with its token', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kcanary-kubeconfig-'));
    const kubeconfig = join(dir, 'config');
    await writeFile(kubeconfig, env.kubeconfigYaml('admin', namespace));
    const cli = new CliProcess(['dashboard', '--kubeconfig', kubeconfig, '--port', '0'], dir);
    try {
      const [, url, token] = await cli.waitFor(/dashboard (http:\/\/127\.0\.0\.1:\d+)\/#token=([0-9a-f]{48})/);
      assert.equal((await fetch(`${url}/api/v1/canaries`)).status, 401);
      const list = await (await fetch(`${url}/api/v1/canaries`, { headers: { authorization: `Bearer ${token}` } })).json() as CanaryList;
      assert.equal(list.namespace, namespace);
      assert.deepEqual(list.items.map((c) => c.name), ['sklearn']);
    } finally {
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0, cli.stderr);
    }
  });
});
