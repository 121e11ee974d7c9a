import { resolve } from 'node:path';
import { ExitCode, UsageError, ValidationError } from '../../errors.js';
import { checkLocalModelFiles, loadSpecFile } from '../../spec-file.js';
import type { Command } from '../command.js';
import { commonFlags } from '../help.js';
import { parseFlags } from '../flags.js';
import { formatData, parseOutputFormat } from '../output.js';

const usage = `Usage: kcanary validate -f canary.yaml [-o json|yaml]

Checks a ModelCanary spec: every problem is listed with its field path (exit 2).
For router: local with the built-in model server, each file:// storageUri must
name an .onnx model (resolved relative to the spec file, as \`up\` does).
With -o, prints the spec with every default filled in.`;

const command: Command = {
  name: 'validate',
  summary: 'Check a ModelCanary spec and show its defaults.',
  usage,
  flags: [
    commonFlags.file,
    { ...commonFlags.output('json|yaml'), text: 'print the spec with every default filled in, as json or yaml' },
  ],
  examples: [
    'kcanary validate -f examples/housing-canary.yaml',
    'kcanary validate -f canary.yaml -o yaml   # see the defaults',
  ],
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, { file: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' } }, usage);
    if (!values.file) throw new UsageError(`validate needs -f <file>\n\n${usage}`);
    const format = parseOutputFormat(values.output);
    const specPath = resolve(ctx.cwd, values.file);
    const { canary, warnings } = await loadSpecFile(specPath);
    const files = checkLocalModelFiles(canary, specPath);
    for (const w of [...warnings, ...files.warnings]) ctx.stderr.write(`warning: ${w.path}: ${w.message}\n`);
    if (files.errors.length) throw new ValidationError(files.errors, { source: specPath });
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
