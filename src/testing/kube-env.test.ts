import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crdForOldApiserver, kubeApiserverPath, kubeSuiteOptions, readCrds, startKubeEnv } from './kube-env.js';

describe('kube-env', () => {
  it('a missing kube-apiserver fails with the command that builds it', async () => {
    const previous = process.env.KCANARY_CACHE;
    const empty = mkdtempSync(join(tmpdir(), 'kcanary-no-cache-'));
    process.env.KCANARY_CACHE = empty;
    try {
      assert.equal(kubeApiserverPath(), join(empty, 'kube-apiserver-v1.20.2'));
      await assert.rejects(startKubeEnv(), /kube-apiserver v1\.20\.2 not found at .*: run scripts\/setup-test-deps\.sh/);
    } finally {
      if (previous === undefined) delete process.env.KCANARY_CACHE;
      else process.env.KCANARY_CACHE = previous;
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('skips the Kubernetes suites only when KCANARY_SKIP_KUBE=1 is set', () => {
    const previous = process.env.KCANARY_SKIP_KUBE;
    try {
      delete process.env.KCANARY_SKIP_KUBE;
      assert.deepEqual(kubeSuiteOptions(), {});
      process.env.KCANARY_SKIP_KUBE = '1';
      assert.deepEqual(kubeSuiteOptions(), { skip: 'KCANARY_SKIP_KUBE=1' });
    } finally {
      if (previous === undefined) delete process.env.KCANARY_SKIP_KUBE;
      else process.env.KCANARY_SKIP_KUBE = previous;
    }
  });

  it('makes CRDs loadable by a 1.20 API server: no CEL rules, no empty-string defaults', () => {
    const crds = readCrds();
    assert.deepEqual(crds.map((c) => c.metadata?.name).sort(), ['httproutes.gateway.networking.k8s.io', 'inferenceservices.serving.kserve.io', 'virtualservices.networking.istio.io']);
    const text = JSON.stringify(crds.map(crdForOldApiserver));
    assert.ok(JSON.stringify(crds).includes('"x-kubernetes-validations"'), 'the fixtures do carry CEL rules');
    assert.ok(!text.includes('"x-kubernetes-validations"'));
    assert.ok(!text.includes('"default":""'));
    assert.deepEqual(crdForOldApiserver({ a: { default: '', type: 'string' }, b: { default: 'x' } }), { a: { type: 'string' }, b: { default: 'x' } });
  });
});
