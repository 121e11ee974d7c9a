import { resolve } from 'node:path';
import { KIND, Router } from '../../core/spec.js';
import { ExitCode, UsageError } from '../../errors.js';
import { KubeClient } from '../../kube/client.js';
import { loadKubeConfig } from '../../kube/config.js';
import { createClusterRouter, requireClusterRouter } from '../../operator/cluster-routers.js';
import { NotReadyError } from '../../routers/kserve-status.js';
import { loadSpecFile, readSpecDocuments } from '../../spec-file.js';
import type { Command } from '../command.js';
import { clusterFlags, commonFlags } from '../help.js';
import { parseFlags } from '../flags.js';
import { weightBars } from '../output.js';

const usage = `Usage: kcanary apply -f canary.yaml [-n NAMESPACE] [--context NAME] [--kubeconfig FILE]

Creates or updates a cluster rollout's variants and routing (server-side apply,
field manager kcanary) and sends the first step's weight to the canary once it
is Ready; until then all traffic stays on the primary. Move it on by hand with
set-weight/promote/rollback, or let \`kcanary run\` or the operator do it.`;

const command: Command = {
  name: 'apply',
  summary: 'Create or update the variants and routing of a cluster rollout, at its first step.',
  usage,
  flags: [
    { ...commonFlags.file, text: 'the ModelCanary spec to apply (its router must be a cluster router)' },
    ...clusterFlags,
  ],
  examples: [
    'kcanary apply -f examples/sklearn-istio.yaml -n sample-dev',
    'kcanary apply -f canary.yaml --context staging   # then: kcanary status -f canary.yaml',
  ],
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, {
      file: { type: 'string', short: 'f' }, namespace: { type: 'string', short: 'n' }, context: { type: 'string' }, kubeconfig: { type: 'string' },
    }, usage);
    if (!values.file) throw new UsageError(`apply needs -f <file>\n\n${usage}`);
    const path = resolve(ctx.cwd, values.file);
    requireClusterRouter((await readSpecDocuments(path) as ({ kind?: unknown } | null)[]).find((d) => d?.kind === KIND), path);
    const { canary } = await loadSpecFile(path);
    if (canary.spec.router === Router.Local) throw new UsageError('router: local runs on this machine: use `kcanary up -f`');
    const resolved = loadKubeConfig({
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context ? { context: values.context } : {}),
      ...(values.namespace ?? canary.metadata.namespace ? { namespace: values.namespace ?? canary.metadata.namespace } : {}),
    });
    const namespace = resolved.namespace;
    const scoped = { ...canary, metadata: { ...canary.metadata, namespace } };
    const router = createClusterRouter(canary.spec.router, new KubeClient({ kubeConfig: resolved.kubeConfig, namespace }));
    const routerCtx = { canary: scoped, stableStorageUri: canary.spec.predictor.model.storageUri, canaryStorageUri: canary.spec.canary.storageUri };
    await router.ensureVariants(routerCtx);
    const first = canary.spec.rollout.steps[0]!;
    let weight = 0;
    try {
      await router.setWeight(routerCtx, first);
      weight = first;
    } catch (error) {
      if (!(error instanceof NotReadyError)) throw error;
      ctx.stdout.write(`the canary is not Ready yet (${error.message}): all traffic stays on the primary; run \`kcanary set-weight ${first}\` when it is\n`);
    }
    const seen = await router.observe(routerCtx);
    ctx.stdout.write(`${canary.metadata.name} applied in ${namespace} (router ${canary.spec.router})\n`);
    for (const line of weightBars(seen.canaryWeight ?? weight)) ctx.stdout.write(`  ${line}\n`);
    ctx.stdout.write(`  primary: ${seen.primary.ready ? 'Ready' : 'not Ready'}  ${seen.primary.revision ?? ''}\n  canary:  ${seen.canary.ready ? 'Ready' : 'not Ready'}  ${seen.canary.revision ?? ''}\n`);
    await router.close();
    return ExitCode.Ok;
  },
};
export default command;
