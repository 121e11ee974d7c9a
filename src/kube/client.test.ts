import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../errors.js';
import { loadKubeConfig } from './config.js';
import { KubeClient } from './client.js';
import { KubeConflictError, KubeInvalidError, KubeNotFoundError } from './errors.js';
import { InferenceService, VirtualService, type KubeObject } from './resources.js';
import { kubeSuiteOptions, startKubeEnv, type KubeEnv } from '../testing/kube-env.js';

const vs = (name: string, hosts: string[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name },
  spec: { hosts, http: [{ route: [{ destination: { host: 'a' } }] }], ...extra },
});

describe('kube client against a real API server', kubeSuiteOptions(), () => {
  let env: KubeEnv;
  before(async () => { env = await startKubeEnv(); });
  after(async () => { await env?.stop(); });

  it('reads the namespace from the context, and --namespace overrides it', async () => {
    const namespace = await env.createNamespace('cfg');
    const fromContext = loadKubeConfig({ kubeconfigYaml: env.kubeconfigYaml('admin', namespace) });
    assert.equal(fromContext.namespace, namespace);
    assert.equal(fromContext.server, env.server);
    assert.equal(loadKubeConfig({ kubeconfigYaml: env.kubeconfigYaml('admin', namespace), namespace: 'other' }).namespace, 'other');
    assert.throws(() => loadKubeConfig({ kubeconfigYaml: env.kubeconfigYaml('admin', namespace), context: 'nope' }), (e: unknown) => e instanceof UsageError && /--context nope: no such context.*known: admin/.test(e.message));
    const client = new KubeClient({ kubeConfig: fromContext.kubeConfig, namespace: fromContext.namespace });
    await client.apply(vs('in-context', ['a.example.com']));
    assert.ok(await env.admin.find(VirtualService, 'in-context', { namespace }));
  });

  it('server-side apply as fieldManager kcanary: owns its fields, removes the ones it stops applying', async () => {
    const namespace = await env.createNamespace('ssa');
    const client = env.client({ namespace });
    await client.apply(vs('r', ['a.example.com'], { gateways: ['g/one'] }));
    const second = await client.apply(vs('r', ['b.example.com']));
    assert.deepEqual(second.spec, { hosts: ['b.example.com'], http: [{ route: [{ destination: { host: 'a' } }] }] });
    const managers = (second.metadata.managedFields as { manager: string; operation: string }[]).map((m) => `${m.manager}/${m.operation}`);
    assert.deepEqual(managers, ['kcanary/Apply']);
    assert.equal((await client.list(VirtualService)).length, 1);
    assert.equal(await client.delete(VirtualService, 'r'), true);
    assert.equal(await client.delete(VirtualService, 'r'), false);
    assert.equal(await client.find(VirtualService, 'r'), null);
    await assert.rejects(client.get(VirtualService, 'r'), KubeNotFoundError);
  });

  it('patches only the status subresource, and a stale resourceVersion is a 409', async () => {
    const namespace = await env.createNamespace('status');
    const client = env.client({ namespace });
    const created = await client.apply(vs('s', ['a.example.com']));
    const patched = await client.patchStatus(VirtualService, 's', { observedGeneration: 1 }, { resourceVersion: created.metadata.resourceVersion! });
    assert.deepEqual(patched.status, { observedGeneration: 1 });
    assert.deepEqual(patched.spec, created.spec);
    await assert.rejects(client.patchStatus(VirtualService, 's', { observedGeneration: 2 }, { resourceVersion: created.metadata.resourceVersion! }),
      (e: unknown) => e instanceof KubeConflictError && e.reason === 'Conflict');
  });

  it('an invalid object is a 422 with its field, not retried', async () => {
    const namespace = await env.createNamespace('invalid');
    let retries = 0;
    const client = env.client({ namespace, retry: { onRetry: () => { retries++; } } });
    const bad: KubeObject = { apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata: { name: 'bad' }, spec: { predictor: { canaryTrafficPercent: 'x' } } };
    await assert.rejects(client.apply(bad), (e: unknown) => e instanceof KubeInvalidError && e.status === 422 && e.causes.some((c) => c.field.includes('canaryTrafficPercent')));
    assert.equal(retries, 0);
    assert.equal(await client.find(InferenceService, 'bad'), null);
  });

  it('watches one object: ADDED, MODIFIED, DELETED', async () => {
    const namespace = await env.createNamespace('watch');
    const client = env.client({ namespace });
    const events: string[] = [];
    let notify: () => void = () => {};
    const handle = await client.watch(VirtualService, { name: 'w' }, (type, object) => {
      events.push(`${type}:${object.metadata.name}:${(object.spec as { hosts: string[] } | undefined)?.hosts?.[0] ?? ''}`);
      notify();
    });
    const next = (count: number) => new Promise<void>((resolve) => {
      notify = () => { if (events.length >= count) resolve(); };
      notify();
    });
    await client.apply(vs('other', ['x.example.com'])); // not watched
    await client.apply(vs('w', ['a.example.com']));
    await next(1);
    await client.apply(vs('w', ['b.example.com']));
    await next(2);
    await client.delete(VirtualService, 'w');
    await next(3);
    handle.stop();
    await handle.done;
    assert.deepEqual(events, ['ADDED:w:a.example.com', 'MODIFIED:w:b.example.com', 'DELETED:w:b.example.com']);
  });
});
