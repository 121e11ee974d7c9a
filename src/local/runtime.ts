/**
 * `kcanary up`: the whole local rollout in one process — variants, gateway,
 * control API, and the engine ticking until the rollout ends (and, unless
 * `once`, serving the promoted model afterwards until stopped).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Phase, isFinished } from '../core/phase.js';
import { resumeAfterRestart } from '../core/decide.js';
import type { ModelCanary } from '../core/spec.js';
import type { RolloutStatus } from '../core/status.js';
import { RolloutEngine, routerContext, type TickResult } from '../engine/engine.js';
import { specHash } from '../engine/spec-hash.js';
import { StateError } from '../errors.js';
import { LiveMetrics, agreementTolerance } from '../dashboard/live-metrics.js';
import { GatewayMetrics } from '../metrics/gateway.js';
import { escapeLabel, renderAnalysisGauges } from '../metrics/analysis-gauges.js';
import { LocalRouter } from '../routers/local.js';
import { STATE_KIND, STATE_VERSION, readState, stateFilePath, writeState, type ControlEndpoint, type LocalState } from '../store/state-file.js';
import { startControlServer, type ControlServer } from './control-server.js';
import { registerRunning } from './registry.js';
import { makeSnapshot, type RolloutSnapshot } from './snapshot.js';
import { isAlive, stopStaleProcesses, type RecordedProcess } from './stale-processes.js';

export interface UpdateEvent {
  readonly kind: 'tick' | 'command' | 'resume';
  readonly reason: string;
  readonly errors?: TickResult['errors'];
  /** Phase, weight, analysis or message changed (a tick that only counts down is not). */
  readonly significant: boolean;
}

/** Worth a line in a log: what a person following the rollout would want to see. */
export function isSignificantChange(before: RolloutStatus | undefined, after: RolloutStatus | undefined): boolean {
  if (!before || !after) return before !== after;
  return before.phase !== after.phase || before.canaryWeight !== after.canaryWeight || before.message !== after.message
    || before.failures !== after.failures || before.inconclusives !== after.inconclusives
    || before.lastAnalysis?.verdict !== after.lastAnalysis?.verdict;
}

/** Where everything listens once the rollout runs. */
export interface ReadyInfo {
  readonly gateway: string;
  readonly control: string;
  readonly statePath: string;
  /** The dashboard's address, without the token. */
  readonly dashboard: string;
  /** The control API's token, also in `tokenFile` (mode 0600) for as long as the rollout runs. */
  readonly token: string;
  readonly tokenFile: string;
}

export interface LocalRuntimeOptions {
  readonly canary: ModelCanary;
  readonly specPath: string;
  /** Overrides spec.local.gateway.port. */
  readonly gatewayPort?: number;
  readonly tickMs?: number;
  /** Return when the rollout ends instead of serving on. */
  readonly once?: boolean;
  readonly clock?: () => number;
  readonly signal?: AbortSignal;
  /** The folder of running rollouts (registry.ts) to list this one in while it runs; none when absent. */
  readonly registry?: string;
  /** Start the rollout over from its first step, whatever the saved state says. */
  readonly restart?: boolean;
  /** Told, in a sentence, what up found in the saved state and what it does about it. */
  readonly onNote?: (line: string) => void;
  /** Called after every tick and command with what changed. */
  readonly onUpdate?: (snapshot: RolloutSnapshot, event: UpdateEvent) => void;
  /** Called once everything listens. */
  readonly onReady?: (info: ReadyInfo) => void;
}

