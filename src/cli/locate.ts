/**
 * Finding the local rollout a verb acts on: from `-f canary.yaml` or
 * `--state-dir`; else among the rollouts running on this machine (by name when
 * one is given), from any folder; else the one saved in ./.kcanary.
 */
import { readdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ModelCanary } from '../core/spec.js';
import { UsageError } from '../errors.js';
import { ControlClient } from '../local/control-client.js';
import { listRunning, registryDir, type RunningRollout } from '../local/registry.js';
import { isAlive } from '../local/stale-processes.js';
import { loadSpecFile } from '../spec-file.js';
import { specHash } from '../engine/spec-hash.js';
import { readState, stateFilePath, type LocalState, type StateExpectation } from '../store/state-file.js';

export interface LocatedRollout {
  readonly statePath: string;
  readonly state: LocalState;
  /** Set when `kcanary up` is running for it. */
  readonly client?: ControlClient;
}

export interface LocateOptions {
  readonly file?: string | undefined;
  readonly stateDir?: string | undefined;
  readonly name?: string | undefined;
  readonly cwd: string;
  /** For the registry of running rollouts ($KCANARY_STATE_HOME, $XDG_STATE_HOME, $HOME). */
  readonly env?: NodeJS.ProcessEnv;
}

export async function locateRollout(options: LocateOptions): Promise<LocatedRollout> {
  if (options.file) {
    const { canary } = await loadSpecFile(resolve(options.cwd, options.file));
    const stateDir = resolve(dirname(resolve(options.cwd, options.file)), canary.spec.local?.stateDir ?? '.kcanary');
    return load(stateDir, options.name ?? canary.metadata.name, expectationOf(canary));
  }
  if (options.stateDir) return fromFolder(resolve(options.cwd, options.stateDir), options.name);
  const registry = registryDir(options.env ?? process.env);
  const running = (await listRunning(registry)).filter((r) => options.name === undefined || r.name === options.name);
  if (running.length === 1) return load(dirname(running[0]!.statePath), running[0]!.name);
  if (running.length > 1) {
    const what = options.name === undefined ? 'several local rollouts are running' : `several local rollouts named "${options.name}" are running`;
    const pick = options.name === undefined ? 'name one (`kcanary status <name>`) or pass -f <spec>' : 'pass -f <spec> to pick one';
    throw new UsageError(`${what}: ${pick}\n${describe(running)}`);
  }
  return fromFolder(resolve(options.cwd, '.kcanary'), options.name, registry);
}

/** The running rollouts, one a line: name, pid, spec file. */
function describe(running: readonly RunningRollout[]): string {
  const width = Math.max(...running.map((r) => r.name.length));
  return running.map((r) => `  ${r.name.padEnd(width)}  pid ${String(r.pid).padEnd(7)}  ${r.specFile}`).join('\n');
}

/** The only (or the named) rollout saved in a state folder. */
async function fromFolder(stateDir: string, name: string | undefined, registry?: string): Promise<LocatedRollout> {
  const elsewhere = registry ? `none running (see ${registry}) and ` : '';
  if (!name) {
    const files = (await readdir(stateDir).catch(() => [] as string[])).filter((f) => f.endsWith('.state.json'));
    if (files.length === 0) throw new UsageError(`no local rollout found: ${elsewhere}none saved in ${stateDir}; start one with \`kcanary up -f canary.yaml\`, or pass -f`);
    if (files.length > 1) throw new UsageError(`several rollouts in ${stateDir} (${files.map((f) => f.replace('.state.json', '')).join(', ')}): name one`);
    name = files[0]!.replace(/\.state\.json$/, '');
  }
  const state = await readChecked(stateFilePath(stateDir, name), name);
  if (!state) throw new UsageError(`no local rollout named "${name}" found: ${elsewhere}none saved in ${stateDir}; start it with \`kcanary up -f canary.yaml\``);
  return located(stateFilePath(stateDir, name), state);
}

async function load(stateDir: string, name: string, spec?: StateExpectation['spec']): Promise<LocatedRollout> {
  const statePath = stateFilePath(stateDir, name);
  const state = await readChecked(statePath, name, spec);
  if (!state) throw new UsageError(`no rollout named "${name}" in ${stateDir}: start it with \`kcanary up -f canary.yaml\``);
  return located(statePath, state);
}

function expectationOf(canary: ModelCanary): NonNullable<StateExpectation['spec']> {
  return { steps: canary.spec.rollout.steps, specHash: specHash(canary.spec), canaryStorageUri: canary.spec.canary.storageUri };
}

/** Checked against the given spec, else against the spec file the state names (when it still reads), so a step past its steps is refused. */
async function readChecked(statePath: string, name: string, spec?: StateExpectation['spec']): Promise<LocalState | undefined> {
  if (spec) return readState(statePath, { name, spec });
  const state = await readState(statePath, name);
  if (!state) return state;
  const own = await loadSpecFile(state.canary.specFile).catch(() => undefined);
  return own ? readState(statePath, { name, spec: expectationOf(own.canary) }) : state;
}

function located(statePath: string, state: LocalState): LocatedRollout {
  const running = state.control && isAlive(state.control.pid);
  return { statePath, state, ...(running ? { client: new ControlClient(state.control!) } : {}) };
}
