/**
 * `kcanary install`: the CRD, ServiceAccount, least-privilege RBAC and the
 * operator Deployment, applied server-side; `--dry-run -o yaml` prints the
 * same objects for GitOps tools instead.
 */
import { stringify } from 'yaml';
import { ExitCode, UsageError } from '../../errors.js';
import { loadKubeConfig } from '../../kube/config.js';
import { applyObject } from '../../operator/apply-objects.js';
import { DEFAULT_IMAGE, DEFAULT_INSTALL_NAMESPACE, installManifests } from '../../operator/install-manifests.js';
import { waitForCrd } from '../../operator/crd-ready.js';
import type { Command } from '../command.js';
import { commonFlags } from '../help.js';
import { parseFlags, parseWholeNumber } from '../flags.js';

const usage = `Usage: kcanary install [--install-namespace ${DEFAULT_INSTALL_NAMESPACE}] [--image IMAGE] [--replicas 2]
                       [--watch-namespace NS ...] [--dry-run -o yaml|json] [--kubeconfig FILE] [--context NAME]

Applies what the operator needs: the ModelCanary CRD, a ServiceAccount, RBAC
limited to the calls it makes, and the operator Deployment (default image ${DEFAULT_IMAGE}).
With --dry-run, prints the objects instead (a multi-document YAML stream).`;

const command: Command = {
  name: 'install',
  summary: 'Install the ModelCanary CRD and the operator in a cluster.',
  usage,
  flags: [
    { name: 'install-namespace', value: 'NS', text: `the namespace the operator runs in (default ${DEFAULT_INSTALL_NAMESPACE})` },
    { name: 'image', value: 'IMAGE', text: `the operator's container image (default ${DEFAULT_IMAGE})` },
    { name: 'replicas', value: 'N', text: 'operator replicas; one leader acts (default 2, 0 to 10)' },
    { name: 'watch-namespace', value: 'NS', text: 'a namespace the operator watches (repeat for several; default: all)' },
    { name: 'dry-run', text: 'print the objects instead of applying them' },
    { name: 'crd-only', text: 'only the ModelCanary CustomResourceDefinition' },
    { ...commonFlags.output('yaml|json'), text: 'with --dry-run: yaml (a multi-document stream, the default) or json (a List)' },
    commonFlags.kubeconfig,
    commonFlags.context,
  ],
  examples: [
    'kcanary install',
    'kcanary install --watch-namespace sample-dev --replicas 1',
    'kcanary install --dry-run > kcanary-install.yaml   # for GitOps',
  ],
  async run(ctx) {
    const { values } = parseFlags(ctx.argv, {
      'install-namespace': { type: 'string' },
      image: { type: 'string' },
      replicas: { type: 'string' },
      'watch-namespace': { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'crd-only': { type: 'boolean' },
    }, usage);
    const replicas = parseWholeNumber(values.replicas, '--replicas', { min: 0, max: 10 });
    let objects = installManifests({
      ...(values['install-namespace'] ? { namespace: values['install-namespace'] } : {}),
      ...(values.image ? { image: values.image } : {}),
      ...(replicas === undefined ? {} : { replicas }),
      ...(values['watch-namespace'] ? { watchNamespaces: values['watch-namespace'] } : {}),
    });
    if (values['crd-only']) objects = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    if (values['dry-run']) {
      const format = values.output ?? 'yaml';
      if (format === 'json') ctx.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`);
      else if (format === 'yaml') ctx.stdout.write(objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join('---\n'));
      else throw new UsageError(`-o/--output must be yaml or json, not "${format}"`);
      return ExitCode.Ok;
    }
    const { kubeConfig, context } = loadKubeConfig({
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context ? { context: values.context } : {}),
    });
    for (const object of objects) {
      await applyObject(kubeConfig, object);
      ctx.stdout.write(`${object.kind.toLowerCase()}/${object.metadata.name} applied\n`);
      if (object.kind === 'CustomResourceDefinition') await waitForCrd(kubeConfig, object.metadata.name, { signal: ctx.signal });
    }
    ctx.stderr.write(`kcanary: installed in context ${context}\n`);
    return ExitCode.Ok;
  },
};
export default command;
