// The committed chart through the real helm (v3.17) and, rendered, through the real kubectl (v1.31)
// into the test API server as a server-side dry run: what a user's `helm install` would send.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../testing/cli.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';
import { kubeToolPath } from '../testing/kube-tools.js';
import { installManifests } from './install-manifests.js';

const run = promisify(execFile);
const CHART = join(REPO_ROOT, 'charts', 'kcanary');
const VALUES = { namespace: 'ops', image: 'registry.example/kcanary:9', replicas: 3, logLevel: 'debug' };

async function helmTemplate(): Promise<string> {
  const { stdout } = await run(kubeToolPath('helm'), ['template', 'kcanary', CHART, '--namespace', VALUES.namespace, '--include-crds',
    '--set', `image=${VALUES.image}`, '--set', `replicas=${VALUES.replicas}`, '--set', `logLevel=${VALUES.logLevel}`]);
  return stdout;
}

describe('Helm chart with the real helm and kubectl', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  let kubeconfig: string;
  before(async () => {
    env = await startKubeEnv();
    const dir = await mkdtemp(join(tmpdir(), 'kcanary-helm-'));
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, env.kubeconfigYaml('admin'));
  });
  after(async () => { await env?.stop(); });

  it('helm lint passes', async () => {
    const { stdout } = await run(kubeToolPath('helm'), ['lint', CHART, '--strict']).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`helm lint failed:\n${error.stdout}\n${error.stderr}`);
    });
    assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('helm template renders the objects kcanary install applies, with the values set', async () => {
    const rendered = parseAllDocuments(await helmTemplate()).map((d) => d.toJS() as { kind: string; metadata: { name: string } }).filter(Boolean);
    const expected = installManifests(VALUES).filter((o) => o.kind !== 'Namespace');
    const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
    assert.deepEqual([...rendered].sort((a, b) => key(a).localeCompare(key(b))), [...expected].sort((a, b) => key(a).localeCompare(key(b))));
  });

  it('the rendered chart passes a server-side dry run on the API server, and nothing is created', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kcanary-helm-'));
    const file = join(dir, 'chart.yaml');
    await writeFile(file, await helmTemplate());
    const kubectl = (args: string[]) => run(kubeToolPath('kubectl'), ['--kubeconfig', kubeconfig, ...args]);
    await kubectl(['create', 'namespace', VALUES.namespace]);
    const { stdout } = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=helm', '-f', file]).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`kubectl apply --dry-run=server failed:\n${error.stdout}\n${error.stderr}`);
    });
    const applied = stdout.trim().split('\n');
    assert.equal(applied.length, installManifests(VALUES).length - 1, stdout);
    for (const line of applied) assert.match(line, /serverside-applied \(server dry run\)$/);
    assert.ok(applied.some((l) => l.startsWith('deployment.apps/kcanary-operator ')), stdout);
    await assert.rejects(kubectl(['get', 'deployment', 'kcanary-operator', '-n', VALUES.namespace]), /NotFound/, 'a dry run creates nothing');
  });
});
