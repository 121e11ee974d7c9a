/** pause, resume, promote, rollback and set-weight: one command to the running rollout each. */
import type { Command as RolloutCommand } from '../../core/commands.js';
import { ExitCode, UsageError } from '../../errors.js';
import type { Command } from '../command.js';
import { clusterFlags, commonFlags } from '../help.js';
import { parseFlags, parseWholeNumber, rolloutFlags } from '../flags.js';
import { locateRollout } from '../locate.js';
import { formatData, parseOutputFormat } from '../output.js';
import { renderSnapshot } from '../render-status.js';

export function rolloutCommandVerb(type: RolloutCommand['type'], summary: string): Command {
  const takesWeight = type === 'set-weight';
  const usage = `Usage: kcanary ${type}${takesWeight ? ' <weight>' : ''} [name] [-f canary.yaml] [--state-dir DIR] [-o table|json|yaml]\n` +
    `         [-n NAMESPACE] [--context NAME] [--kubeconfig FILE]\n\n` +
    'On a cluster (-n/--context/--kubeconfig, or a spec whose router is not local) the ModelCanary is asked, and the operator acts.';
  return {
    name: type,
    summary,
    usage,
    flags: [
      { ...commonFlags.file, text: 'the spec of the rollout (or give its name)' },
      commonFlags.stateDir,
      { ...commonFlags.output('table|json|yaml'), text: 'how to print the outcome and the rollout after it (default table)' },
      ...clusterFlags,
    ],
    examples: takesWeight
      ? ['kcanary set-weight 30 -f examples/housing-canary.yaml', 'kcanary set-weight 0 sklearn -n sample-dev   # all traffic back to the primary, paused']
      : [`kcanary ${type} -f examples/housing-canary.yaml`, `kcanary ${type} sklearn -n sample-dev`],
    async run(ctx) {
      // A ModelCanary in a cluster: the command goes through the object, the operator applies it.
      const cluster = await (await import('../../operator/cli-cluster-verbs.js')).runClusterCommand(ctx, type);
      if (cluster !== undefined) return cluster;
      const { values, positionals } = parseFlags(ctx.argv, rolloutFlags, usage);
      const format = parseOutputFormat(values.output);
      const args = [...positionals];
      let command: RolloutCommand;
      if (takesWeight) {
        const weight = parseWholeNumber(args.shift(), 'the weight', { min: 0, max: 100 });
        if (weight === undefined) throw new UsageError(`set-weight needs a weight: a whole percent from 0 to 100\n\n${usage}`);
        command = { type: 'set-weight', weight };
      } else {
        command = { type } as RolloutCommand;
      }
      const located = await locateRollout({ file: values.file, stateDir: values['state-dir'], name: args[0], cwd: ctx.cwd, env: ctx.env });
      if (!located.client) throw new UsageError(`the rollout "${located.state.canary.name}" is not running: start it with \`kcanary up -f ${located.state.canary.specFile}\``);
      const result = await located.client.command(command);
      if (format !== 'table') ctx.stdout.write(formatData(result, format));
      else ctx.stdout.write(`${result.ok ? '' : 'refused: '}${result.reason}\n\n${renderSnapshot(result.snapshot, { history: 3 })}`);
      return result.ok ? ExitCode.Ok : ExitCode.BadInput;
    },
  };
}
