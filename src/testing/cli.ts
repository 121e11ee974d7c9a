// Helpers for tests that run the real `kcanary` binary.
import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KCANARY_BIN = join(REPO_ROOT, 'bin', 'kcanary.js');
export const TINY_SERVER = join(REPO_ROOT, 'test', 'fixtures', 'tiny-model-server.mjs');

export interface CliResult { code: number | null; stdout: string; stderr: string }

/**
 * The registry of running rollouts the spawned binaries share: one per test
 * file, so a test never finds the user's rollouts nor another file's.
 */
export const TEST_STATE_HOME = join(tmpdir(), `kcanary-state-home-${process.pid}`);
const testEnv = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, KCANARY_STATE_HOME: TEST_STATE_HOME, ...env });

/** Runs `kcanary args…` to completion. */
export function runCli(args: string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KCANARY_BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: testEnv(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`kcanary ${args.join(' ')} timed out\n${stdout}\n${stderr}`)); }, options.timeoutMs ?? 30_000);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

const running = new Set<CliProcess>();

// A test that fails or times out must not leave a `kcanary up` behind: it would
// keep the test process (and CI) waiting for ever. SIGTERM lets it stop its model servers.
after(async () => {
  await Promise.all([...running].map(async (p) => {
    p.child.kill('SIGTERM');
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
    await p.exited;
    clearTimeout(timer);
  }));
});

/** A long-running `kcanary …` with its output collected as it comes. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], cwd: string, env?: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [KCANARY_BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: testEnv(env) });
    this.child.stdout!.on('data', (d: Buffer) => { this.stdout += d.toString(); });
    this.child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => { running.delete(this); resolve(code); }));
    running.add(this);
  }

  /** Waits until stdout matches, returning the match. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`never saw ${pattern}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A spec for the tiny test server; `canary` picks its behaviour (ok, fail, slow, offset). */
export function tinySpec(options: { name?: string; canary?: string; spec?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    apiVersion: 'kcanary.io/v1alpha1',
    kind: 'ModelCanary',
    metadata: { name: options.name ?? 'tiny' },
    spec: {
      router: 'local',
      predictor: { model: { storageUri: 'file://v1/ok' } },
      canary: { storageUri: `file://v2/${options.canary ?? 'ok'}` },
      // Steps short enough for a quick test, long enough for a loaded CI machine.
      rollout: { steps: [20, 50, 100], interval: '2s' },
      analysis: { minRequests: 5, failureLimit: 0, metrics: [{ name: 'error-rate', max: 5 }] },
      local: {
        gateway: { port: 0 },
        command: [process.execPath, TINY_SERVER, '--port', '{port}', '--name', '{modelName}', '--model', '{storageUri}'],
      },
      ...options.spec,
    },
  };
}

export async function specInTempDir(spec: Record<string, unknown>): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'kcanary-e2e-'));
  const file = join(dir, 'canary.yaml');
  await writeFile(file, stringify(spec));
  return { dir, file };
}

/** Sends predict requests to `url` until stopped; counts what came back. */
export function sendTraffic(url: string, model: string, perSecond = 100): { stop(): Promise<Record<string, number>> } {
  const counts: Record<string, number> = {};
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const response = await fetch(`${url}/v1/models/${model}:predict`, { method: 'POST', body: '{"instances": [[1, 2], [3, 4]]}' });
        await response.arrayBuffer();
        const key = `${response.headers.get('x-kcanary-variant')}:${response.status}`;
        counts[key] = (counts[key] ?? 0) + 1;
      } catch {
        counts.error = (counts.error ?? 0) + 1;
      }
      await new Promise((r) => setTimeout(r, 1000 / perSecond));
    }
  })();
  return { async stop() { running = false; await loop; return counts; } };
}
