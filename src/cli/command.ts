import type { Writable } from 'node:stream';

/** What a verb gets from `main`: its own arguments and the process's streams. */
export interface CommandContext {
  readonly argv: readonly string[];
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM: long-running verbs shut down cleanly. */
  readonly signal: AbortSignal;
}

/** One CLI verb, one file under `cli/verbs/`. `run` resolves to the exit code. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(ctx: CommandContext): Promise<number>;
}
