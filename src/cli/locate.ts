/**
 * Finding the local rollout a verb acts on: from `-f canary.yaml`, a name, or
 * the only rollout in ./.kcanary.
 */
import { readdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { ControlClient } from '../local/control-client.js';
import { isAlive } from '../local/stale-processes.js';
import { loadSpecFile } from '../spec-file.js';
import { readState, stateFilePath, type LocalState } from '../store/state-file.js';

export interface LocatedRollout {
  readonly statePath: string;
  readonly state: LocalState;
  /** Set when `kcanary up` is running for it. */
  readonly client?: ControlClient;
}

export async function locateRollout(options: { file?: string | undefined; stateDir?: string | undefined; name?: string | undefined; cwd: string }): Promise<LocatedRollout> {
  let stateDir: string;
  let name = options.name;
  if (options.file) {
    const { canary } = await loadSpecFile(resolve(options.cwd, options.file));
    stateDir = resolve(dirname(resolve(options.cwd, options.file)), canary.spec.local?.stateDir ?? '.kcanary');
    name ??= canary.metadata.name;
  } else {
    stateDir = resolve(options.cwd, options.stateDir ?? '.kcanary');
  }
  if (!name) {
    const files = (await readdir(stateDir).catch(() => [] as string[])).filter((f) => f.endsWith('.state.json'));
    if (files.length === 0) throw new UsageError(`no local rollout found in ${stateDir}: start one with \`kcanary up -f canary.yaml\`, or pass -f`);
    if (files.length > 1) throw new UsageError(`several rollouts in ${stateDir} (${files.map((f) => f.replace('.state.json', '')).join(', ')}): name one`);
    name = files[0]!.replace(/\.state\.json$/, '');
  }
  const statePath = stateFilePath(stateDir, name);
  const state = await readState(statePath, name);
  if (!state) throw new UsageError(`no rollout named "${name}" in ${stateDir}: start it with \`kcanary up -f canary.yaml\``);
  const running = state.control && isAlive(state.control.pid);
  return { statePath, state, ...(running ? { client: new ControlClient(state.control!) } : {}) };
}
