import { resolve } from 'node:path';
import { Phase } from '../../core/phase.js';
import { parseDuration } from '../../core/duration.js';
import { ExitCode, UsageError } from '../../errors.js';
import { registryDir } from '../../local/registry.js';
import { runLocalRollout } from '../../local/runtime.js';
import { loadSpecFile } from '../../spec-file.js';
import type { Command } from '../command.js';
import { commonFlags } from '../help.js';
import { parseFlags, parseWholeNumber } from '../flags.js';
import { ProgressView } from '../progress.js';

const usage = `Usage: kcanary up -f canary.yaml [--port N] [--once] [--restart] [--tick 1s] [-o json]

Runs a rollout on this machine (spec.router: local): starts both variants, the
gateway and the control API, then steps the canary's weight, judging each step
on the gateway's own metrics, and promotes or rolls back on its own. Killed and
started again, it resumes from its saved state; a rollout that has ended
starts over with --restart (a new canary version in the spec starts a new
one). After the rollout it keeps serving the model through the gateway until
stopped, unless --once.
Exit codes with --once: 0 promoted, 3 rolled back or failed.`;

const command: Command = {
  name: 'up',
  summary: 'Run a rollout on this machine: variants, gateway, analysis, promotion or rollback.',
  usage,
  flags: [
    { ...commonFlags.file, text: 'the ModelCanary spec (router: local); model paths are relative to it' },
    { name: 'port', value: 'N', text: 'the gateway\'s port, where clients send predictions (overrides spec.local.gateway.port,\ndefault 8080; 0 picks a free one)' },
    { name: 'once', text: 'exit when the rollout ends (0 promoted, 3 rolled back or failed) instead of serving on' },
    { name: 'restart', text: 'start the rollout over from its first step, whatever its saved state (e.g. after it ended)' },
    { name: 'tick', value: 'DURATION', text: 'how often the rollout is judged and stepped (default 1s)' },
    { ...commonFlags.output('json'), text: 'json: one JSON object a line per event, for scripts (default: a live view)' },
  ],
  examples: [
    'kcanary up -f examples/housing-canary.yaml',
    'kcanary up -f canary.yaml --port 9090 --once   # in CI: exit code says how it ended',
  ],
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, {
      file: { type: 'string', short: 'f' }, port: { type: 'string' }, once: { type: 'boolean' }, restart: { type: 'boolean' }, tick: { type: 'string' }, output: { type: 'string', short: 'o' },
    }, usage);
    if (!values.file) throw new UsageError(`up needs -f <file>\n\n${usage}`);
    if (values.output !== undefined && values.output !== 'json') throw new UsageError('-o/--output for up is json (or leave it out)');
    const tickMs = values.tick === undefined ? 1000 : parseDuration(values.tick);
    if (typeof tickMs === 'object') throw new UsageError(`--tick: ${tickMs.error}`);
    const gatewayPort = parseWholeNumber(values.port, '--port', { min: 0, max: 65535 });
    const specPath = resolve(ctx.cwd, values.file);
    const { canary, warnings } = await loadSpecFile(specPath);
    for (const w of warnings) ctx.stderr.write(`warning: ${w.path}: ${w.message}\n`);
    if (canary.spec.router !== 'local') {
      throw new UsageError(`up runs router: local; this spec uses router: ${canary.spec.router} (use \`kcanary apply\` or the operator)`);
    }
    const view = new ProgressView(ctx.stdout, values.output === 'json' ? 'json' : ctx.stdout.isTTY ? 'live' : 'lines');
    const final = await runLocalRollout({
      canary, specPath, tickMs, signal: ctx.signal, once: values.once ?? false, registry: registryDir(ctx.env), restart: values.restart ?? false,
      onNote: (line) => (values.output === 'json' ? ctx.stderr.write(`${line}\n`) : view.note(line)),
      ...(gatewayPort === undefined ? {} : { gatewayPort }),
      onReady: ({ token, ...info }) => {
        // The token rides in the fragment, which browsers never send to a
        // server; it is printed only to a person at a terminal, never to a log.
        const dashboard = ctx.stdout.isTTY ? `${info.dashboard}#token=${token}` : info.dashboard;
        if (values.output === 'json') ctx.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event: 'ready', ...info, dashboard })}\n`);
        view.note(`kcanary: gateway ${info.gateway}  control ${info.control}  state ${info.statePath}`);
        view.note(ctx.stdout.isTTY ? `kcanary: dashboard ${dashboard}` : `kcanary: dashboard ${dashboard}  (its token is in ${info.tokenFile}, readable by you only)`);
      },
      onUpdate: (snapshot, event) => view.update(snapshot, event),
    });
    if (final.phase === Phase.RolledBack || final.phase === Phase.Failed) return ExitCode.RolledBack;
    return ExitCode.Ok;
  },
};
export default command;