export async function runLocalRollout(options: LocalRuntimeOptions): Promise<RolloutStatus> {
  const { canary } = options;
  const clock = options.clock ?? Date.now;
  const specDir = dirname(resolve(options.specPath));
  const stateDir = resolve(specDir, canary.spec.local?.stateDir ?? '.kcanary');
  const statePath = stateFilePath(stateDir, canary.metadata.name);
  const saved = await readState(statePath, { name: canary.metadata.name, spec: { steps: canary.spec.rollout.steps, specHash: specHash(canary.spec), canaryStorageUri: canary.spec.canary.storageUri } });
  if (saved?.control && saved.control.pid !== process.pid && isAlive(saved.control.pid)) {
    throw new StateError(`the rollout "${canary.metadata.name}" is already running (pid ${saved.control.pid}); use \`kcanary status\` to see it`);
  }
  await stopStaleProcesses(saved?.processes ?? []);

  const token = randomBytes(24).toString('hex');
  const tokenFile = join(stateDir, `${canary.metadata.name}.token`);
  let control: ControlEndpoint | null = null;
  let processes: RecordedProcess[] = [];
  const previous = options.restart ? undefined : saved?.status;
  let status: RolloutStatus | undefined = previous && resumeAfterRestart(previous, clock());
  let lastReason = status ? `resumed from ${statePath}` : 'starting';
  const ended = previous && isFinished(previous.phase) ? describeEnded(canary, previous, options.specPath) : undefined;

  // Writes are chained: a later state never loses the race to an earlier one.
  let writes: Promise<void> = Promise.resolve();
  const persist = (): Promise<void> => {
    const snapshotOfState = status && { status, control, processes };
    writes = writes.catch(() => undefined).then(async () => {
      if (!snapshotOfState) return;
      const state: LocalState = { kind: STATE_KIND, version: STATE_VERSION, canary: { name: canary.metadata.name, specFile: resolve(options.specPath) }, ...snapshotOfState };
      await writeState(statePath, state);
    });
    return writes;
  };

  const router = new LocalRouter({
    canary, specDir, ...(options.gatewayPort === undefined ? {} : { gatewayPort: options.gatewayPort }),
    extraMetrics: () => renderAnalysisGauges([{ labels: `name="${escapeLabel(canary.metadata.name)}"`, results: status?.lastAnalysis?.results ?? [] }]),
    onProcessesChanged: (list) => {
      processes = list;
      void persist();
    },
  });
  let controlServer: ControlServer | undefined;
  let unregister: (() => Promise<void>) | undefined;
  let liveMetrics: LiveMetrics | undefined;
  try {
    const live = status === undefined || (!isFinished(status.phase) && status.phase !== Phase.RollingBack);
    await router.start(routerContext(canary, status), { withCanary: live, weight: status?.canaryWeight ?? 0 });
    const gateway = router.dataPlane!;
    liveMetrics = new LiveMetrics({ gateway, tolerance: agreementTolerance(canary.spec.analysis.checks), clock }).start();
    const engine = new RolloutEngine({
      canary, specHash: specHash(canary.spec), router, clock,
      metrics: new GatewayMetrics(liveMetrics.tap, clock()),
      store: { load: async () => status, save: async (next) => { status = next; await persist(); } },
    });

    const snapshot = (): RolloutSnapshot => makeSnapshot(canary, status ?? placeholder(canary), {
      gateway: gateway.url, running: true, observation: engine.observation ?? null, lastReason,
    });
    controlServer = await startControlServer({
      token,
      handlers: {
        snapshot,
        metrics: liveMetrics,
        command: async (command) => {
          const result = await engine.command(command);
          if (result.ok) lastReason = result.reason;
          options.onUpdate?.(snapshot(), { kind: 'command', reason: result.ok ? result.reason : `refused: ${result.reason}`, significant: true, ...(result.ok && result.errors ? { errors: result.errors } : {}) });
          controlServer?.publish();
          return { ok: result.ok, reason: result.reason };
        },
      },
    });
    control = { url: controlServer.url, token, pid: process.pid };
    await persist();
    await writeTokenFile(tokenFile, token);
    options.onReady?.({ gateway: gateway.url, control: controlServer.url, statePath, dashboard: `${controlServer.url}/`, token, tokenFile });
    if (options.restart && saved) options.onNote?.(`kcanary: starting "${canary.metadata.name}" over from its first step (--restart); the saved state was ${saved.status.phase}`);
    if (ended) {
      lastReason = ended.note;
      options.onNote?.(`kcanary: ${ended.note}`);
      if (!ended.newRollout && options.once) return status!;
    } else if (status) {
      options.onUpdate?.(snapshot(), { kind: 'resume', reason: lastReason, significant: true });
    }

    const tickMs = options.tickMs ?? 1000;
    while (!options.signal?.aborted) {
      const before = status;
      const result: TickResult = await engine.tick();
      // Listed once its state is saved, so whoever finds it can read it.
      if (options.registry && !unregister) {
        await writes;
        unregister = await registerRunning(options.registry, { name: canary.metadata.name, specFile: resolve(options.specPath), statePath });
      }
      lastReason = result.decision.reason;
      const significant = isSignificantChange(before, status) || result.errors.length > 0;
      options.onUpdate?.(snapshot(), { kind: 'tick', reason: result.decision.reason, errors: result.errors, significant });
      if (significant) controlServer.publish();
      if (options.once && status && isFinished(status.phase)) break;
      // Failed: kcanary cannot act (the primary is gone), and up has nothing left to serve.
      if (status?.phase === Phase.Failed) break;
      await sleep(tickMs, undefined, { signal: options.signal }).catch(() => undefined);
    }
    return status!;
  } finally {
    control = null;
    await unregister?.();
    await rm(tokenFile, { force: true });
    liveMetrics?.stop();
    await controlServer?.close();
    await router.close();
    processes = [];
    await persist().catch(() => undefined);
  }
}

/**
 * A saved rollout that has ended: what happened, and whether this spec starts
 * a new one (its canary is a version not rolled out yet) or how to start again.
 */
export function describeEnded(canary: ModelCanary, ended: RolloutStatus, specPath: string): { note: string; newRollout: boolean } {
  const { name } = canary.metadata;
  const version = canary.spec.canary.storageUri;
  const when = ended.history.at(-1)?.at ?? ended.updatedAt;
  const what = `the rollout "${name}" ended ${ended.phase} at ${when} (${ended.message})`;
  if (version !== ended.canaryStorageUri && version !== ended.stableStorageUri) {
    return { note: `${what}; the spec now names a new canary version, ${version}: a new rollout starts`, newRollout: true };
  }
  return {
    note: `${what}. Nothing was started again: \`kcanary up -f ${specPath} --restart\` rolls the same versions out from the first step, ` +
      'or change spec.canary.storageUri to roll out a new version',
    newRollout: false,
  };
}

/** Readable by its owner only, like the state file. */
async function writeTokenFile(path: string, token: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await rm(path, { force: true });
  await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
}

function placeholder(canary: ModelCanary): RolloutStatus {
  const now = new Date(0).toISOString();
  return {
    phase: Phase.Pending, stepIndex: -1, canaryWeight: 0, observedWeight: null, gated: false, stepStartedAt: null, windowStartedAt: null, waitingSince: null,
    failures: 0, inconclusives: 0, message: 'starting', lastAnalysis: null, judge: null, history: [], specHash: '',
    stableStorageUri: canary.spec.predictor.model.storageUri, canaryStorageUri: canary.spec.canary.storageUri, startedAt: now, updatedAt: now,
  };
}

