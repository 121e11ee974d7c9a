import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, runCli } from '../testing/cli.js';

const SPEC = join(REPO_ROOT, 'examples', 'sklearn-istio.yaml');

test('kcanary render prints the istio design at the weight asked for', async () => {
  const result = await runCli(['render', '-f', SPEC, '--weight', '40']);
  assert.equal(result.code, 0, result.stderr);
  const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> });
  assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), [
    'InferenceService/sklearn-primary', 'InferenceService/sklearn-canary',
    'VirtualService/sklearn-predictor', 'VirtualService/sklearn-primary-predictor', 'VirtualService/sklearn-canary-predictor',
  ]);
  const split = docs[2]!.spec as { hosts: string[]; http: { route: { destination: { host: string }; weight: number }[] }[] };
  assert.deepEqual(split.hosts, ['sklearn-predictor-myproject.api.sandbox-uw2.sample.io']);
  assert.deepEqual(split.http.at(-1)!.route.map((r) => [r.destination.host, r.weight]), [['sklearn-primary-predictor', 60], ['sklearn-canary-predictor', 40]]);
});

test('kcanary render defaults to the first step, refuses local specs and bad weights', async () => {
  const first = await runCli(['render', '-f', SPEC, '-o', 'json']);
  const list = JSON.parse(first.stdout) as { items: { kind: string; spec: { http?: { route: { weight: number }[] }[] } }[] };
  assert.equal(list.items.find((i) => i.kind === 'VirtualService')?.spec.http?.at(-1)?.route[1]?.weight, 20);
  const local = await runCli(['render', '-f', join(REPO_ROOT, 'examples', 'housing-canary.yaml')]);
  assert.equal(local.code, 2);
  assert.match(local.stderr, /router "local" has no Kubernetes manifests/);
  assert.equal((await runCli(['render', '-f', SPEC, '--weight', '120'])).code, 2);
});
