/**
 * Commands to a rollout in a cluster travel through the ModelCanary itself,
 * so the operator stays the only writer of its status: the CLI sets the
 * annotation `kcanary.io/command` to `{"id", "type", "weight"?}`; the operator
 * applies it with core's applyCommand and acknowledges the id in
 * `status.command` ({ id, ok, reason, at }).
 */
import type { Command } from '../core/commands.js';
import type { KubeObject } from '../kube/resources.js';

export const COMMAND_ANNOTATION = 'kcanary.io/command';
/** Keeps the ModelCanary until the primary serves all traffic again. */
export const FINALIZER = 'kcanary.io/primary-serves-all-traffic';

export interface CommandRequest {
  readonly id: string;
  readonly command: Command;
}

const TYPES = new Set<Command['type']>(['pause', 'resume', 'promote', 'rollback', 'set-weight']);

/** The command in the annotation; an `error` when it cannot be read (it is acknowledged as refused). */
export function readCommand(object: KubeObject | undefined): (CommandRequest & { error?: undefined }) | { id: string; error: string } | undefined {
  const text = object?.metadata.annotations?.[COMMAND_ANNOTATION];
  if (!text) return undefined;
  let parsed: { id?: unknown; type?: unknown; weight?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return { id: text.slice(0, 64), error: `annotation ${COMMAND_ANNOTATION} is not JSON` };
  }
  const id = typeof parsed.id === 'string' && parsed.id ? parsed.id : '';
  if (!id) return { id: '', error: `annotation ${COMMAND_ANNOTATION} has no id` };
  if (typeof parsed.type !== 'string' || !TYPES.has(parsed.type as Command['type'])) return { id, error: `unknown command ${String(parsed.type)}` };
  if (parsed.type === 'set-weight') {
    if (typeof parsed.weight !== 'number') return { id, error: 'set-weight needs a weight' };
    return { id, command: { type: 'set-weight', weight: parsed.weight } };
  }
  return { id, command: { type: parsed.type } as Command };
}

export function commandAnnotation(id: string, command: Command): string {
  return JSON.stringify({ id, ...command });
}

/** The changes a reconcile must look at; the operator's own status writes are none of them. */
export function needsReconcile(previous: KubeObject | undefined, current: KubeObject | undefined): boolean {
  if (!previous || !current) return true;
  return previous.metadata.generation !== current.metadata.generation
    || previous.metadata.annotations?.[COMMAND_ANNOTATION] !== current.metadata.annotations?.[COMMAND_ANNOTATION]
    || previous.metadata.deletionTimestamp !== current.metadata.deletionTimestamp
    || previous.metadata.uid !== current.metadata.uid;
}
