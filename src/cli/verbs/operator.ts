/**
 * `kcanary operator`: runs the operator until SIGTERM — watches ModelCanary
 * objects, reconciles them while it holds the leader Lease, serves /healthz,
 * /readyz and /metrics.
 */
import { hostname } from 'node:os';
import { parseDuration } from '../../core/duration.js';
import { ExitCode, UsageError } from '../../errors.js';
import { loadKubeConfig } from '../../kube/config.js';
import { defaultIdentity } from '../../operator/leader-election.js';
import { logFunction, operatorLogger } from '../../operator/logger.js';
import { Operator } from '../../operator/operator.js';
import type { Command } from '../command.js';
import { commonFlags } from '../help.js';
import { parseFlags, parseWholeNumber } from '../flags.js';

const usage = `Usage: kcanary operator [-n NAMESPACE ...] [--listen HOST:PORT] [--collector HOST:PORT] [--prometheus URL]
                        [--leader-election-namespace NS] [--lease-name kcanary-operator] [--no-leader-election]
                        [--tick 1s] [--concurrency 32] [--in-cluster | --kubeconfig FILE --context NAME]

Watches ModelCanary objects (all namespaces, or each -n given) and runs their
rollouts: steps the weight, judges each step on Prometheus, promotes or rolls
back. Replicas elect a leader on a Lease; only the leader acts.
/healthz, /readyz and /metrics listen on 0.0.0.0:8080 in a pod
(KUBERNETES_SERVICE_HOST is set) and on 127.0.0.1:8080 elsewhere, unless
--listen says otherwise. --collector serves the endpoint KServe's inference
logger posts to (prediction-agreement, prediction-shift).`;

/** In a pod the kubelet's probes and Prometheus come from outside; on a workstation nothing should. */
export function defaultListen(env: Readonly<Record<string, string | undefined>>): string {
  return env.KUBERNETES_SERVICE_HOST ? '0.0.0.0:8080' : '127.0.0.1:8080';
}

export function parseListen(value: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new UsageError(`--listen must be host:port, not "${value}"`);
  return { host: match[1] || '0.0.0.0', port };
}

const command: Command = {
  name: 'operator',
  summary: 'Run the ModelCanary operator (in a cluster, or against one).',
  usage,
  flags: [
    { ...commonFlags.namespace, text: 'a namespace to watch (repeat for several; default: all namespaces)' },
    { name: 'listen', value: 'HOST:PORT', text: 'address of /healthz, /readyz and /metrics (default 0.0.0.0:8080 in a pod, 127.0.0.1:8080 elsewhere)' },
    { name: 'collector', value: 'HOST:PORT', text: 'serve the endpoint KServe\'s inference logger posts to, for prediction-agreement\nand prediction-shift (default: not served)' },
    { name: 'prometheus', value: 'URL', text: 'Prometheus to judge the steps on, when a spec names none' },
    { name: 'leader-election-namespace', value: 'NS', text: 'namespace of the leader Lease (default: the operator\'s own)' },
    { name: 'lease-name', value: 'NAME', text: 'name of the leader Lease (default kcanary-operator)' },
    { name: 'no-leader-election', text: 'act without a Lease (one replica only)' },
    { name: 'identity', value: 'ID', text: 'this replica\'s name on the Lease (default: $POD_NAME, or host name and a random suffix)' },
    { name: 'tick', value: 'DURATION', text: 'how often each rollout is reconciled (default 1s)' },
    { name: 'concurrency', value: 'N', text: 'rollouts reconciled at once (default 32, 1 to 256)' },
    { name: 'in-cluster', text: 'use the pod\'s service account instead of a kubeconfig' },
    commonFlags.kubeconfig,
    commonFlags.context,
  ],
  examples: [
    'kcanary operator --in-cluster   # as the installed Deployment runs it',
    'kcanary operator -n sample-dev --no-leader-election --prometheus http://127.0.0.1:9090',
  ],
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, {
      namespace: { type: 'string', short: 'n', multiple: true },
      listen: { type: 'string' },
      collector: { type: 'string' },
      prometheus: { type: 'string' },
      'leader-election-namespace': { type: 'string' },
      'lease-name': { type: 'string' },
      'no-leader-election': { type: 'boolean' },
      identity: { type: 'string' },
      tick: { type: 'string' },
      concurrency: { type: 'string' },
      'in-cluster': { type: 'boolean' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
    }, usage);
    const tickMs = parseDuration(values.tick ?? '1s');
    if (typeof tickMs === 'object') throw new UsageError(`--tick: ${tickMs.error}`);
    const concurrency = parseWholeNumber(values.concurrency, '--concurrency', { min: 1, max: 256 }) ?? 32;
    if (values.prometheus) {
      try { new URL(values.prometheus); } catch { throw new UsageError(`--prometheus must be a URL, not "${values.prometheus}"`); }
    }
    const { kubeConfig, namespace } = loadKubeConfig({
      ...(values['in-cluster'] ? { inCluster: true } : {}),
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context ? { context: values.context } : {}),
    });
    const logger = operatorLogger(ctx.env);
    const log = logFunction(logger);
    const identity = values.identity ?? (ctx.env.POD_NAME || `${hostname()}-${defaultIdentity()}`);
    const operator = new Operator({
      kubeConfig, namespaces: values.namespace ?? [], identity, tickMs, concurrency, log,
      listen: parseListen(values.listen ?? defaultListen(ctx.env)),
      ...(values.collector ? { collector: parseListen(values.collector) } : {}),
      ...(ctx.env.POD_NAME && ctx.env.POD_NAMESPACE ? { pod: { name: ctx.env.POD_NAME, namespace: ctx.env.POD_NAMESPACE } } : {}),
      ...(values.prometheus ? { prometheus: values.prometheus } : {}),
      ...(values['no-leader-election'] ? {} : { leaderElection: { namespace: values['leader-election-namespace'] ?? namespace, name: values['lease-name'] ?? 'kcanary-operator' } }),
    });
    await operator.start();
    logger.info({ identity, url: operator.url, namespaces: values.namespace ?? 'all' }, 'operator started');
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    logger.info('shutting down: finishing in-flight reconciles, releasing the lease');
    await operator.stop();
    return ExitCode.Ok;
  },
};
export default command;
