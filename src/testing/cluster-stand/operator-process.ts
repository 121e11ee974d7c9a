/**
 * The operator as a user installs it: `kcanary install` (the real binary)
 * applies the CRD, ServiceAccount and RBAC; a token bound to that
 * ServiceAccount (TokenRequest) is all the operator gets; `kcanary operator`
 * runs as its own process with it. Its API calls pass through a recording
 * proxy, so a test can count the writes a rollout made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeRequest } from '../../operator/apply-objects.js';
import { startFaultProxy, type FaultProxy } from '../../kube/testing/fault-proxy.js';
import { fileURLToPath } from 'node:url';
import type { KubeEnv } from '../kube-env.js';

// Not ../cli.js: it registers node:test hooks, and the stand also runs outside the test runner (bench/cluster).
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KCANARY_BIN = join(REPO_ROOT, 'bin', 'kcanary.js');

/** `kcanary args…` to completion; throws with its stderr unless it exits 0. */
function kcanary(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KCANARY_BIN, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`kcanary ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

export const INSTALL_NAMESPACE = 'kcanary-system';
const SERVICE_ACCOUNT = 'kcanary-operator';

export interface RecordedWrite {
  readonly at: number;
  readonly method: string;
  readonly path: string;
}

export interface OperatorProcess {
  readonly child: ChildProcess;
  /** Every write (POST, PUT, PATCH, DELETE) the operator sent, in order. */
  readonly writes: readonly RecordedWrite[];
  /** Its log so far (stdout and stderr). */
  log(): string;
  stop(): Promise<void>;
}

/** A kubeconfig document for the operator's ServiceAccount token, against `server`. */
function serviceAccountKubeconfig(server: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'operator',
    clusters: [{ name: 'stand', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: SERVICE_ACCOUNT, user: { token } }],
    contexts: [{ name: 'operator', context: { cluster: 'stand', user: SERVICE_ACCOUNT, namespace: INSTALL_NAMESPACE } }],
  });
}

export async function installAndStartOperator(env: KubeEnv, dir: string, options: { prometheus: string; tick?: string }): Promise<OperatorProcess> {
  const admin = join(dir, 'admin.kubeconfig');
  writeFileSync(admin, env.kubeconfigYaml('admin'));
  await kcanary(['install', '--kubeconfig', admin, '--install-namespace', INSTALL_NAMESPACE]);

  const tokenRequest = await kubeRequest(env.adminConfig, 'POST', `/api/v1/namespaces/${INSTALL_NAMESPACE}/serviceaccounts/${SERVICE_ACCOUNT}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  }) as { status: { token: string } };

  const writes: RecordedWrite[] = [];
  const proxy: FaultProxy = await startFaultProxy(env.server, (request) => {
    if (request.method !== 'GET') writes.push({ at: Date.now(), method: request.method, path: request.path });
    return 'forward';
  });
  const kubeconfig = join(dir, 'operator.kubeconfig');
  writeFileSync(kubeconfig, serviceAccountKubeconfig(proxy.url, tokenRequest.status.token));

  // As on a workstation: not in a pod, so no KUBERNETES_SERVICE_HOST.
  const environment: NodeJS.ProcessEnv = { ...process.env, KCANARY_LOG_LEVEL: 'debug' };
  delete environment.KUBERNETES_SERVICE_HOST;
  const child = spawn(process.execPath, [KCANARY_BIN, 'operator', '--kubeconfig', kubeconfig, '--prometheus', options.prometheus,
    '--leader-election-namespace', INSTALL_NAMESPACE, '--tick', options.tick ?? '500ms', '--listen', '127.0.0.1:0'], { cwd: REPO_ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    child,
    writes,
    log: () => output,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await proxy.close();
    },
  };
}
