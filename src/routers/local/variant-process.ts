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

export class VariantProcess {
  readonly url: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private exit: string | undefined;

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

  /** Why the process is gone, if it is. */
  get exited(): string | undefined {
    return this.exit;
  }

  start(): void {
    mkdirSync(this.options.logDir, { recursive: true });
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const [program, ...args] = commandFor(this.options);
    log.write(`--- ${new Date().toISOString()} ${[program, ...args].join(' ')}\n`);
    const child = spawn(program!, args, { cwd: this.options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KCANARY_VARIANT: this.options.role } });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('error', (error) => { this.exit = `could not start ${program}: ${error.message}`; });
    child.once('exit', (code, signal) => {
      this.exit ??= `exited (${signal ?? `code ${code}`}); its output is in ${this.logFile}`;
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
