/**
 * The rollouts running on this machine for this user, the way `docker ps`
 * knows its containers: every `kcanary up` adds an entry when it listens and
 * removes it when it stops, so the verbs find a rollout from any folder.
 * An entry left by a killed `up` (its pid gone, or reused by another program)
 * is ignored and removed by the next reader.
 *
 * Where: $KCANARY_STATE_HOME, else $XDG_STATE_HOME/kcanary, else
 * ~/.local/state/kcanary; one file per running `up` under `running/`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { commandLineOf, isAlive } from './stale-processes.js';

export interface RunningRollout {
  readonly name: string;
  readonly pid: number;
  readonly specFile: string;
  readonly statePath: string;
  readonly startedAt: string;
  /** The `up` process's command line, so a recycled pid is not taken for it. */
  readonly cmdline: string;
}

export function registryDir(env: NodeJS.ProcessEnv): string {
  const home = env.KCANARY_STATE_HOME || (env.XDG_STATE_HOME ? join(env.XDG_STATE_HOME, 'kcanary') : join(env.HOME || homedir(), '.local', 'state', 'kcanary'));
  return join(home, 'running');
}

const entryFile = (dir: string, entry: { name: string; pid: number }): string => join(dir, `${entry.name}.${entry.pid}.json`);

/** Adds this process's rollout; the returned function removes it. */
export async function registerRunning(dir: string, entry: Omit<RunningRollout, 'cmdline' | 'pid' | 'startedAt'>): Promise<() => Promise<void>> {
  const full: RunningRollout = { ...entry, pid: process.pid, startedAt: new Date().toISOString(), cmdline: (await commandLineOf(process.pid)) ?? '' };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = entryFile(dir, full);
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(full, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
  return () => rm(path, { force: true });
}

/** The rollouts running now, oldest first; stale entries are removed on the way. */
export async function listRunning(dir: string): Promise<RunningRollout[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
  const running: RunningRollout[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const entry = await readFile(path, 'utf8').then((text) => JSON.parse(text) as RunningRollout).catch(() => undefined);
    if (!entry || typeof entry.pid !== 'number' || typeof entry.statePath !== 'string') continue;
    if (await isStale(entry)) {
      await rm(path, { force: true });
      continue;
    }
    running.push(entry);
  }
  return running.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

async function isStale(entry: RunningRollout): Promise<boolean> {
  if (!isAlive(entry.pid)) return true;
  const now = await commandLineOf(entry.pid);
  return Boolean(entry.cmdline) && now !== undefined && now !== entry.cmdline;
}
