/**
 * The engine's StatusStore in a cluster: the ModelCanary's status
 * subresource, written whole in one JSON patch per reconcile (a merge patch
 * would turn the status' nulls into deletions). Besides the core status it
 * carries the operator's bookkeeping: the step column, the generation acted
 * on, and the acknowledgement of the last command.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { RolloutStatus } from '../core/status.js';
import type { StatusStore } from '../engine/engine.js';
import { toKubeError } from '../kube/errors.js';
import { ModelCanaryResource, type KubeObject } from '../kube/resources.js';

/** What the operator answers to a command annotation (see cli-cluster.ts). */
export interface CommandAck {
  readonly id: string;
  readonly ok: boolean;
  readonly reason: string;
  readonly at: string;
}

/** The status of a ModelCanary object as stored. */
export interface ClusterStatus extends RolloutStatus {
  /** "2/3": the step in force of all steps, for `kubectl get`. */
  readonly step: string;
  readonly observedGeneration?: number;
  readonly command?: CommandAck;
}

const OPERATOR_KEYS = ['step', 'observedGeneration', 'command'] as const;

/** The core status inside a stored one; undefined when the operator has not written one yet. */
export function coreStatusOf(object: KubeObject): RolloutStatus | undefined {
  const stored = object.status as Partial<ClusterStatus> | undefined;
  if (!stored || typeof stored.phase !== 'string') return undefined;
  const core: Record<string, unknown> = { ...stored };
  for (const key of OPERATOR_KEYS) delete core[key];
  return core as unknown as RolloutStatus;
}

export function stepLabel(status: RolloutStatus, steps: readonly number[]): string {
  return `${Math.max(0, status.stepIndex + 1)}/${steps.length}`;
}

export interface ClusterStoreOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  readonly steps: readonly number[];
  /** The object as last read (its status is what load() returns). */
  readonly object: () => KubeObject;
  /** Called with the stored object after every write. */
  readonly onWritten?: (object: KubeObject) => void;
}

export class ClusterStatusStore implements StatusStore {
  private readonly api: CustomObjectsApi;
  /** Set before a command is applied, written with the status it produces. */
  pendingAck: CommandAck | undefined;

  constructor(private readonly options: ClusterStoreOptions) {
    this.api = options.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async load(): Promise<RolloutStatus | undefined> {
    return coreStatusOf(this.options.object());
  }

  async save(status: RolloutStatus): Promise<void> {
    const previous = this.options.object().status as Partial<ClusterStatus> | undefined;
    const ack = this.pendingAck ?? previous?.command;
    this.pendingAck = undefined;
    const stored: ClusterStatus = {
      ...status,
      step: stepLabel(status, this.options.steps),
      ...(this.options.object().metadata.generation === undefined ? {} : { observedGeneration: this.options.object().metadata.generation }),
      ...(ack ? { command: ack } : {}),
    };
    await this.write(stored);
  }

  /** Records a refused command (no status change). */
  async acknowledge(ack: CommandAck): Promise<void> {
    const current = this.options.object().status;
    if (!current) return;
    await this.write({ ...(current as unknown as ClusterStatus), command: ack });
  }

  private async write(status: ClusterStatus): Promise<void> {
    const { namespace, name } = this.options;
    const { group, version, plural } = ModelCanaryResource;
    try {
      const written = await this.api.patchNamespacedCustomObjectStatus(
        { group, version, namespace, plural, name, body: [{ op: 'add', path: '/status', value: status }], fieldManager: 'kcanary' },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      ) as KubeObject;
      this.options.onWritten?.(written);
    } catch (error) {
      throw toKubeError(error, { verb: 'patch', resource: `${plural}.${group}/status`, namespace, name });
    }
  }
}
