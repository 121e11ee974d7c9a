import type { Command } from '../command.js';

const command: Command = {
  name: 'version',
  summary: 'Print the kcanary version.',
  usage: 'Usage: kcanary version',
  flags: [],
  examples: [
    'kcanary version',
  ],
  async run(ctx) {
    ctx.stdout.write('kcanary 0.1.0\n');
    return 0;
  },
};
export default command;
