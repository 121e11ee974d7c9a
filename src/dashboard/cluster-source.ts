/**
 * The dashboard's view of ModelCanary objects in a cluster, read and acted on
 * with the user's own kubeconfig (so their RBAC decides what they see and may
 * do). A command is a request the operator carries out: an annotation on the
 * object, which it acknowledges in `status.command` (docs/adr/dashboard.md).
 */
import { randomUUID } from 'node:crypto';
import { COMMAND_PHASES, type Command } from '../core/commands.js';
import { Phase } from '../core/phase.js';
import type { RolloutStatus } from '../core/status.js';
import { validateModelCanary } from '../core/validate.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type WatchHandle } from '../kube/client.js';
import { ModelCanaryResource, apiVersionOf, type KubeObject } from '../kube/resources.js';
import type { RolloutSnapshot } from '../local/snapshot.js';
import type { CanarySummary } from './api-types.js';
import { COMMAND_ANNOTATION } from '../operator/canary-commands.js';

/** Where a command waits for the operator: JSON {id, type, weight?, at} (the operator reads it). */
export { COMMAND_ANNOTATION };

export interface CommandRequest {
  readonly id: string;
  readonly type: Command['type'];
  readonly weight?: number;
  readonly at: string;
}

interface StoredStatus extends Partial<RolloutStatus> {
  readonly command?: { readonly id: string; readonly ok: boolean; readonly reason: string; readonly at: string };
}

/** Before the operator has written a status, the page still has a whole one to show. */
function statusOf(object: KubeObject): RolloutStatus {
  const stored = (object.status ?? {}) as StoredStatus;
  const model = ((object.spec?.predictor as { model?: { storageUri?: string } } | undefined)?.model?.storageUri) ?? '';
  const canary = ((object.spec?.canary as { storageUri?: string } | undefined)?.storageUri) ?? '';
  const created = (object.metadata.creationTimestamp as string | undefined) ?? new Date(0).toISOString();
  return {
    phase: Phase.Pending, stepIndex: -1, canaryWeight: 0, observedWeight: null, gated: false, stepStartedAt: null, windowStartedAt: null, waitingSince: null,
    failures: 0, inconclusives: 0, message: 'waiting for the operator to pick it up', lastAnalysis: null, judge: null, history: [], specHash: '',
    stableStorageUri: model, canaryStorageUri: canary, startedAt: created, updatedAt: created,
    ...stored,
  };
}

/** The step schedule as the core derives it (steps, or stepWeight/maxWeight). */
function stepsOf(object: KubeObject): number[] {
  const { canary } = validateModelCanary({ apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name }, spec: object.spec });
  if (canary) return [...canary.spec.rollout.steps];
  const steps = (object.spec?.rollout as { steps?: unknown } | undefined)?.steps;
  return Array.isArray(steps) ? steps.filter((w): w is number => typeof w === 'number') : [];
}

export function snapshotOfObject(object: KubeObject): RolloutSnapshot {
  const status = statusOf(object);
  const ack = (object.status as StoredStatus | undefined)?.command;
  return {
    name: object.metadata.name,
    modelName: typeof object.spec?.modelName === 'string' ? object.spec.modelName : object.metadata.name,
    router: typeof object.spec?.router === 'string' ? object.spec.router : 'unknown',
    steps: stepsOf(object),
    gateway: null,
    running: true,
    status,
    observation: null,
    lastReason: ack ? `${ack.ok ? '' : 'refused: '}${ack.reason}` : status.message,
  };
}

export function summaryOf(object: KubeObject): CanarySummary {
  const status = statusOf(object);
  return {
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    router: typeof object.spec?.router === 'string' ? object.spec.router : 'unknown',
    phase: status.phase,
    canaryWeight: status.observedWeight ?? status.canaryWeight,
  };
}

/** Its own field manager: applying the annotation must never take over (or drop) fields another manager applied. */
export const DASHBOARD_FIELD_MANAGER = 'kcanary-dashboard';

export class ClusterCanaries {
  constructor(private readonly client: KubeClient) {}

  static forKubeConfig(kubeConfig: KubeConfig, namespace: string): ClusterCanaries {
    return new ClusterCanaries(new KubeClient({ kubeConfig, namespace, fieldManager: DASHBOARD_FIELD_MANAGER }));
  }

  get namespace(): string {
    return this.client.namespace;
  }

  async list(namespace = this.client.namespace): Promise<CanarySummary[]> {
    const objects = await this.client.list(ModelCanaryResource, { namespace });
    return objects.map(summaryOf).sort((a, b) => a.name.localeCompare(b.name));
  }

  async snapshot(namespace: string, name: string): Promise<RolloutSnapshot> {
    return snapshotOfObject(await this.client.get(ModelCanaryResource, name, { namespace }));
  }

  /**
   * Asks the operator to act, after the same phase check the CLI makes (so a
   * command that cannot apply is refused here, with the reason).
   */
  async request(namespace: string, name: string, command: Command, now = Date.now()): Promise<{ ok: boolean; reason: string; snapshot: RolloutSnapshot }> {
    const current = snapshotOfObject(await this.client.get(ModelCanaryResource, name, { namespace }));
    const phase = current.status.phase;
    if (!COMMAND_PHASES[command.type].includes(phase)) {
      return { ok: false, reason: `cannot ${command.type} a rollout that is ${phase} (only when ${COMMAND_PHASES[command.type].join(' or ')})`, snapshot: current };
    }
    const request: CommandRequest = { id: randomUUID(), type: command.type, ...(command.type === 'set-weight' ? { weight: command.weight } : {}), at: new Date(now).toISOString() };
    const written = await this.client.apply({
      apiVersion: apiVersionOf(ModelCanaryResource), kind: ModelCanaryResource.kind,
      metadata: { name, namespace, annotations: { [COMMAND_ANNOTATION]: JSON.stringify(request) } },
    });
    const what = command.type === 'set-weight' ? `set-weight ${command.weight}%` : command.type;
    return { ok: true, reason: `${what} requested (${request.id.slice(0, 8)}): the operator carries it out`, snapshot: snapshotOfObject(written) };
  }

  /** Streams snapshots of one object until the watch ends (the caller re-subscribes). */
  watch(namespace: string, name: string, onSnapshot: (snapshot: RolloutSnapshot | null) => void): Promise<WatchHandle> {
    return this.client.watch(ModelCanaryResource, { namespace, name, timeoutSeconds: 300 }, (event, object) => {
      if (event === 'BOOKMARK') return;
      onSnapshot(event === 'DELETED' ? null : snapshotOfObject(object));
    });
  }
}
