/**
 * Which cluster, user and namespace: kubeconfig (`--kubeconfig`, $KUBECONFIG,
 * ~/.kube/config), `--context`, `-n/--namespace` (default: the context's),
 * or the in-cluster service account.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../errors.js';

export interface KubeConfigOptions {
  /** Path of a kubeconfig file; default $KUBECONFIG or ~/.kube/config. */
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  /** Use the pod's service account (the operator). */
  readonly inCluster?: boolean;
  /** A kubeconfig document (YAML) instead of a file, e.g. from tests. */
  readonly kubeconfigYaml?: string;
}

export interface ResolvedKubeConfig {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly context: string;
  readonly server: string;
}

export function loadKubeConfig(options: KubeConfigOptions = {}): ResolvedKubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.inCluster) kc.loadFromCluster();
    else if (options.kubeconfigYaml !== undefined) kc.loadFromString(options.kubeconfigYaml);
    else if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    const source = options.kubeconfig ?? (options.inCluster ? 'the in-cluster service account' : 'the default kubeconfig');
    throw new UsageError(`cannot read ${source}: ${(error as Error).message}`, { cause: error });
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new UsageError(`--context ${options.context}: no such context in the kubeconfig (known: ${known.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UsageError('no Kubernetes cluster configured: pass --kubeconfig or --context, or set KUBECONFIG');
  const context = kc.getCurrentContext();
  const namespace = options.namespace ?? kc.getContextObject(context)?.namespace ?? 'default';
  return { kubeConfig: kc, namespace, context, server: cluster.server };
}
