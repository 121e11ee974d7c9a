import { ExitCode, KcanaryError, exitCodeOf } from '../errors.js';
import type { Command, CommandContext } from './command.js';
import { formatMainHelp, formatVerbHelp } from './help.js';
import { verbs } from './verbs/index.js';

function helpText(): string {
  return formatMainHelp(Object.keys(verbs));
}

export async function main(argv: readonly string[]): Promise<void> {
  const [verb, ...rest] = argv;
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const ctx: CommandContext = {
    argv: rest,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
  let code: number;
  const helpFor = verb === 'help' && rest[0] !== undefined ? rest[0] : undefined;
  if (helpFor !== undefined) {
    const load = verbs[helpFor];
    if (load) {
      process.stdout.write(formatVerbHelp((await load()).default));
      code = ExitCode.Ok;
    } else {
      process.stderr.write(`kcanary: unknown verb "${helpFor}"\n\n${helpText()}`);
      code = ExitCode.BadInput;
    }
  } else if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(helpText());
    code = verb === undefined ? ExitCode.BadInput : ExitCode.Ok;
  } else if (verb === '--version' || (verb === 'version' && rest.length === 0)) {
    process.stdout.write('kcanary 0.1.0\n');
    code = ExitCode.Ok;
  } else {
    const load = verbs[verb];
    if (!load) {
      process.stderr.write(`kcanary: unknown verb "${verb}"\n\n${helpText()}`);
      code = ExitCode.BadInput;
    } else {
      code = await runVerb(load, ctx);
    }
  }
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  process.exitCode = code;
}

async function runVerb(load: () => Promise<{ default: Command }>, ctx: CommandContext): Promise<number> {
  try {
    const command = (await load()).default;
    if (ctx.argv.includes('--help') || ctx.argv.includes('-h')) {
      ctx.stdout.write(formatVerbHelp(command));
      return ExitCode.Ok;
    }
    return await command.run(ctx);
  } catch (error) {
    const code = exitCodeOf(error);
    if (error instanceof KcanaryError) {
      ctx.stderr.write(`kcanary: ${error.message}\n`);
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      ctx.stderr.write(`kcanary: internal error (please report it with this output):\n${detail}\n`);
    }
    return code;
  }
}
