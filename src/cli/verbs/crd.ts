/** `kcanary crd`: prints the ModelCanary CRD, generated from the spec's schema. */
import { stringify } from 'yaml';
import { modelCanaryCrd } from '../../crd/model-canary-crd.js';
import { ExitCode } from '../../errors.js';
import type { Command } from '../command.js';
import { commonFlags } from '../help.js';
import { parseFlags } from '../flags.js';
import { parseOutputFormat } from '../output.js';

const usage = `Usage: kcanary crd [-o yaml|json]

Prints the ModelCanary CustomResourceDefinition (kubectl apply -f - installs it).`;

const command: Command = {
  name: 'crd',
  summary: 'Print the ModelCanary CustomResourceDefinition.',
  usage,
  flags: [commonFlags.output('yaml|json')],
  examples: [
    'kcanary crd | kubectl apply -f -',
    'kcanary crd -o json > modelcanary-crd.json',
  ],
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, { output: { type: 'string', short: 'o' } }, usage);
    const format = parseOutputFormat(values.output, 'yaml');
    const crd = modelCanaryCrd();
    ctx.stdout.write(format === 'json' ? `${JSON.stringify(crd, null, 2)}\n` : stringify(crd));
    return ExitCode.Ok;
  },
};
export default command;
