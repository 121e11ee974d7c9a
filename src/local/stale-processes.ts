/**
 * A `kcanary up` killed with SIGKILL leaves its model servers running. The
 * next run stops them, having checked that each pid still runs the same
 * program (a recycled pid is left alone).
 */
import { readFile } from 'node:fs/promises';

export interface RecordedProcess {
  readonly pid: number;
  readonly role: string;
  /** The start of the process's command line, to recognise it. */
  readonly cmdline?: string;
}

export async function commandLineOf(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function stopStaleProcesses(recorded: readonly RecordedProcess[]): Promise<number[]> {
  const stopped: number[] = [];
  for (const entry of recorded) {
    if (entry.pid === process.pid || !isAlive(entry.pid)) continue;
    const now = await commandLineOf(entry.pid);
    if (entry.cmdline && now !== undefined && now !== entry.cmdline) continue;
    try {
      process.kill(entry.pid, 'SIGKILL');
      stopped.push(entry.pid);
    } catch {
      // already gone
    }
  }
  return stopped;
}
