import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { checkSplit } from '../../local/verify-split.js';
import { ExitCode, UsageError } from '../../errors.js';
import type { Command } from '../command.js';
import { commonFlags } from '../help.js';
import { parseFlags, parseWholeNumber, rolloutFlags } from '../flags.js';
import { locateRollout } from '../locate.js';
import { formatData, parseOutputFormat } from '../output.js';
import { renderSplitCheck } from '../render-status.js';

const usage = `Usage: kcanary verify [name] [-f canary.yaml] [--requests 100] [--data JSON|@file] [--path P] [--url URL] [--host H] [-o table|json|yaml]

Sends N predict requests through the gateway, counts which variant served each
(the x-kcanary-variant response header), and prints the observed split next to
the target with an exact binomial test. Exit 3 when the split is off (p < 0.001).
--data is the request body (default: GET /v1/models/<model> instead of a predict).
On a cluster, give the public URL, the Host to send and the weight to expect:
  kcanary verify --url http://<ingress> --host sklearn-predictor-ns.example.com --model sklearn --weight 20`;

const command: Command = {
  name: 'verify',
  summary: 'Send requests through the gateway and check the observed split against the target.',
  usage,
  flags: [
    commonFlags.file,
    commonFlags.stateDir,
    commonFlags.output('table|json|yaml'),
    { name: 'requests', short: 'n', value: 'N', text: 'how many requests to send (default 100)' },
    { name: 'data', short: 'd', value: 'JSON|@FILE', text: 'the predict request body (default: GET /v1/models/<model> instead of a predict)' },
    { name: 'path', value: 'PATH', text: 'the request path (default /v1/models/<model>, with :predict when --data is given)' },
    { name: 'url', value: 'URL', text: 'where to send: a gateway or a cluster\'s public URL (default: the running rollout\'s gateway)' },
    { name: 'host', value: 'HOST', text: 'the Host header to send (a cluster ingress routes by it)' },
    { name: 'concurrency', value: 'N', text: 'requests in flight at once (default 4)' },
    { name: 'weight', value: 'N', text: 'the canary percent to expect (default: the rollout\'s weight in force)' },
    { name: 'model', value: 'NAME', text: 'the model name in the path (default: the rollout\'s)' },
  ],
  examples: [
    'kcanary verify -f examples/housing-canary.yaml --requests 500',
    'kcanary verify housing -d @models/housing/sample.json -o json',
    'kcanary verify --url http://<ingress> --host sklearn-predictor-ns.example.com --model sklearn --weight 20',
  ],
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, {
      ...rolloutFlags, requests: { type: 'string', short: 'n' }, data: { type: 'string', short: 'd' }, path: { type: 'string' }, url: { type: 'string' }, host: { type: 'string' }, concurrency: { type: 'string' }, weight: { type: 'string' }, model: { type: 'string' },
    }, usage);
    const format = parseOutputFormat(values.output);
    const requests = parseWholeNumber(values.requests, '--requests', { min: 1, max: 1_000_000 }) ?? 100;
    const concurrency = parseWholeNumber(values.concurrency, '--concurrency', { min: 1, max: 256 }) ?? 4;
    const expected = parseWholeNumber(values.weight, '--weight', { min: 0, max: 100 });
    // With --url, --weight and --model nothing local is needed (a cluster's public URL).
    const standalone = values.url !== undefined && expected !== undefined && values.model !== undefined;
    const located = standalone ? undefined : await locateRollout({ file: values.file, stateDir: values['state-dir'], name: positionals[0], cwd: ctx.cwd, env: ctx.env });
    if (located && !located.client && !values.url) throw new UsageError(`the rollout "${located.state.canary.name}" is not running, and no --url was given`);
    const snapshot = located?.client ? await located.client.snapshot() : undefined;
    const base = (values.url ?? snapshot?.gateway ?? '').replace(/\/$/, '');
    const target = expected ?? (snapshot ? (snapshot.status.observedWeight ?? snapshot.status.canaryWeight) : located!.state.status.canaryWeight);
    const model = values.model ?? (snapshot?.modelName || located!.state.canary.name);
    let body: string | undefined;
    if (values.data !== undefined) {
      body = values.data.startsWith('@') ? await readFile(resolve(ctx.cwd, values.data.slice(1)), 'utf8') : values.data;
      try { JSON.parse(body); } catch { throw new UsageError('--data must be JSON (or @file holding JSON)'); }
    }
    const path = values.path ?? (body === undefined ? `/v1/models/${model}` : `/v1/models/${model}:predict`);
    const result = await checkSplit({
      url: `${base}${path}`, requests, targetWeight: target, concurrency,
      ...(body === undefined ? {} : { body }), ...(values.host ? { host: values.host } : {}),
    });
    if (format !== 'table') {
      ctx.stdout.write(formatData(result, format));
    } else {
      ctx.stdout.write(`${requests} requests to ${base}${path}\n${renderSplitCheck(result)}`);
    }
    return result.matches ? ExitCode.Ok : ExitCode.RolledBack;
  },
};
export default command;
