/**
 * The local rollout's state, in one JSON file next to the spec. Written
 * atomically (write, fsync, rename, fsync the folder) so a process killed at
 * any moment leaves either the old state or the new one, never half of one.
 * A file that is corrupt or belongs to another canary is refused and kept.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StateError } from '../errors.js';
import type { RolloutStatus } from '../core/status.js';

export const STATE_KIND = 'kcanary.io/local-state';
export const STATE_VERSION = 1;

/** How CLI verbs reach the running `kcanary up`. */
export interface ControlEndpoint {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
}

export interface LocalState {
  readonly kind: typeof STATE_KIND;
  readonly version: typeof STATE_VERSION;
  readonly canary: { readonly name: string; readonly specFile: string };
  readonly status: RolloutStatus;
  readonly control: ControlEndpoint | null;
  /** Processes this rollout started, so a restart can clean up after a killed run. */
  readonly processes: readonly { readonly pid: number; readonly role: string }[];
}

export function stateFilePath(stateDir: string, name: string): string {
  return join(stateDir, `${name}.state.json`);
}

/** The saved state, undefined when there is none; a StateError when it cannot be trusted. */
export async function readState(path: string, expectedName?: string): Promise<LocalState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateError(`cannot read the state file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StateError(`the state file ${path} is corrupt (${(error as Error).message}); it was left as it is: move it away to start the rollout over`, { cause: error });
  }
  const state = parsed as Partial<LocalState> | null;
  if (!state || typeof state !== 'object' || state.kind !== STATE_KIND) {
    throw new StateError(`${path} is not a kcanary state file; it was left as it is`);
  }
  if (state.version !== STATE_VERSION) {
    throw new StateError(`${path} has state version ${String(state.version)}, this kcanary reads version ${STATE_VERSION}; it was left as it is`);
  }
  if (!state.status || typeof state.status.phase !== 'string' || typeof state.canary?.name !== 'string') {
    throw new StateError(`the state file ${path} is incomplete (no status); it was left as it is: move it away to start the rollout over`);
  }
  if (expectedName !== undefined && state.canary.name !== expectedName) {
    throw new StateError(`${path} holds the state of canary "${state.canary.name}", not "${expectedName}"; it was left as it is`);
  }
  return state as LocalState;
}

/** Replaces the state file atomically; the file is readable by its owner only (it holds the control token). */
export async function writeState(path: string, state: LocalState): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(`${JSON.stringify(state, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
