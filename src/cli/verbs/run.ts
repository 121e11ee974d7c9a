/** `kcanary run -f canary.yaml`: one cluster rollout in the foreground, no operator needed. */
import { resolve } from 'node:path';
import { parseDuration } from '../../core/duration.js';
import { KIND } from '../../core/spec.js';
import { ExitCode, UsageError } from '../../errors.js';
import { loadKubeConfig } from '../../kube/config.js';
import type { KubeObject } from '../../kube/resources.js';
import { requireClusterRouter } from '../../operator/cluster-routers.js';
import { runOneCanary } from '../../operator/run-one.js';
import { readSpecDocuments } from '../../spec-file.js';
import type { Command } from '../command.js';
import { commonFlags } from '../help.js';
import { parseFlags } from '../flags.js';

const usage = `Usage: kcanary run -f canary.yaml [-n NAMESPACE] [--prometheus URL] [--tick 1s] [--timeout 30m]
                   [--kubeconfig FILE] [--context NAME]

Applies the ModelCanary and runs its rollout in the foreground with the
operator's reconcile loop, for pipelines without an installed operator.
Exit codes: 0 promoted, 3 rolled back or failed, 4 --timeout reached.`;

const durationFlag = (value: string | undefined, flag: string, fallback?: string): number | undefined => {
  const text = value ?? fallback;
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (typeof ms === 'object') throw new UsageError(`${flag}: ${ms.error}`);
  return ms;
};

const command: Command = {
  name: 'run',
  summary: 'Run one cluster rollout in the foreground (no operator needed).',
  usage,
  flags: [
    { ...commonFlags.file, text: 'the ModelCanary spec to roll out (a cluster router)' },
    commonFlags.namespace,
    { name: 'prometheus', value: 'URL', text: 'Prometheus to judge the steps on, when the spec names none' },
    { name: 'tick', value: 'DURATION', text: 'how often the rollout is reconciled (default 1s)' },
    { name: 'timeout', value: 'DURATION', text: 'give up (exit 4) when the rollout has not ended by then (default: no limit)' },
    commonFlags.kubeconfig,
    commonFlags.context,
  ],
  examples: [
    'kcanary run -f examples/sklearn-istio.yaml -n sample-dev --timeout 30m   # a CI gate',
  ],
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, {
      file: { type: 'string', short: 'f' }, namespace: { type: 'string', short: 'n' }, prometheus: { type: 'string' },
      tick: { type: 'string' }, timeout: { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' },
    }, usage);
    if (!values.file) throw new UsageError(`run needs -f <file>\n\n${usage}`);
    const path = resolve(ctx.cwd, values.file);
    const document = (await readSpecDocuments(path) as (KubeObject | null)[]).find((d) => d?.kind === KIND);
    if (!document) throw new UsageError(`${path}: no ${KIND} document`);
    requireClusterRouter(document, path);
    const { kubeConfig, namespace } = loadKubeConfig({
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context ? { context: values.context } : {}),
      ...(values.namespace ?? document.metadata?.namespace ? { namespace: values.namespace ?? document.metadata.namespace } : {}),
    });
    const timeoutMs = durationFlag(values.timeout, '--timeout');
    const code = await runOneCanary({
      kubeConfig, namespace, document, tickMs: durationFlag(values.tick, '--tick', '1s')!, signal: ctx.signal,
      ...(values.prometheus ? { prometheus: values.prometheus } : {}),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      onChange: (status) => ctx.stdout.write(`${status.phase.padEnd(11)} canary ${String(status.canaryWeight).padStart(3)}%  step ${status.step}  ${status.message}\n`),
      log: (message) => ctx.stderr.write(`kcanary: ${message}\n`),
    });
    if (code === ExitCode.Timeout) ctx.stderr.write('kcanary: --timeout reached before the rollout ended\n');
    return code;
  },
};
export default command;
