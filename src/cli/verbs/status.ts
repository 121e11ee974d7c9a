import { setTimeout as sleep } from 'node:timers/promises';
import { isFinished, Phase } from '../../core/phase.js';
import { parseDuration } from '../../core/duration.js';
import { ExitCode, UsageError } from '../../errors.js';
import type { RolloutSnapshot } from '../../local/snapshot.js';
import { makeSnapshot } from '../../local/snapshot.js';
import { loadSpecFile } from '../../spec-file.js';
import type { Command } from '../command.js';
import { clusterFlags, commonFlags } from '../help.js';
import { parseFlags, rolloutFlags } from '../flags.js';
import { locateRollout } from '../locate.js';
import { formatData, parseOutputFormat } from '../output.js';
import { renderSnapshot } from '../render-status.js';

const usage = `Usage: kcanary status [name] [-f canary.yaml] [--state-dir DIR] [-o table|json|yaml] [--watch] [--timeout 10m]
                      [-n NAMESPACE] [--context NAME] [--kubeconfig FILE]

On a cluster (-n/--context/--kubeconfig, or a spec whose router is not local) it
reads the ModelCanary; otherwise the local rollout.

Shows a rollout: phase, step, the traffic split, the last analysis and recent history.
With --watch it follows the rollout and exits 0 when it succeeds, 3 when it is
rolled back or fails, and 4 when --timeout passes first.`;

const command: Command = {
  name: 'status',
  summary: 'Show a rollout: phase, step, weights, analysis.',
  usage,
  flags: [
    commonFlags.file,
    commonFlags.stateDir,
    commonFlags.output('table|json|yaml'),
    { name: 'watch', short: 'w', text: 'follow the rollout until it ends: exit 0 promoted, 3 rolled back or failed' },
    { name: 'timeout', value: 'DURATION', text: 'with --watch: exit 4 when the rollout has not ended by then' },
    ...clusterFlags,
  ],
  examples: [
    'kcanary status -f examples/housing-canary.yaml',
    'kcanary status housing --watch --timeout 10m   # a CI gate',
    'kcanary status sklearn -n sample-dev -o json',
  ],
  async run(ctx) {
    // A ModelCanary in a cluster (-n/--context/--kubeconfig, or a spec whose router is not local).
    const cluster = await (await import('../../operator/cli-cluster-verbs.js')).runClusterStatus(ctx);
    if (cluster !== undefined) return cluster;
    const { values, positionals } = parseFlags(ctx.argv, { ...rolloutFlags, watch: { type: 'boolean', short: 'w' }, timeout: { type: 'string' } }, usage);
    const format = parseOutputFormat(values.output);
    const timeout = values.timeout === undefined ? undefined : parseDuration(values.timeout);
    if (typeof timeout === 'object') throw new UsageError(`--timeout: ${timeout.error}`);
    const started = Date.now();
    const read = async (): Promise<RolloutSnapshot> => {
      const located = await locateRollout({ file: values.file, stateDir: values['state-dir'], name: positionals[0], cwd: ctx.cwd, env: ctx.env });
      if (located.client) return located.client.snapshot();
      const { status } = located.state;
      const spec = await loadSpecFile(located.state.canary.specFile).catch(() => undefined);
      if (spec) return makeSnapshot(spec.canary, status, { gateway: null, running: false, observation: null, lastReason: status.message });
      return { name: located.state.canary.name, modelName: '', router: 'local', steps: [], gateway: null, running: false, status, observation: null, lastReason: status.message };
    };
    const print = (snapshot: RolloutSnapshot): void => {
      ctx.stdout.write(format === 'table' ? renderSnapshot(snapshot) : formatData(snapshot, format));
    };
    let snapshot = await read();
    if (!values.watch) {
      print(snapshot);
      return ExitCode.Ok;
    }
    let lastShown = '';
    for (;;) {
      const key = `${snapshot.status.phase}|${snapshot.status.canaryWeight}|${snapshot.status.updatedAt}`;
      if (key !== lastShown) {
        print(snapshot);
        lastShown = key;
      }
      if (isFinished(snapshot.status.phase)) return snapshot.status.phase === Phase.Succeeded ? ExitCode.Ok : ExitCode.RolledBack;
      if (timeout !== undefined && Date.now() - started >= timeout) {
        ctx.stderr.write(`kcanary: --timeout reached with the rollout ${snapshot.status.phase}\n`);
        return ExitCode.Timeout;
      }
      if (ctx.signal.aborted) return ExitCode.Ok;
      await sleep(1000, undefined, { signal: ctx.signal }).catch(() => undefined);
      snapshot = await read();
    }
  },
};
export default command;
