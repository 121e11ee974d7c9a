/**
 * `kcanary run -f`: the operator's reconcile loop in the foreground for one
 * ModelCanary, for pipelines with no operator installed. It applies the
 * object (the CRD must exist: `kcanary install --crd-only`), reconciles it
 * until the rollout ends, and reports each change.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { isFinished, Phase } from '../core/phase.js';
import { parseModelCanary } from '../core/validate.js';
import { ErrorCode, ExitCode, KcanaryError, UsageError } from '../errors.js';
import { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/resources.js';
import { kubeRequest } from './apply-objects.js';
import { CRD_NAME } from '../crd/model-canary-crd.js';
import type { ClusterStatus } from './cluster-store.js';
import { Operator } from './operator.js';

export interface RunOneOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** The ModelCanary document as written in the file. */
  readonly document: KubeObject;
  readonly tickMs: number;
  readonly prometheus?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly onChange?: (status: ClusterStatus) => void;
  readonly log?: (message: string) => void;
}

export async function runOneCanary(options: RunOneOptions): Promise<number> {
  parseModelCanary(options.document); // every bad field named before anything is applied
  const { kubeConfig, namespace } = options;
  try {
    await kubeRequest(kubeConfig, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`);
  } catch (error) {
    if (error instanceof KcanaryError && error.code === ErrorCode.NotFound) throw new UsageError(`the ModelCanary CRD is not installed in this cluster: run \`kcanary install --crd-only\` (or \`kcanary crd | kubectl apply -f -\`) first`);
    throw error;
  }
  const client = new KubeClient({ kubeConfig, namespace });
  const document = { ...options.document, metadata: { ...options.document.metadata, namespace } };
  await client.apply(document);
  const name = document.metadata.name;
  const operator = new Operator({
    kubeConfig, namespaces: [namespace], identity: `kcanary-run-${process.pid}`, tickMs: options.tickMs,
    fieldSelector: `metadata.name=${name}`, ...(options.prometheus ? { prometheus: options.prometheus } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const started = Date.now();
  let last = '';
  await operator.start();
  try {
    for (;;) {
      const status = operator.informer.get(`${namespace}/${name}`)?.status as ClusterStatus | undefined;
      if (status?.phase) {
        const key = `${status.phase}|${status.canaryWeight}|${status.message}`;
        if (key !== last) {
          last = key;
          options.onChange?.(status);
        }
        if (isFinished(status.phase) && status.specHash) return status.phase === Phase.Succeeded ? ExitCode.Ok : ExitCode.RolledBack;
      }
      if (options.timeoutMs !== undefined && Date.now() - started >= options.timeoutMs) return ExitCode.Timeout;
      if (options.signal?.aborted) return ExitCode.Ok;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await operator.stop();
  }
}
