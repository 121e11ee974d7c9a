/** Help text: the verb list, and one verb's usage, flags and examples. */
import type { Command, FlagHelp } from './command.js';

export function formatVerbHelp(command: Command): string {
  const lines = [command.summary, '', command.usage.trimEnd()];
  if (command.flags.length) {
    const heads = command.flags.map(flagHead);
    const width = Math.max(...heads.map((h) => h.length));
    lines.push('', 'Flags:');
    command.flags.forEach((flag, i) => {
      const [first, ...rest] = flag.text.split('\n');
      lines.push(`  ${heads[i]!.padEnd(width)}  ${first}`);
      for (const more of rest) lines.push(`  ${''.padEnd(width)}  ${more}`);
    });
  }
  lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`), '');
  return lines.join('\n');
}

function flagHead(flag: FlagHelp): string {
  const long = `--${flag.name}${flag.value ? ` ${flag.value}` : ''}`;
  return flag.short ? `-${flag.short}, ${long}` : `    ${long}`;
}

export function formatMainHelp(verbNames: readonly string[]): string {
  return [
    'kcanary — canary rollouts of KServe models',
    '',
    'Usage: kcanary <verb> [options]',
    '       kcanary help <verb>        (or kcanary <verb> --help: the verb\'s flags and examples)',
    '',
    `Verbs: ${[...verbNames].sort().join(', ')}`,
    '',
  ].join('\n');
}

/** Flags several verbs share, worded once. */
export const commonFlags = {
  file: { name: 'file', short: 'f', value: 'FILE', text: 'the ModelCanary spec (YAML or JSON)' },
  stateDir: { name: 'state-dir', value: 'DIR', text: 'where the local rollout state is (default: .kcanary beside the spec, or ./.kcanary)' },
  output: (formats: string) => ({ name: 'output', short: 'o', value: formats, text: `output format: ${formats.split('|').join(', ')}` }),
  namespace: { name: 'namespace', short: 'n', value: 'NAMESPACE', text: 'the cluster namespace (default: the kubeconfig context\'s)' },
  context: { name: 'context', value: 'NAME', text: 'the kubeconfig context to use (default: the current one)' },
  kubeconfig: { name: 'kubeconfig', value: 'FILE', text: 'the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' },
} as const satisfies Record<string, FlagHelp | ((formats: string) => FlagHelp)>;

export const clusterFlags: readonly FlagHelp[] = [commonFlags.namespace, commonFlags.context, commonFlags.kubeconfig];
