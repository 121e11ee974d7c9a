import { resolve } from 'node:path';
import { ExitCode, UsageError } from '../../errors.js';
import { loadSpecFile } from '../../spec-file.js';
import type { Command } from '../command.js';
import { parseFlags } from '../flags.js';
import { formatData, parseOutputFormat } from '../output.js';

const usage = `Usage: kcanary validate -f canary.yaml [-o json|yaml]

Checks a ModelCanary spec: every problem is listed with its field path (exit 2).
With -o, prints the spec with every default filled in.`;

const command: Command = {
  name: 'validate',
  summary: 'Check a ModelCanary spec and show its defaults.',
  usage,
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, { file: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' } }, usage);
    if (!values.file) throw new UsageError(`validate needs -f <file>\n\n${usage}`);
    const format = parseOutputFormat(values.output);
    const { canary, warnings } = await loadSpecFile(resolve(ctx.cwd, values.file));
    for (const w of warnings) ctx.stderr.write(`warning: ${w.path}: ${w.message}\n`);
    if (format === 'table') {
      const { rollout } = canary.spec;
      ctx.stdout.write(`${values.file}: valid ModelCanary "${canary.metadata.name}" (router ${canary.spec.router}, steps ${rollout.steps.join(' → ')}%, metrics ${canary.spec.analysis.checks.map((c) => c.name).join(', ')})\n`);
    } else {
      ctx.stdout.write(formatData(canary, format));
    }
    return ExitCode.Ok;
  },
};
export default command;
