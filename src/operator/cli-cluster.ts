/**
 * The CLI's cluster path: when a ModelCanary exists, `pause`, `resume`,
 * `promote`, `rollback` and `set-weight` write a command annotation and wait
 * for the operator's acknowledgement in its status (the operator stays the
 * only writer of the status); `status --watch` follows the object.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Command } from '../core/commands.js';
import { isFinished, Phase } from '../core/phase.js';
import { ErrorCode, ExitCode, KcanaryError, TimeoutError } from '../errors.js';
import { ModelCanaryResource, type KubeObject } from '../kube/resources.js';
import { kubeRequest } from './apply-objects.js';
import { COMMAND_ANNOTATION, commandAnnotation } from './canary-commands.js';
import type { ClusterStatus, CommandAck } from './cluster-store.js';

export interface ClusterTarget {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
}

function pathOf(target: ClusterTarget): string {
  const { group, version, plural } = ModelCanaryResource;
  return `/apis/${group}/${version}/namespaces/${encodeURIComponent(target.namespace)}/${plural}/${encodeURIComponent(target.name)}`;
}

/** The ModelCanary, or null when there is none (the CLI then looks for a local rollout). */
export async function findClusterCanary(target: ClusterTarget): Promise<KubeObject | null> {
  try {
    return await kubeRequest(target.kubeConfig, 'GET', pathOf(target)) as KubeObject;
  } catch (error) {
    if (error instanceof KcanaryError && error.code === ErrorCode.NotFound) return null;
    throw error;
  }
}

export interface ClusterCommandResult {
  readonly ack: CommandAck;
  readonly object: KubeObject;
}

/** Sends a command through the annotation and waits for the operator to acknowledge it. */
export async function sendClusterCommand(target: ClusterTarget, command: Command, options: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {}): Promise<ClusterCommandResult> {
  const id = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  await kubeRequest(target.kubeConfig, 'PATCH', pathOf(target), {
    body: { metadata: { annotations: { [COMMAND_ANNOTATION]: commandAnnotation(id, command) } } },
    contentType: 'application/merge-patch+json',
  });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline && !options.signal?.aborted) {
    const object = await kubeRequest(target.kubeConfig, 'GET', pathOf(target)) as KubeObject;
    const ack = (object.status as Partial<ClusterStatus> | undefined)?.command;
    if (ack?.id === id) return { ack, object };
    await sleep(options.pollMs ?? 250);
  }
  throw new TimeoutError(`the operator did not acknowledge ${command.type} on ${target.namespace}/${target.name}: is \`kcanary operator\` (or \`kcanary run\`) running?`);
}

/** 0 Succeeded, 3 RolledBack/Failed, 4 timeout; calls `onChange` with each new status. */
export async function watchClusterCanary(target: ClusterTarget, options: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal; onChange?: (object: KubeObject) => void } = {}): Promise<number> {
  const started = Date.now();
  let last = '';
  for (;;) {
    const object = await kubeRequest(target.kubeConfig, 'GET', pathOf(target)) as KubeObject;
    const status = object.status as Partial<ClusterStatus> | undefined;
    const key = `${status?.phase}|${status?.canaryWeight}|${status?.updatedAt}`;
    if (key !== last) {
      last = key;
      options.onChange?.(object);
    }
    if (status?.phase && isFinished(status.phase)) return status.phase === Phase.Succeeded ? ExitCode.Ok : ExitCode.RolledBack;
    if (options.timeoutMs !== undefined && Date.now() - started >= options.timeoutMs) return ExitCode.Timeout;
    if (options.signal?.aborted) return ExitCode.Ok;
    await sleep(options.pollMs ?? 1000, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
