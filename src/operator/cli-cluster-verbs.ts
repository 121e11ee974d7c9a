/**
 * The cluster branch of the rollout verbs (`pause`, `resume`, `promote`,
 * `rollback`, `set-weight`, `status`): taken when `-n/--namespace`,
 * `--context` or `--kubeconfig` is given, or when `-f` names a spec whose
 * router is not `local`. Returns undefined when the local path applies.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CommandContext } from '../cli/command.js';
import { formatData, parseOutputFormat } from '../cli/output.js';
import type { Command as RolloutCommand } from '../core/commands.js';
import { parseDuration } from '../core/duration.js';
import { ExitCode, UsageError } from '../errors.js';
import type { KubeObject } from '../kube/resources.js';
import { readSpecDocuments } from '../spec-file.js';
import type { ClusterTarget } from './cli-cluster.js';
import type { ClusterStatus } from './cluster-store.js';

// The Kubernetes client takes a second to load: only a cluster invocation pays for it.
const cluster = () => import('./cli-cluster.js');

const FLAGS = {
  namespace: { type: 'string', short: 'n' }, context: { type: 'string' }, kubeconfig: { type: 'string' },
  file: { type: 'string', short: 'f' }, 'state-dir': { type: 'string' }, output: { type: 'string', short: 'o' },
  watch: { type: 'boolean', short: 'w' }, timeout: { type: 'string' },
} as const;

interface ClusterArgs {
  readonly target: Omit<ClusterTarget, 'name'>;
  readonly positionals: string[];
  readonly specName?: string;
  readonly output?: string;
  readonly watch?: boolean;
  readonly timeout?: string;
}

async function clusterArgs(ctx: CommandContext): Promise<ClusterArgs | undefined> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...ctx.argv], options: FLAGS, allowPositionals: true, strict: true });
  } catch {
    return undefined; // the verb's own parser reports it
  }
  const { values, positionals } = parsed;
  let spec: KubeObject | undefined;
  if (values.file) {
    spec = (await readSpecDocuments(resolve(ctx.cwd, values.file)))[0] as KubeObject | undefined;
    if (!values.namespace && !values.context && !values.kubeconfig && ((spec?.spec as { router?: string } | undefined)?.router ?? 'local') === 'local') return undefined;
  } else if (!values.namespace && !values.context && !values.kubeconfig) {
    return undefined;
  }
  const { loadKubeConfig } = await import('../kube/config.js');
  const { kubeConfig, namespace } = loadKubeConfig({
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.context ? { context: values.context } : {}),
    ...(values.namespace ?? spec?.metadata?.namespace ? { namespace: values.namespace ?? spec!.metadata.namespace! } : {}),
  });
  return {
    target: { kubeConfig, namespace }, positionals: [...positionals],
    ...(values.output ? { output: values.output } : {}), ...(values.watch ? { watch: true } : {}), ...(values.timeout ? { timeout: values.timeout } : {}),
    ...(spec?.metadata?.name ? { specName: spec.metadata.name } : {}),
  };
}

function summary(object: KubeObject): string {
  const s = object.status as Partial<ClusterStatus> | undefined;
  if (!s?.phase) return `${object.metadata.namespace}/${object.metadata.name}: no status yet (is the operator running?)\n`;
  return `${object.metadata.namespace}/${object.metadata.name}  ${s.phase}  canary ${s.canaryWeight}%  step ${s.step}  ${s.message}\n`;
}

/** pause, resume, promote, rollback, set-weight on a ModelCanary; undefined: not a cluster invocation. */
export async function runClusterCommand(ctx: CommandContext, type: RolloutCommand['type']): Promise<number | undefined> {
  const args = await clusterArgs(ctx);
  if (!args) return undefined;
  const format = parseOutputFormat(args.output);
  let command: RolloutCommand = { type } as RolloutCommand;
  if (type === 'set-weight') {
    const weight = Number(args.positionals.shift());
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) throw new UsageError('set-weight needs a weight: a whole percent from 0 to 100');
    command = { type, weight };
  }
  const name = args.positionals[0] ?? args.specName;
  if (!name) throw new UsageError(`${type}: name the ModelCanary (kcanary ${type} NAME -n NAMESPACE) or give -f`);
  const target = { ...args.target, name };
  const { findClusterCanary, sendClusterCommand } = await cluster();
  if (!(await findClusterCanary(target))) throw new UsageError(`no ModelCanary ${target.namespace}/${name}`);
  const { ack, object } = await sendClusterCommand(target, command, { signal: ctx.signal });
  ctx.stdout.write(format === 'table' ? `${ack.ok ? '' : 'refused: '}${ack.reason}\n${summary(object)}` : formatData({ ok: ack.ok, reason: ack.reason, status: object.status }, format));
  return ack.ok ? ExitCode.Ok : ExitCode.BadInput;
}

/** status [--watch --timeout] of a ModelCanary: 0 Succeeded, 3 RolledBack/Failed, 4 timeout. */
export async function runClusterStatus(ctx: CommandContext): Promise<number | undefined> {
  const args = await clusterArgs(ctx);
  if (!args) return undefined;
  const format = parseOutputFormat(args.output);
  const name = args.positionals[0] ?? args.specName;
  if (!name) throw new UsageError('status: name the ModelCanary (kcanary status NAME -n NAMESPACE) or give -f');
  const target = { ...args.target, name };
  const print = (object: KubeObject) => ctx.stdout.write(format === 'table' ? summary(object) : formatData(object.status ?? {}, format));
  const { findClusterCanary, watchClusterCanary } = await cluster();
  const object = await findClusterCanary(target);
  if (!object) throw new UsageError(`no ModelCanary ${target.namespace}/${name}`);
  if (!args.watch) {
    print(object);
    return ExitCode.Ok;
  }
  const timeoutMs = args.timeout === undefined ? undefined : parseDuration(args.timeout);
  if (typeof timeoutMs === 'object') throw new UsageError(`--timeout: ${timeoutMs.error}`);
  const code = await watchClusterCanary(target, { signal: ctx.signal, onChange: print, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  if (code === ExitCode.Timeout) ctx.stderr.write('kcanary: --timeout reached before the rollout ended\n');
  return code;
}
