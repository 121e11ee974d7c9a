/**
 * Kubernetes Events on a ModelCanary for every transition, as `kubectl
 * describe` shows them. Best effort: an Event that cannot be written is
 * logged, never a reason to fail a reconcile. Repeats of the same message
 * within a minute are dropped, so a retried action does not flood the list.
 */
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../kube/resources.js';
import { kubeRequest } from './apply-objects.js';

export const EventType = { Normal: 'Normal', Warning: 'Warning' } as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

export interface RecordedEvent {
  readonly namespace: string;
  readonly name: string;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

const REPEAT_WINDOW_MS = 60_000;

export class EventRecorder {
  private readonly recent = new Map<string, number>();

  constructor(private readonly options: { kubeConfig: KubeConfig; component: string; log?: (message: string) => void }) {}

  record(object: KubeObject, type: EventType, reason: string, message: string): void {
    const namespace = object.metadata.namespace ?? 'default';
    const key = `${namespace}/${object.metadata.name}|${reason}|${message}`;
    const now = Date.now();
    if (now - (this.recent.get(key) ?? -Infinity) < REPEAT_WINDOW_MS) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.recent.clear();
    const time = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
    const body = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: `${object.metadata.name}.${now.toString(16)}${randomBytes(2).toString('hex')}`, namespace },
      involvedObject: { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace, uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion },
      type, reason, message: message.slice(0, 1024),
      source: { component: this.options.component },
      reportingComponent: this.options.component,
      firstTimestamp: time, lastTimestamp: time, count: 1,
    };
    kubeRequest(this.options.kubeConfig, 'POST', `/api/v1/namespaces/${namespace}/events`, { body })
      .catch((error: unknown) => this.options.log?.(`event ${reason} on ${namespace}/${object.metadata.name} not recorded: ${(error as Error).message}`));
  }
}
