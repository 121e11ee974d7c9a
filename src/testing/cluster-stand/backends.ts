/**
 * Which destinations have Ready pods, and which model version they serve:
 * - raw modes: the Deployment behind each Service (KServe names both alike);
 *   during a rolling update the old pods keep serving the old version until
 *   the new ReplicaSet is fully available; no available replicas: 503;
 * - knative: the revisions KServe's stand-in reported creating, Ready once
 *   their pods are (the readiness delay after creation, never when failing).
 */
import type { KubeClient } from '../../kube/client.js';
import { kubeRequest } from '../../operator/apply-objects.js';
import type { KserveController } from '../../kube/testing/kserve-controller.js';

const SOURCE_URI = 'internal.serving.kserve.io/storage-initializer-sourceuri';

export interface Backend {
  /** Ready pods answer; none: the gateway answers 503. */
  readonly ready: boolean;
  /** The model version the Ready pods serve. */
  readonly storageUri: string | undefined;
}

interface DeploymentJson {
  metadata: { name: string; generation: number };
  spec: { replicas?: number; template: { metadata?: { annotations?: Record<string, string> } } };
  status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number };
}

export class Backends {
  /** The version each Deployment's Ready pods serve, as last seen. */
  private readonly served = new Map<string, string | undefined>();
  private deployments = new Map<string, DeploymentJson>();

  constructor(private readonly client: KubeClient, private readonly kserve: KserveController, private readonly options: { readinessDelayMs: number; passMs: number; failing: readonly string[] }) {}

  async refresh(): Promise<void> {
    const list = await kubeRequest(this.client.kubeConfig, 'GET', `/apis/apps/v1/namespaces/${this.client.namespace}/deployments`) as { items: DeploymentJson[] };
    this.deployments = new Map(list.items.map((d) => [d.metadata.name, d]));
    for (const d of list.items) {
      const replicas = d.spec.replicas ?? 1;
      const rolledOut = d.status?.observedGeneration === d.metadata.generation && (d.status.updatedReplicas ?? 0) >= replicas && (d.status.availableReplicas ?? 0) > 0;
      if (rolledOut) this.served.set(d.metadata.name, d.spec.template.metadata?.annotations?.[SOURCE_URI]);
    }
    for (const name of this.served.keys()) if (!this.deployments.has(name)) this.served.delete(name);
  }

  of(destination: string, now: number): Backend {
    const deployment = this.deployments.get(destination);
    if (deployment) {
      const available = (deployment.status?.availableReplicas ?? 0) > 0;
      return { ready: available && this.served.has(destination), storageUri: this.served.get(destination) };
    }
    const revision = [...this.kserve.events].reverse().find((e) => e.kind === 'revision-created' && e.name === destination) as { at: number; storageUri?: string } | undefined;
    if (revision) {
      const failing = revision.storageUri !== undefined && this.options.failing.includes(revision.storageUri);
      // The event is stamped when the pass that created the revision got to it, up to a pass after its creation.
      return { ready: !failing && now >= revision.at - this.options.passMs + this.options.readinessDelayMs, storageUri: revision.storageUri };
    }
    return { ready: false, storageUri: undefined };
  }
}
