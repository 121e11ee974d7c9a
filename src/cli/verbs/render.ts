import { resolve } from 'node:path';
import { ExitCode, UsageError } from '../../errors.js';
import { manifestsToYaml, renderAtWeight, renderInputFrom } from '../../render/index.js';
import { loadSpecFile } from '../../spec-file.js';
import type { Command } from '../command.js';
import { commonFlags } from '../help.js';
import { parseFlags, parseWholeNumber } from '../flags.js';

const usage = `Usage: kcanary render -f canary.yaml [--weight N] [-n NAMESPACE] [-o yaml|json]

Prints the Kubernetes manifests of a cluster router (knative, kserve-raw, istio,
gateway-api) with the canary at N percent (default: the first step), for GitOps
tools (Flux, Argo CD) to apply. Nothing is sent to a cluster.`;

const command: Command = {
  name: 'render',
  summary: 'Print the manifests of a rollout at a given canary weight, for GitOps.',
  usage,
  flags: [
    commonFlags.file,
    { name: 'weight', short: 'w', value: 'N', text: 'the canary\'s percent of traffic in the manifests (default: the first step)' },
    { ...commonFlags.namespace, text: 'namespace of the manifests (default: metadata.namespace, then default)' },
    commonFlags.output('yaml|json'),
  ],
  examples: [
    'kcanary render -f examples/sklearn-istio.yaml --weight 20',
    'kcanary render -f canary.yaml -w 100 -o json > manifests.json',
  ],
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, {
      file: { type: 'string', short: 'f' }, weight: { type: 'string', short: 'w' }, namespace: { type: 'string', short: 'n' }, output: { type: 'string', short: 'o' },
    }, usage);
    if (!values.file) throw new UsageError(`render needs -f <file>\n\n${usage}`);
    const output = values.output ?? 'yaml';
    if (output !== 'yaml' && output !== 'json') throw new UsageError('-o/--output for render is yaml or json');
    const { canary, warnings } = await loadSpecFile(resolve(ctx.cwd, values.file));
    for (const w of warnings) ctx.stderr.write(`warning: ${w.path}: ${w.message}\n`);
    const weight = parseWholeNumber(values.weight, '--weight', { min: 0, max: 100 }) ?? canary.spec.rollout.steps[0]!;
    const input = renderInputFrom(canary, { stableStorageUri: canary.spec.predictor.model.storageUri, canaryStorageUri: canary.spec.canary.storageUri }, values.namespace ?? canary.metadata.namespace ?? 'default');
    const manifests = renderAtWeight(canary.spec.router, input, weight);
    ctx.stdout.write(output === 'json' ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }, null, 2)}\n` : manifestsToYaml(manifests));
    return ExitCode.Ok;
  },
};
export default command;
