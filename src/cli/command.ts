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

/** One flag as `kcanary help <verb>` shows it: `-f, --file FILE   what it does`. */
export interface FlagHelp {
  /** The long name, without the dashes. */
  readonly name: string;
  readonly short?: string;
  /** What follows the flag (FILE, N, 1s); none for a switch. */
  readonly value?: string;
  /** What the flag does, with its default. */
  readonly text: string;
}

/** One CLI verb, one file under `cli/verbs/`. `run` resolves to the exit code. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Every flag the verb takes. */
  readonly flags: readonly FlagHelp[];
  /** Command lines a user can copy, each with a `# why` comment where it helps. */
  readonly examples: readonly string[];
  run(ctx: CommandContext): Promise<number>;
}
