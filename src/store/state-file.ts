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
import { isFinished } from '../core/phase.js';
import { stateProblems } from './state-schema.js';

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

/** What the state must agree with: the spec it is read for. */
export interface StateExpectation {
  readonly name: string;
  /**
   * Bounds the step index when the state will go on under this spec's steps: it was
   * computed for this very spec (its hash), or it is a rollout of the same canary
   * still under way, whose edited settings are adopted in place.
   */
  readonly spec?: { readonly steps: readonly number[]; readonly specHash: string; readonly canaryStorageUri?: string };
}

/**
 * The saved state, undefined when there is none; a StateError when it cannot
 * be trusted. Every check comes before anything is written, and a refused file
 * is never touched.
 */
export async function readState(path: string, expected?: string | StateExpectation): Promise<LocalState | undefined> {
  const expectation = typeof expected === 'string' ? { name: expected } : expected;
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
    throw new StateError(`the state file ${path} is corrupt (${(error as Error).message}); ${LEFT_AS_IT_IS}`, { cause: error });
  }
  const state = parsed as Partial<LocalState> | null;
  if (!state || typeof state !== 'object' || state.kind !== STATE_KIND) {
    throw new StateError(`${path} is not a kcanary state file; it was left as it is`);
  }
  if (state.version !== STATE_VERSION) {
    throw new StateError(`${path} has state version ${String(state.version)}, this kcanary reads version ${STATE_VERSION}; it was left as it is`);
  }
  if (!state.status || typeof state.status.phase !== 'string' || typeof state.canary?.name !== 'string') {
    throw new StateError(`the state file ${path} is incomplete (no status); ${LEFT_AS_IT_IS}`);
  }
  const problems = stateProblems(state);
  const steps = expectation?.spec;
  const goesOn = steps !== undefined && (state.status.specHash === steps.specHash
    || (state.status.canaryStorageUri === steps.canaryStorageUri && !isFinished(state.status.phase)));
  if (problems.length === 0 && steps && goesOn && state.status.stepIndex >= steps.steps.length) {
    problems.push(`status.stepIndex: ${state.status.stepIndex} is past the last of the spec's ${steps.steps.length} steps (${steps.steps.join(', ')})`);
  }
  if (problems.length) {
    throw new StateError(`the state file ${path} is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}\n${LEFT_AS_IT_IS}`);
  }
  if (expectation !== undefined && state.canary.name !== expectation.name) {
    throw new StateError(`${path} holds the state of canary "${state.canary.name}", not "${expectation.name}"; it was left as it is`);
  }
  return state as LocalState;
}

const LEFT_AS_IT_IS = 'it was left as it is: move it away to start the rollout over';

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
