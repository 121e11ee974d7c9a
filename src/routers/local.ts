/**
 * The `local` router: model servers as child processes (or servers already
 * running, by URL) behind kcanary's own gateway, on one machine.
 */
import { join, resolve } from 'node:path';
import { startGateway, type Gateway } from '../gateway/index.js';
import { Router } from '../core/spec.js';
import type { ModelCanary } from '../core/spec.js';
import { RolloutFailedError, UsageError } from '../errors.js';
import { freePort } from './local/free-port.js';
import { probeReadiness } from './local/readiness.js';
import { VariantProcess } from './local/variant-process.js';
import type { RouterContext, RouterObservation, TrafficRouter, VariantState } from './types.js';

/** How long stopping waits for the requests under way. */
const CLOSE_GRACE_MS = 5000;

export interface LocalRouterOptions {
  readonly canary: ModelCanary;
  /** The spec file's folder: relative paths resolve against it. */
  readonly specDir: string;
  /** Overrides spec.local.gateway.port (0 = any free port). */
  readonly gatewayPort?: number;
  /** Told of every process started, so a later run can clean up after a killed one. */
  readonly onProcessesChanged?: (processes: { pid: number; role: string; cmdline: string }[]) => void;
  /** More lines for the gateway's /metrics (the rollout's analysis gauges). */
  readonly extraMetrics?: () => readonly string[];
}

/** One variant: a version, where it answers, and the process behind it if we started it. */
interface Variant {
  readonly storageUri: string;
  readonly url: string;
  readonly process?: VariantProcess;
}

export class LocalRouter implements TrafficRouter {
  readonly name = Router.Local;
  private gateway: Gateway | undefined;
  private primary: Variant | undefined;
  private canaryVariant: Variant | undefined;
  private weight = 0;

  constructor(private readonly options: LocalRouterOptions) {}

  get gatewayUrl(): string | undefined {
    return this.gateway?.url;
  }

  /** The in-process gateway, for the metrics provider and `status`. */
  get dataPlane(): Gateway | undefined {
    return this.gateway;
  }

  private get local() {
    const local = this.options.canary.spec.local;
    if (!local) throw new UsageError('spec.local is required with router: local');
    return local;
  }

  private get logDir(): string {
    return resolve(this.options.specDir, this.local.stateDir);
  }

  /**
   * Starts the primary (and the canary, when the rollout is live) and the
   * gateway at `weight`: after a restart the saved weight is in force from the
   * first request, never a lower one.
   */
  async start(ctx: RouterContext, options: { withCanary: boolean; weight: number }): Promise<void> {
    this.primary = await this.variantFor(ctx.stableStorageUri, 'primary');
    if (options.withCanary) this.canaryVariant = await this.variantFor(ctx.canaryStorageUri, 'canary');
    // No request reaches a variant that is still loading its model.
    await this.waitUntilReady(this.local.readyTimeout);
    await this.failIfPrimaryDown();
    const canaryUp = this.canaryVariant !== undefined && !this.canaryVariant.process?.exited;
    this.weight = canaryUp ? options.weight : 0;
    const { gateway, sticky } = this.local;
    this.gateway = await startGateway({
      host: gateway.host,
      port: this.options.gatewayPort ?? gateway.port,
      headTimeoutMs: gateway.headTimeout,
      upstreams: { primary: this.primary.url, canary: this.canaryVariant?.url ?? null },
      canaryWeight: this.weight,
      mirrorPercent: this.canaryVariant ? this.options.canary.spec.rollout.mirror : 0,
      ...(sticky ? { sticky } : {}),
      ...(this.options.extraMetrics ? { extraMetrics: this.options.extraMetrics } : {}),
    });
    this.reportProcesses();
  }

  async ensureVariants(ctx: RouterContext): Promise<void> {
    if (!this.gateway) throw new Error('the local router was not started');
    if (this.primary?.storageUri !== ctx.stableStorageUri) {
      const old = this.primary;
      this.primary = await this.variantFor(ctx.stableStorageUri, 'primary');
      this.gateway.setUpstreams({ primary: this.primary.url, canary: this.canaryVariant?.url ?? null });
      await this.retire(old);
    }
    if (this.canaryVariant?.storageUri !== ctx.canaryStorageUri) {
      const old = this.canaryVariant;
      this.setGatewayWeight(0);
      this.canaryVariant = await this.variantFor(ctx.canaryStorageUri, 'canary');
      this.gateway.setUpstreams({ primary: this.primary.url, canary: this.canaryVariant.url });
      this.gateway.setMirror(this.options.canary.spec.rollout.mirror);
      await this.retire(old);
    }
    this.reportProcesses();
  }

  async setWeight(_ctx: RouterContext, canaryPercent: number): Promise<void> {
    if (canaryPercent > 0 && !this.canaryVariant) throw new Error('no canary is running to take traffic');
    this.setGatewayWeight(canaryPercent);
  }

