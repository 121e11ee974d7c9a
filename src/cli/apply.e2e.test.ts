// `kcanary apply` as a spawned binary against the real kube-apiserver of the router tests.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { InferenceService, VirtualService } from '../kube/resources.js';
import { setInferenceServiceReady } from '../kube/testing/controllers.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { REPO_ROOT, runCli } from '../testing/cli.js';

describe('kcanary apply on a real API server', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  before(async () => { env = await startKubeEnv(); });
  after(async () => { await env?.stop(); });

  it('creates both InferenceServices, then the routing once they are Ready, at the first step', async () => {
    const namespace = await env.createNamespace('apply');
    const dir = await mkdtemp(join(tmpdir(), 'kcanary-apply-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, env.kubeconfigYaml('admin'));
    const spec = join(REPO_ROOT, 'examples', 'sklearn-istio.yaml');
    const args = ['apply', '-f', spec, '-n', namespace, '--kubeconfig', kubeconfig];

    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /the canary is not Ready yet .*all traffic stays on the primary/);
    const client = env.client({ namespace });
    const canary = await client.get(InferenceService, 'sklearn-canary');
    assert.equal((canary.spec!.predictor as { model: { storageUri: string } }).model.storageUri, 'gs://kfserving-examples/models/sklearn/1.0/model-2');
    const weights = async () => ((await client.get(VirtualService, 'sklearn-predictor')).spec as { http: { route: { weight: number }[] }[] }).http.at(-1)!.route.map((r) => r.weight);
    // No route to a primary that is not Ready yet: its host would answer 503.
    assert.equal(await client.find(VirtualService, 'sklearn-predictor'), null);

    await setInferenceServiceReady(client, 'sklearn-primary', true);
    await setInferenceServiceReady(client, 'sklearn-canary', true);
    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /canary {2}\(20%\) +████░/);
    assert.deepEqual(await weights(), [80, 20]);

    // What apply wrote is what render prints for the same step.
    const rendered = await runCli(['render', '-f', spec, '-n', namespace]);
    const split = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { http: { route: { weight: number }[] }[] } })
      .find((d) => d.kind === 'VirtualService' && d.metadata.name === 'sklearn-predictor');
    assert.deepEqual(split?.spec.http.at(-1)!.route.map((r) => r.weight), [80, 20]);
  });

  it('a spec with no router is refused, naming the field and the cluster routers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kcanary-apply-'));
    const spec = join(dir, 'canary.yaml');
    const text = (await readFile(join(REPO_ROOT, 'examples', 'sklearn-istio.yaml'), 'utf8')).replace(/^ {2}router: istio\n/m, '');
    assert.doesNotMatch(text, /router:/);
    await writeFile(spec, text);
    for (const verb of ['apply', 'run']) {
      const result = await runCli([verb, '-f', spec, '-n', 'anywhere']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /spec\.router is required for a rollout in a cluster: one of istio, gateway-api, knative, kserve-raw \(a rollout on this machine runs with `kcanary up -f`\)/);
    }
  });
});
