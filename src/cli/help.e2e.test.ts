// `kcanary help <verb>` and `kcanary <verb> --help`, for every verb, as a spawned binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { verbs } from './verbs/index.js';
import { runCli } from '../testing/cli.js';

const sourceOf = (file: string) => readFile(fileURLToPath(new URL(file, import.meta.url)), 'utf8');

/** The long flags a verb's module hands to the flag parser, read from its code. */
async function parsedFlags(verb: string): Promise<Set<string>> {
  const file = ['pause', 'resume', 'promote', 'rollback', 'set-weight'].includes(verb) ? 'rollout-command' : verb;
  const text = await sourceOf(`./verbs/${file}.js`);
  const names = new Set<string>();
  for (const match of text.matchAll(/(?:'([a-z][a-z-]*)'|\b([a-z][a-zA-Z]*)):\s*\{\s*type:\s*'(?:string|boolean)'/g)) names.add(match[1] ?? match[2]!);
  if (text.includes('rolloutFlags')) ['file', 'state-dir', 'output'].forEach((n) => names.add(n));
  if (text.includes('cli-cluster-verbs')) ['namespace', 'context', 'kubeconfig'].forEach((n) => names.add(n));
  return names;
}

function section(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) return '';
  const rest = text.slice(start + heading.length + 2);
  const end = rest.search(/\n\n|\n[A-Z]/);
  return end < 0 ? rest : rest.slice(0, end);
}

test('every verb has help: its usage, every flag with what it does, and an example', { timeout: 120_000 }, async () => {
  const names = Object.keys(verbs);
  assert.ok(names.length >= 19);
  // A few at a time: each is a node process, and CI machines are small.
  const queue = [...names];
  const worker = async (): Promise<void> => {
    for (let verb = queue.shift(); verb !== undefined; verb = queue.shift()) await checkVerb(verb);
  };
  await Promise.all([worker(), worker(), worker()]);
});

async function checkVerb(verb: string): Promise<void> {
  const viaHelp = await runCli(['help', verb]);
  const viaFlag = await runCli([verb, '--help']);
  assert.equal(viaHelp.code, 0, `${verb}: ${viaHelp.stderr}`);
  assert.equal(viaFlag.code, 0, `${verb}: ${viaFlag.stderr}`);
  assert.equal(viaHelp.stdout, viaFlag.stdout, `${verb}: help ${verb} and ${verb} --help differ`);
  const help = viaHelp.stdout;
  assert.match(help, new RegExp(`^Usage: kcanary ${verb}\\b`, 'm'), verb);

  const flags = section(help, 'Flags:');
  const documented = new Set([...flags.matchAll(/^ {2}(?:-[a-zA-Z], | {4})--([a-z-]+)(?: \S+)? {2,}\S/gm)].map((m) => m[1]!));
  const parsed = await parsedFlags(verb);
  assert.deepEqual([...documented].sort(), [...parsed].sort(), `${verb}: the flags in its help are the flags it takes`);
  const synopsis = help.slice(help.indexOf('Usage:')).split('\n\n')[0]!;
  for (const [, name] of synopsis.matchAll(/--([a-z][a-z-]*)/g)) assert.ok(documented.has(name!), `${verb}: --${name} is in the usage but not explained`);

  const examples = section(help, 'Examples:').split('\n').filter(Boolean);
  assert.ok(examples.length > 0 && examples.every((line) => line.startsWith(`  kcanary ${verb}`)), `${verb}: examples\n${help}`);
}

test('help says what a flag sets: up --port is the gateway port', async () => {
  const { stdout } = await runCli(['help', 'up']);
  assert.match(stdout, /^ {6}--port N {9}the gateway's port, where clients send predictions \(overrides spec\.local\.gateway\.port,$/m);
  assert.match(stdout, /^ {2}-o, --output json {4}json: one JSON object a line per event/m);
  assert.match(stdout, /^ {2}kcanary up -f examples\/housing-canary\.yaml$/m);
  const unknown = await runCli(['help', 'frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown verb "frobnicate"/);
  const top = await runCli(['help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /kcanary help <verb>/);
});
