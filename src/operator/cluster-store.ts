/**
 * The engine's StatusStore in a cluster: the ModelCanary's status
 * subresource, written whole in one JSON patch per reconcile (a merge patch
 * would turn the status' nulls into deletions). Besides the core status it
 * carries the operator's bookkeeping: the step column, the generation acted
 * on, and the acknowledgement of the last command.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { RolloutStatus } from '../core/status.js';
import type { StatusStore } from '../engine/engine.js';
import { ModelCanaryResource, type KubeObject } from '../kube/resources.js';
import { kubeRequest } from './apply-objects.js';

/** What the operator answers to a command annotation (see cli-cluster.ts). */
export interface CommandAck {
  readonly id: string;
  readonly ok: boolean;
  readonly reason: string;
  readonly at: string;
}

/** A Kubernetes status condition (metav1.Condition). */
export interface StatusCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

/** The status of a ModelCanary object as stored. */
export interface ClusterStatus extends RolloutStatus {
  /** "2/3": the step in force of all steps, for `kubectl get`. */
  readonly step: string;
  readonly observedGeneration?: number;
  readonly command?: CommandAck;
  /** `MetricsAvailable`: whether the last reading of the metrics could be judged, and if not, why (with the query). */
  readonly conditions?: readonly StatusCondition[];
}

const OPERATOR_KEYS = ['step', 'observedGeneration', 'command', 'conditions'] as const;

export const METRICS_AVAILABLE = 'MetricsAvailable';

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
  readonly clock?: () => number;
  /** How long a status that changes nothing significant may wait before it is written (default 30 s). */
  readonly flushMs?: number;
}

/**
 * What a person, a CI gate or a restarted operator must see at once: the
 * phase, the step and weight, the counters, the history, the verdicts. The
 * sequential judge's evidence changes every tick; written at every tick it
 * would be one API write per canary per second, so it rides along with the
 * next significant write or the periodic flush (a restart loses at most that
 * much evidence, and the judge starts the step's evidence again: conservative).
 */
export function isSignificantChange(before: RolloutStatus | undefined, after: RolloutStatus): boolean {
  if (!before) return true;
  const verdicts = (s: RolloutStatus) => `${s.lastAnalysis?.verdict}|${(s.lastAnalysis?.results ?? []).map((r) => r.verdict).join(',')}`;
  return before.phase !== after.phase || before.canaryWeight !== after.canaryWeight || before.stepIndex !== after.stepIndex
    || before.gated !== after.gated || before.specHash !== after.specHash || before.failures !== after.failures
    || before.inconclusives !== after.inconclusives || before.history.length !== after.history.length
    || before.history.at(-1)?.at !== after.history.at(-1)?.at || before.stepStartedAt !== after.stepStartedAt
    || before.windowStartedAt !== after.windowStartedAt || before.waitingSince !== after.waitingSince
    || before.observedWeight !== after.observedWeight || before.stableStorageUri !== after.stableStorageUri
    || before.canaryStorageUri !== after.canaryStorageUri || verdicts(before) !== verdicts(after);
}

export class ClusterStatusStore implements StatusStore {
  /** Set before a command is applied, written with the status it produces. */
  pendingAck: CommandAck | undefined;
  /** The newest status, when it has not been written yet. */
  private unsaved: RolloutStatus | undefined;
  private lastWriteAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ClusterStoreOptions) {}

  async load(): Promise<RolloutStatus | undefined> {
    return coreStatusOf(this.options.object());
  }

  async save(status: RolloutStatus): Promise<void> {
    const now = (this.options.clock ?? Date.now)();
    const written = coreStatusOf(this.options.object());
    if (!this.pendingAck && !isSignificantChange(written, status) && now - this.lastWriteAt < (this.options.flushMs ?? 30_000)) {
      this.unsaved = status;
      return;
    }
    this.unsaved = undefined;
    this.lastWriteAt = now;
    const previous = this.options.object().status as Partial<ClusterStatus> | undefined;
    const ack = this.pendingAck ?? previous?.command;
    this.pendingAck = undefined;
    const stored: ClusterStatus = {
      ...status,
      step: stepLabel(status, this.options.steps),
      ...(this.options.object().metadata.generation === undefined ? {} : { observedGeneration: this.options.object().metadata.generation }),
      ...(ack ? { command: ack } : {}),
      ...(previous?.conditions ? { conditions: previous.conditions } : {}),
    };
    await this.write(stored);
  }

  /**
   * Records whether the metrics could be judged: `problem` is why not (with
   * the query), null when they could. Written at once when the condition
   * changes, with the newest status; otherwise nothing is written.
   */
  async setMetricsAvailable(problem: string | null): Promise<void> {
    const current = this.options.object().status as ClusterStatus | undefined;
    if (!current) return;
    const conditions = current.conditions ?? [];
    const previous = conditions.find((c) => c.type === METRICS_AVAILABLE);
    const status = problem === null ? 'True' : 'False';
    const message = problem === null ? 'the last reading of the metrics succeeded' : problem.slice(0, 1024);
    if (previous?.status === status && previous.message === message) return;
    const condition: StatusCondition = {
      type: METRICS_AVAILABLE, status, reason: problem === null ? 'Measured' : 'MeasurementFailed', message,
      lastTransitionTime: previous?.status === status ? previous.lastTransitionTime : new Date((this.options.clock ?? Date.now)()).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    const newest = this.unsaved ? { ...this.unsaved, step: stepLabel(this.unsaved, this.options.steps) } : {};
    this.unsaved = undefined;
    await this.write({ ...current, ...newest, conditions: [...conditions.filter((c) => c.type !== METRICS_AVAILABLE), condition] });
  }

  /** Records a refused command (no status change). */
  async acknowledge(ack: CommandAck): Promise<void> {
    const current = this.options.object().status as ClusterStatus | undefined;
    if (!current) return;
    const newest = this.unsaved ? { ...this.unsaved, step: stepLabel(this.unsaved, this.options.steps) } : {};
    this.unsaved = undefined;
    await this.write({ ...current, ...newest, command: ack });
  }

  private async write(status: ClusterStatus): Promise<void> {
    const { namespace, name, kubeConfig } = this.options;
    const { group, version, plural } = ModelCanaryResource;
    const path = `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}/status?fieldManager=kcanary`;
    const written = await kubeRequest(kubeConfig, 'PATCH', path, { body: [{ op: 'add', path: '/status', value: status }], contentType: 'application/json-patch+json' }) as KubeObject;
    this.options.onWritten?.(written);
  }
}
