/**
 * A model server run as a child process for one variant: the built-in
 * `kcanary serve`, or the spec's own command with {port}, {storageUri},
 * {modelPath} and {modelName} filled in. Its output goes to a log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KCANARY_BIN = fileURLToPath(new URL('../../../bin/kcanary.js', import.meta.url));

export interface VariantProcessOptions {
  readonly role: string;
  readonly storageUri: string;
  readonly modelName: string;
  readonly port: number;
  readonly host: string;
  /** The spec's command, or undefined for the built-in model server. */
  readonly command?: readonly string[];
  /** Relative storage URIs and commands resolve against the spec's folder. */
  readonly cwd: string;
  readonly logDir: string;
}

export function commandFor(options: VariantProcessOptions): string[] {
  if (!options.command) {
    return [process.execPath, KCANARY_BIN, 'serve', '--model', options.storageUri, '--name', options.modelName, '--port', String(options.port), '--host', options.host];
  }
  const modelPath = options.storageUri.replace(/^file:\/\//, '');
  const values: Record<string, string> = { port: String(options.port), storageUri: options.storageUri, modelPath, modelName: options.modelName, host: options.host };
  return options.command.map((part) => part.replace(/\{(port|storageUri|modelPath|modelName|host)\}/g, (_, key: string) => values[key]!));
}

/** How much of a process's stderr is kept in memory, to show why it failed. */
const STDERR_TAIL_BYTES = 8192;

export class VariantProcess {
  readonly url: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private exit: string | undefined;
  private stderrTail = '';
  private closed = false;

  constructor(readonly options: VariantProcessOptions) {
    this.url = `http://${options.host}:${options.port}`;
    this.logFile = join(options.logDir, `${options.modelName}-${options.role}.log`);
  }

  /** As /proc/<pid>/cmdline shows it, to recognise the process after a restart. */
  get commandLine(): string {
    return commandFor(this.options).join(' ');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Why the process is gone (or was given up on), if it is. */
  get exited(): string | undefined {
    return this.exit;
  }

  /** The last lines the process wrote to stderr. */
  lastStderrLines(count = 10): string[] {
    return this.stderrTail.split('\n').map((line) => line.trimEnd()).filter((line) => line !== '').slice(-count);
  }

  /** Why it failed, with the last lines of its stderr, on one line. */
  describeFailure(lines = 3): string | undefined {
    if (!this.exit) return undefined;
    const tail = this.lastStderrLines(lines).join(' | ');
    return `${this.exit}${tail ? `: ${tail}` : ''}; its output is in ${this.logFile}`;
  }

  /** Resolves once the process's output has all been read (or after `maxMs`). */
  async outputRead(maxMs = 1000): Promise<void> {
    const child = this.child;
    if (!child || this.closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      child.once('close', () => { clearTimeout(timer); resolve(); });
    });
  }

  /** Gives up on a process that did not become Ready in time: it is stopped and counts as failed. */
  async giveUp(why: string): Promise<void> {
    this.exit ??= why;
    await this.stop();
  }

  start(): void {
    mkdirSync(this.options.logDir, { recursive: true });
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const [program, ...args] = commandFor(this.options);
    log.write(`--- ${new Date().toISOString()} ${[program, ...args].join(' ')}\n`);
    const child = spawn(program!, args, { cwd: this.options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KCANARY_VARIANT: this.options.role } });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.stderr?.on('data', (chunk: Buffer) => { this.stderrTail = (this.stderrTail + chunk.toString()).slice(-STDERR_TAIL_BYTES); });
    child.once('error', (error) => { this.exit = `could not start ${program}: ${error.message}`; });
    child.once('exit', (code, signal) => {
      this.exit ??= `exited (${signal ?? `code ${code}`})`;
    });
    // After 'exit' its output may still be arriving: the log closes with the pipes.
    child.once('close', () => {
      this.closed = true;
      log.end();
    });
    this.child = child;
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}
