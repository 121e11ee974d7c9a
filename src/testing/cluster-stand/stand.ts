/**
 * The cluster stand: a real kube-apiserver + etcd (kube-env.ts), a real
 * Prometheus scraping the simulated data plane every `scrapeIntervalMs`,
 * and the operator installed and running as a user would run it
 * (operator-process.ts). Rollouts run on it one namespace each (run-rollout.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MetricsTarget, startPrometheus, type TestPrometheus } from '../../metrics/prometheus-test-server.js';
import { startKubeEnv, type KubeEnv } from '../kube-env.js';
import { kubeToolPath } from '../kube-tools.js';
import { installAndStartOperator, type OperatorProcess } from './operator-process.js';

export interface ClusterStand {
  readonly env: KubeEnv;
  readonly prometheus: TestPrometheus;
  readonly target: MetricsTarget;
  readonly operator: OperatorProcess;
  readonly dir: string;
  /** The real kubectl (v1.31) as the cluster admin; stdout. */
  kubectl(args: readonly string[]): Promise<string>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

export async function startClusterStand(options: { scrapeIntervalMs?: number; tick?: string } = {}): Promise<ClusterStand> {
  const dir = mkdtempSync(join(tmpdir(), 'kcanary-stand-'));
  const env = await startKubeEnv();
  const target = new MetricsTarget();
  let prometheus: TestPrometheus | undefined;
  let operator: OperatorProcess | undefined;
  try {
    await target.listen();
    prometheus = await startPrometheus(target.url, { scrapeIntervalMs: options.scrapeIntervalMs ?? 1000 });
    operator = await installAndStartOperator(env, dir, { prometheus: prometheus.address, ...(options.tick ? { tick: options.tick } : {}) });
  } catch (error) {
    await prometheus?.stop();
    await target.close();
    await env.stop();
    throw error;
  }
  const kubeconfig = join(dir, 'admin.kubeconfig');
  const started = { prometheus, operator };
  return {
    env, target, dir, ...started,
    async kubectl(args) {
      const { stdout } = await run(kubeToolPath('kubectl'), ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    },
    async stop() {
      await started.operator.stop();
      await started.prometheus.stop();
      await target.close();
      await env.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
