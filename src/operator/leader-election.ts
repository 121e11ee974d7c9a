/**
 * Leader election on a coordination.k8s.io Lease, the client-go way: the
 * holder renews it; another replica takes it only after it has seen the same
 * record unchanged for a whole lease duration (its own clock, never the
 * holder's timestamps), and every write is guarded by resourceVersion, so two
 * replicas never both believe they lead. A leader that cannot renew before
 * its renew deadline stops acting; on shutdown it releases the Lease.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { ErrorCode, KcanaryError } from '../errors.js';
import { kubeRequest } from './apply-objects.js';

export interface LeaderElectionOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly log?: (message: string) => void;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '000Z');

export function defaultIdentity(): string {
  return process.env.POD_NAME ?? `kcanary-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private observed: { key: string; at: number } | undefined;
  private lastRenew = 0;
  private loop: Promise<void> | undefined;
  private readonly wake = new AbortController();

  constructor(private readonly options: LeaderElectionOptions) {}

  get isLeader(): boolean {
    return this.leading && Date.now() - this.lastRenew < this.renewDeadline;
  }

  private get leaseDuration(): number { return this.options.leaseDurationMs ?? 15_000; }
  private get renewDeadline(): number { return this.options.renewDeadlineMs ?? Math.round(this.leaseDuration * 2 / 3); }
  private get retryPeriod(): number { return this.options.retryPeriodMs ?? Math.round(this.leaseDuration / 5); }
  private get path(): string { return `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`; }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops campaigning and releases the Lease if held. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.loop;
    if (this.leading) {
      this.setLeading(false);
      await this.release().catch((error) => this.options.log?.(`releasing the lease failed: ${(error as Error).message}`));
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const acquired = await this.tryAcquireOrRenew();
        if (acquired) this.lastRenew = Date.now();
        if (acquired && !this.leading) this.setLeading(true);
        if (!acquired && this.leading) this.setLeading(false);
      } catch (error) {
        this.options.log?.(`leader election: ${(error as Error).message}`);
      }
      if (this.leading && Date.now() - this.lastRenew >= this.renewDeadline) this.setLeading(false);
      await sleep(this.retryPeriod, undefined, { signal: this.wake.signal }).catch(() => undefined);
    }
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.options.log?.(`${this.options.identity} ${leading ? 'became' : 'is no longer'} the leader`);
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { kubeConfig, name, namespace, identity } = this.options;
    const now = Date.now();
    let lease: Lease;
    try {
      lease = await kubeRequest(kubeConfig, 'GET', `${this.path}/${name}`) as Lease;
    } catch (error) {
      if (!(error instanceof KcanaryError) || error.code !== ErrorCode.NotFound) throw error;
      await kubeRequest(kubeConfig, 'POST', this.path, { body: {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: Math.ceil(this.leaseDuration / 1000), acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      } }).catch((e: unknown) => { if (e instanceof KcanaryError && e.code === ErrorCode.Conflict) return; throw e; });
      return this.tryAcquireOrRenew();
    }
    const holder = lease.spec.holderIdentity ?? '';
    const key = `${holder}|${lease.spec.renewTime ?? ''}`;
    if (this.observed?.key !== key) this.observed = { key, at: now };
    const held = holder !== '' && holder !== identity;
    if (held && now - this.observed.at < this.leaseDuration) return false;
    const spec = {
      ...lease.spec,
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseDuration / 1000),
      renewTime: microTime(now),
      ...(holder === identity ? {} : { acquireTime: microTime(now), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 }),
    };
    try {
      const updated = await kubeRequest(kubeConfig, 'PUT', `${this.path}/${name}`, { body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease.metadata, spec } }) as Lease;
      this.observed = { key: `${identity}|${updated.spec.renewTime ?? ''}`, at: now };
      return true;
    } catch (error) {
      // Someone else wrote first: they lead (or renewed), we do not.
      if (error instanceof KcanaryError && error.code === ErrorCode.Conflict) return false;
      throw error;
    }
  }

  private async release(): Promise<void> {
    const { kubeConfig, name, identity } = this.options;
    const lease = await kubeRequest(kubeConfig, 'GET', `${this.path}/${name}`) as Lease;
    if (lease.spec.holderIdentity !== identity) return;
    await kubeRequest(kubeConfig, 'PUT', `${this.path}/${name}`, { body: {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease.metadata,
      spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(Date.now()) },
    } });
  }
}
