import { fileURLToPath } from 'node:url';
import { Phase } from '../../core/phase.js';
import { ExitCode } from '../../errors.js';
import { runDemo } from '../../demo/demo.js';
import type { Command } from '../command.js';
import { parseFlags, parseWholeNumber } from '../flags.js';

const usage = `Usage: kcanary demo [--rate 150]

The KServe canary lab on this machine, in under a minute: v1 serves; v2 rolls
out 20% → 50% → 100% while traffic flows, the split is verified from outside,
v2 is promoted; then the broken v3 is dark-launched behind mirrored traffic and
rolled back on the evidence of its answers. Leaves nothing running.`;

const MODELS = fileURLToPath(new URL('../../../models/housing', import.meta.url));

const command: Command = {
  name: 'demo',
  summary: 'Run the canary lab on this machine: promote v2, roll back v3.',
  usage,
  flags: [{ name: 'rate', value: 'N', text: 'requests per second the demo sends through the gateway (default 150, 1 to 2000)' }],
  examples: [
    'kcanary demo',
    'kcanary demo --rate 50   # a slower machine',
  ],
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, { rate: { type: 'string' } }, usage);
    const rate = parseWholeNumber(values.rate, '--rate', { min: 1, max: 2000 }) ?? 150;
    const result = await runDemo({ out: ctx.stdout, models: { dir: MODELS }, signal: ctx.signal, rate });
    const asExpected = result.upgrade.phase === Phase.Succeeded && result.badVersion.phase === Phase.RolledBack;
    return asExpected || ctx.signal.aborted ? ExitCode.Ok : ExitCode.RolledBack;
  },
};
export default command;
