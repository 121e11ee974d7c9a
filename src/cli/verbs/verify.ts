import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { binomialTestPValue } from '../../core/stats.js';
import { ExitCode, UsageError } from '../../errors.js';
import type { Command } from '../command.js';
import { parseFlags, parseWholeNumber, rolloutFlags } from '../flags.js';
import { locateRollout } from '../locate.js';
import { formatData, parseOutputFormat, table, weightBars } from '../output.js';

const usage = `Usage: kcanary verify [name] [-f canary.yaml] [--requests 100] [--data JSON|@file] [--path P] [--url URL] [--host H] [-o table|json|yaml]

Sends N predict requests through the gateway, counts which variant served each
(the x-kcanary-variant response header), and prints the observed split next to
the target with an exact binomial test. Exit 3 when the split is off (p < 0.001).
--data is the request body (default: GET /v1/models/<model> instead of a predict).`;

const command: Command = {
  name: 'verify',
  summary: 'Send requests through the gateway and check the observed split against the target.',
  usage,
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, {
      ...rolloutFlags, requests: { type: 'string', short: 'n' }, data: { type: 'string', short: 'd' }, path: { type: 'string' }, url: { type: 'string' }, host: { type: 'string' }, concurrency: { type: 'string' },
    }, usage);
    const format = parseOutputFormat(values.output);
    const requests = parseWholeNumber(values.requests, '--requests', { min: 1, max: 1_000_000 }) ?? 100;
    const concurrency = parseWholeNumber(values.concurrency, '--concurrency', { min: 1, max: 256 }) ?? 4;
    const located = await locateRollout({ file: values.file, stateDir: values['state-dir'], name: positionals[0], cwd: ctx.cwd });
    if (!located.client && !values.url) throw new UsageError(`the rollout "${located.state.canary.name}" is not running, and no --url was given`);
    const snapshot = located.client ? await located.client.snapshot() : undefined;
    const base = (values.url ?? snapshot?.gateway ?? '').replace(/\/$/, '');
    const target = snapshot ? (snapshot.status.observedWeight ?? snapshot.status.canaryWeight) : located.state.status.canaryWeight;
    const model = snapshot?.modelName || located.state.canary.name;
    let body: string | undefined;
    if (values.data !== undefined) {
      body = values.data.startsWith('@') ? await readFile(resolve(ctx.cwd, values.data.slice(1)), 'utf8') : values.data;
      try { JSON.parse(body); } catch { throw new UsageError('--data must be JSON (or @file holding JSON)'); }
    }
    const path = values.path ?? (body === undefined ? `/v1/models/${model}` : `/v1/models/${model}:predict`);
    const counts: Record<string, number> = {};
    const codes: Record<string, number> = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests) {
        next++;
        const response = await fetch(`${base}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { 'content-type': 'application/json', ...(values.host ? { host: values.host } : {}) },
          ...(body === undefined ? {} : { body }),
        });
        await response.arrayBuffer();
        const variant = response.headers.get('x-kcanary-variant') ?? 'unknown';
        counts[variant] = (counts[variant] ?? 0) + 1;
        codes[response.status] = (codes[response.status] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
    const canary = counts.canary ?? 0;
    const primary = counts.primary ?? 0;
    const served = canary + primary;
    const pValue = binomialTestPValue(canary, served, target / 100);
    const result = {
      requests, target: { primary: 100 - target, canary: target }, observed: { primary, canary, other: requests - served },
      observedPercent: { primary: served ? (100 * primary) / served : 0, canary: served ? (100 * canary) / served : 0 }, statusCodes: codes, pValue,
      verdict: pValue < 0.001 ? 'split is off' : 'split matches the target',
    };
    if (format !== 'table') {
      ctx.stdout.write(formatData(result, format));
    } else {
      ctx.stdout.write(`${requests} requests to ${base}${path}\n`);
      ctx.stdout.write(table([
        ['variant', 'target', 'observed', 'requests'],
        ['primary', `${100 - target}%`, `${result.observedPercent.primary.toFixed(1)}%`, String(primary)],
        ['canary', `${target}%`, `${result.observedPercent.canary.toFixed(1)}%`, String(canary)],
      ]));
      ctx.stdout.write(`${weightBars(Math.round(result.observedPercent.canary)).join('\n')}\n`);
      ctx.stdout.write(`status codes: ${Object.entries(codes).map(([c, n]) => `${c}×${n}`).join(' ')}\n`);
      ctx.stdout.write(`binomial test p = ${pValue.toPrecision(3)}: ${result.verdict}\n`);
    }
    return pValue < 0.001 ? ExitCode.RolledBack : ExitCode.Ok;
  },
};
export default command;
