import { randomBytes } from 'node:crypto';
import { ClusterCanaries } from '../../dashboard/cluster-source.js';
import { startClusterDashboard } from '../../dashboard/cluster-server.js';
import { ExitCode } from '../../errors.js';
import { loadKubeConfig } from '../../kube/config.js';
import type { Command } from '../command.js';
import { commonFlags } from '../help.js';
import { parseFlags, parseWholeNumber } from '../flags.js';

const usage = `Usage: kcanary dashboard [-n NAMESPACE] [--port 3100] [--kubeconfig FILE] [--context NAME]

Serves the dashboard for the ModelCanaries of a cluster on this machine
(127.0.0.1 only), with your kubeconfig: you see and do what your RBAC allows.
Open the printed address; it carries this session's token. Buttons ask the
operator to act (the kcanary.io/command annotation). Stop with Ctrl-C.
For a rollout on this machine, \`kcanary up\` serves the dashboard itself.`;

const command: Command = {
  name: 'dashboard',
  summary: 'Serve the dashboard for the ModelCanaries of a cluster, with your kubeconfig.',
  usage,
  flags: [
    { ...commonFlags.namespace, text: 'show the ModelCanaries of this namespace only (default: the kubeconfig context\'s)' },
    { name: 'port', value: 'N', text: 'the port the dashboard listens on, on 127.0.0.1 (default 3100; 0 picks a free one)' },
    commonFlags.kubeconfig,
    commonFlags.context,
  ],
  examples: [
    'kcanary dashboard -n sample-dev',
    'kcanary dashboard --context staging --port 3200',
  ],
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, {
      namespace: { type: 'string', short: 'n' }, port: { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' },
    }, usage);
    const port = parseWholeNumber(values.port, '--port', { min: 0, max: 65535 }) ?? 3100;
    const resolved = loadKubeConfig({
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context ? { context: values.context } : {}),
      ...(values.namespace ? { namespace: values.namespace } : {}),
    });
    const token = randomBytes(24).toString('hex');
    const dashboard = await startClusterDashboard({ canaries: ClusterCanaries.forKubeConfig(resolved.kubeConfig, resolved.namespace), token, context: resolved.context, port });
    ctx.stderr.write(`kcanary: context ${resolved.context} (${resolved.server}), namespace ${resolved.namespace}\n`);
    // The token rides in the fragment, which browsers never send to a server.
    ctx.stdout.write(`kcanary: dashboard ${dashboard.url}/#token=${token}\n`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await dashboard.close();
    return ExitCode.Ok;
  },
};
export default command;
