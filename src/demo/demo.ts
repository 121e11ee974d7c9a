/**
 * `kcanary demo`: the KServe canary lab's flow on one machine. Act 1 serves
 * v1, rolls v2 out 20% → 50% → 100% while traffic flows, verifies the split
 * from outside, and promotes. Act 2 dark-launches the broken v3 behind
 * mirrored traffic and rolls it back on the evidence of its answers.
 * Everything it starts, it stops.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { Phase, isFinished } from '../core/phase.js';
import type { RolloutStatus } from '../core/status.js';
import { parseModelCanary } from '../core/validate.js';
import { ProgressView } from '../cli/progress.js';
import { weightBars } from '../cli/output.js';
import { renderSplitCheck } from '../cli/render-status.js';
import { runLocalRollout } from '../local/runtime.js';
import { checkSplit } from '../local/verify-split.js';
import { badVersionSpec, upgradeSpec, type DemoModels } from './specs.js';
import { housingRequests, startTraffic } from './traffic.js';

export interface DemoOptions {
  readonly out: Writable;
  readonly models: DemoModels;
  readonly signal?: AbortSignal;
  /** Predict requests per second while a rollout runs. */
  readonly rate?: number;
}

export interface DemoResult {
  readonly upgrade: RolloutStatus;
  readonly badVersion: RolloutStatus;
}

interface Act {
  readonly title: string;
  readonly spec: Record<string, unknown>;
  /** Verify the split from outside once the canary serves this weight. */
  readonly verifyAt?: number;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const dir = await mkdtemp(join(tmpdir(), 'kcanary-demo-'));
  const say = (line = ''): void => { options.out.write(`${line}\n`); };
  try {
    const upgrade = await runAct(dir, {
      title: '1. v1 serves; v2 rolls out as a canary: 20% → 50% → 100%, judged on errors and latency',
      spec: upgradeSpec(options.models),
      verifyAt: 20,
    }, options);
    say();
    const badVersion = await runAct(dir, {
      title: '2. v3 (broken: answers ×100, fails on old houses) is dark-launched at 0% with 50% of requests mirrored',
      spec: badVersionSpec(options.models),
    }, options);
    say();
    say(`done: v2 ${upgrade.phase === Phase.Succeeded ? 'was promoted' : `ended ${upgrade.phase}`}; v3 ${badVersion.phase === Phase.RolledBack ? 'was rolled back before it served anyone' : `ended ${badVersion.phase}`}. Nothing is left running.`);
    return { upgrade, badVersion };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runAct(dir: string, act: Act, options: DemoOptions): Promise<RolloutStatus> {
  const say = (line = ''): void => { options.out.write(`${line}\n`); };
  say(`── ${act.title}`);
  const specPath = join(dir, 'housing.yaml');
  await writeFile(specPath, stringify(act.spec));
  const { canary } = parseModelCanary(act.spec, specPath);
  const traffic = startTraffic({ model: 'housing', perSecond: options.rate ?? 150, body: housingRequests() });
  const view = new ProgressView(options.out, 'lines');
  const stop = new AbortController();
  options.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  let gateway = '';
  let shownWeight = -1;
  let verification: Promise<void> | undefined;
  try {
    const final = await runLocalRollout({
      canary, specPath, once: true, tickMs: 250, signal: stop.signal,
      onReady: (info) => {
        gateway = info.gateway;
        traffic.setTarget(info.gateway);
        say(`gateway ${info.gateway}  (primary ${canary.spec.predictor.model.storageUri.split('/').pop()}, canary ${canary.spec.canary.storageUri.split('/').pop()})`);
      },
      onUpdate: (snapshot, event) => {
        view.update(snapshot, event);
        const { status } = snapshot;
        if (event.kind === 'resume') return; // the state left by the previous act
        if (isFinished(status.phase)) traffic.setTarget(undefined);
        // A demo has nobody to resume a paused rollout: end the act instead of waiting.
        if (status.phase === Phase.Paused) stop.abort();
        if (status.phase === Phase.Progressing && status.canaryWeight !== shownWeight) {
          shownWeight = status.canaryWeight;
          for (const line of weightBars(status.canaryWeight)) say(`    ${line}`);
          if (status.canaryWeight === act.verifyAt && !verification) {
            // The other traffic holds meanwhile, so the exact split shows in these 100 requests alone.
            traffic.setTarget(undefined);
            verification = checkSplit({ url: `${gateway}/v1/models/housing:predict`, requests: 100, targetWeight: status.canaryWeight, body: housingRequests(11), concurrency: 1 })
              .then((check) => say(`  verify: 100 predict requests through the gateway\n${renderSplitCheck(check).replace(/^(?=.)/gm, '    ')}`))
              .catch((error: unknown) => say(`  verify failed: ${(error as Error).message}`))
              .finally(() => traffic.setTarget(gateway));
          }
        }
      },
    });
    await verification;
    const summary = await traffic.stop();
    const answers = Object.entries(summary.answers).sort().map(([k, n]) => `${k}×${n}`).join(' ');
    say(`  ${final.phase}: ${final.message}`);
    say(`  traffic: ${summary.sent} requests (${answers})`);
    return final;
  } finally {
    await traffic.stop();
  }
}