  async observe(ctx: RouterContext): Promise<RouterObservation> {
    const modelName = this.options.canary.spec.modelName;
    const state = async (variant: Variant | undefined): Promise<VariantState> => {
      if (!variant) return { ready: false, message: 'not running' };
      const failure = variant.process?.describeFailure();
      if (failure) return { ready: false, failed: true, message: failure, storageUri: variant.storageUri, url: variant.url };
      const probe = await probeReadiness(variant.url, modelName);
      return { ready: probe.ready, message: probe.message, storageUri: variant.storageUri, url: variant.url };
    };
    const [primary, canary] = await Promise.all([state(this.primary), state(this.canaryVariant)]);
    return {
      primary,
      canary,
      canaryWeight: this.gateway ? this.weight : null,
      promoted: !this.canaryVariant && this.primary?.storageUri === ctx.canaryStorageUri,
      rolledBack: !this.canaryVariant && this.weight === 0 && this.primary?.storageUri === ctx.stableStorageUri,
      details: { gateway: this.gateway?.url, logs: this.logDir },
    };
  }

  /** The canary becomes the primary; the old primary is stopped. */
  async promote(ctx: RouterContext): Promise<void> {
    if (!this.gateway || !this.canaryVariant || this.canaryVariant.storageUri !== ctx.canaryStorageUri) return;
    const old = this.primary;
    this.primary = this.canaryVariant;
    this.canaryVariant = undefined;
    this.gateway.setMirror(0);
    this.gateway.setUpstreams({ primary: this.primary.url, canary: null });
    this.setGatewayWeight(0);
    await this.retire(old);
    this.reportProcesses();
  }

  async rollback(_ctx: RouterContext): Promise<void> {
    if (!this.gateway || !this.primary) return;
    this.setGatewayWeight(0);
    this.gateway.setMirror(0);
    this.gateway.setUpstreams({ primary: this.primary.url, canary: null });
    const old = this.canaryVariant;
    this.canaryVariant = undefined;
    await this.retire(old);
    this.reportProcesses();
  }

  /**
   * A variant the gateway no longer sends to: its requests in flight finish
   * (drain), then its process stops, so no request is lost at promotion or rollback.
   */
  private async retire(variant: Variant | undefined): Promise<void> {
    if (!variant) return;
    await this.gateway?.drain(variant.url);
    await variant.process?.stop();
  }

  async close(): Promise<void> {
    // Requests under way are answered before the gateway and the variants stop.
    await this.gateway?.close(CLOSE_GRACE_MS);
    await Promise.all([this.primary?.process?.stop(), this.canaryVariant?.process?.stop()]);
    this.gateway = undefined;
    this.reportProcesses();
  }

  /**
   * Waits for both variants to be Ready, up to local.readyTimeout; stops
   * waiting at once when the primary's process exits. A process not Ready in
   * time is given up on (stopped, and failed from then on).
   */
  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const modelName = this.options.canary.spec.modelName;
    const pending = new Set([this.primary, this.canaryVariant].filter((v): v is Variant => v !== undefined));
    while (pending.size > 0 && Date.now() < deadline && !this.primary?.process?.exited) {
      for (const variant of [...pending]) {
        if (variant.process?.exited || (await probeReadiness(variant.url, modelName, 500)).ready) pending.delete(variant);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
    }
    for (const variant of pending) await variant.process?.giveUp(`not Ready within local.readyTimeout (${timeoutMs / 1000}s)`);
  }

  /** Nothing can serve without the primary: the start fails, saying why, with its last words. */
  private async failIfPrimaryDown(): Promise<void> {
    const primary = this.primary!;
    const process = primary.process;
    let why: string | undefined;
    if (process?.exited) {
      await process.outputRead();
      const tail = process.lastStderrLines();
      why = `${process.exited}${tail.length ? `; the last lines of its stderr:\n${tail.map((l) => `    ${l}`).join('\n')}` : ' with nothing on stderr'}\n  (all its output is in ${process.logFile})`;
    } else if (!process && !(await probeReadiness(primary.url, this.options.canary.spec.modelName)).ready) {
      why = `not Ready at ${primary.url} within local.readyTimeout (${this.local.readyTimeout / 1000}s)`;
    }
    if (why === undefined) return;
    await this.close();
    throw new RolloutFailedError(`the primary (${primary.storageUri}) did not start: ${why}\nNothing serves; nothing was rolled out.`);
  }

  private setGatewayWeight(weight: number): void {
    this.gateway?.setWeight(weight);
    this.weight = weight;
  }

  /** A variant for a version: the running server given by URL, or a new process. */
  private async variantFor(storageUri: string, role: 'primary' | 'canary'): Promise<Variant> {
    const { spec } = this.options.canary;
    const local = this.local;
    const byUrl = storageUri === spec.predictor.model.storageUri ? local.primary : storageUri === spec.canary.storageUri ? local.canary : undefined;
    if (byUrl) return { storageUri, url: byUrl.url.replace(/\/$/, '') };
    if (local.primary) throw new UsageError(`no URL serves ${storageUri}: with spec.local.primary/canary urls, versions cannot be started locally`);
    const host = '127.0.0.1';
    const process = new VariantProcess({
      role, storageUri, modelName: spec.modelName, host, port: await freePort(host),
      ...(local.command ? { command: local.command } : {}), cwd: this.options.specDir, logDir: join(this.logDir, 'logs'),
    });
    process.start();
    return { storageUri, url: process.url, process };
  }

  private reportProcesses(): void {
    const processes = [
      { role: 'primary', pid: this.primary?.process?.pid, cmdline: this.primary?.process?.commandLine ?? '' },
      { role: 'canary', pid: this.canaryVariant?.process?.pid, cmdline: this.canaryVariant?.process?.commandLine ?? '' },
    ].filter((p): p is { role: string; pid: number; cmdline: string } => typeof p.pid === 'number');
    this.options.onProcessesChanged?.(processes);
  }
}
