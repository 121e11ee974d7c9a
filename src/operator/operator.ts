/**
 * `kcanary operator`: watches ModelCanary objects, queues each changed one,
 * and — only while it holds the leader Lease — reconciles them, each again
 * every tick while its rollout is live. /healthz, /readyz and /metrics on
 * the side; on shutdown, in-flight reconciles finish before the Lease goes.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../kube/client.js';
import { CachedKubeClient, RouterObjectCache } from './cached-kube-client.js';
import { CanaryInformer } from './canary-informer.js';
import { needsReconcile } from './canary-commands.js';
import { CanaryReconciler, type ReconcilerOptions } from './canary-reconciler.js';
import { EventRecorder } from './events.js';
import { startHealthServer, type HealthServer } from './health-server.js';
import { startCollectorServer, type CollectorServer } from '../collector/collector-server.js';
import { PredictionCollector } from '../collector/prediction-collector.js';
import { kubeRequest } from './apply-objects.js';
import { COLLECTOR_LABEL } from './install-manifests.js';
import { LeaderElector } from './leader-election.js';
import { OperatorMetrics } from './operator-metrics.js';
import { WorkQueue } from './work-queue.js';

export interface OperatorOptions {
  readonly kubeConfig: KubeConfig;
  /** Empty: all namespaces. */
  readonly namespaces: readonly string[];
  readonly identity: string;
  /** Leader election; absent: act without it (one replica, `kcanary run`). */
  readonly leaderElection?: { readonly namespace: string; readonly name: string; readonly leaseDurationMs?: number; readonly retryPeriodMs?: number };
  readonly listen?: { readonly host: string; readonly port: number };
  /** Where KServe's inference logger posts its CloudEvents (the prediction collector); absent: not served. */
  readonly collector?: { readonly host: string; readonly port: number };
  /**
   * This replica's pod: while it leads, it carries the label the collector
   * Service selects, so events reach the replica that judges them.
   */
  readonly pod?: { readonly namespace: string; readonly name: string };
  readonly tickMs?: number;
  readonly concurrency?: number;
  readonly prometheus?: string;
  readonly fieldSelector?: string;
  /** Serve the routers' reads from watch caches (default true; `kcanary run` reads directly). */
  readonly cacheRouterObjects?: boolean;
  readonly statusFlushMs?: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  readonly reconciler?: Partial<Pick<ReconcilerOptions, 'routerFor' | 'metricsFor' | 'fetch' | 'clock'>>;
}

export class Operator {
  readonly metrics = new OperatorMetrics();
  readonly collector = new PredictionCollector();
  private collectorServer: CollectorServer | undefined;
  readonly informer: CanaryInformer;
  private readonly queue: WorkQueue;
  private readonly reconciler: CanaryReconciler;
  private readonly elector: LeaderElector | undefined;
  private health: HealthServer | undefined;
  private stopping: Promise<void> | undefined;
  private readonly routerCache: RouterObjectCache | undefined;
  private leading = false;

  constructor(private readonly options: OperatorOptions) {
    const log = options.log ?? (() => undefined);
    const tickMs = options.tickMs ?? 1000;
    this.informer = new CanaryInformer({
      kubeConfig: options.kubeConfig, namespaces: options.namespaces, log,
      ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
      onChange: (key, previous, current) => { if (needsReconcile(previous, current)) this.queue.add(key); },
    });
    // Router reads from watch caches: a reconcile that changes nothing makes no API call.
    this.routerCache = options.cacheRouterObjects === false ? undefined : new RouterObjectCache({ kubeConfig: options.kubeConfig, namespaces: options.namespaces, log });
    const cache = this.routerCache;
    this.reconciler = new CanaryReconciler({
      clientFor: (namespace) => (cache ? new CachedKubeClient({ kubeConfig: options.kubeConfig, namespace }, cache) : new KubeClient({ kubeConfig: options.kubeConfig, namespace })),
      kubeConfig: options.kubeConfig,
      get: (key) => this.informer.get(key),
      remember: (object) => this.informer.remember(object),
      events: new EventRecorder({ kubeConfig: options.kubeConfig, component: 'kcanary-operator', log }),
      metrics: this.metrics,
      collector: this.collector,
      tickMs,
      log,
      ...(options.prometheus ? { prometheus: options.prometheus } : {}),
      ...(options.statusFlushMs === undefined ? {} : { statusFlushMs: options.statusFlushMs }),
      ...options.reconciler,
    });
    this.queue = new WorkQueue({
      concurrency: options.concurrency ?? 32,
      process: async (key) => {
        // A replica that lost the Lease mid-queue does not act.
        if (!this.isActing) return;
        const started = performance.now();
        this.metrics.reconciles++;
        try {
          const { requeueMs } = await this.reconciler.reconcile(key);
          if (requeueMs !== undefined) this.queue.addAfter(key, requeueMs);
        } finally {
          this.metrics.reconcileSeconds += (performance.now() - started) / 1000;
        }
      },
      onError: (key, error) => {
        this.metrics.reconcileErrors++;
        log(`reconcile ${key} failed: ${(error as Error).message}`, { canary: key });
      },
    });
    if (options.leaderElection) {
      this.elector = new LeaderElector({
        kubeConfig: options.kubeConfig, identity: options.identity, log, ...options.leaderElection,
        onStartedLeading: () => this.startActing(),
        onStoppedLeading: () => this.stopActing(),
      });
    }
  }

  /** This replica reconciles now. */
  get isActing(): boolean {
    return this.leading && (this.elector ? this.elector.isLeader : true);
  }

  get ready(): boolean {
    return this.informer.hasSynced;
  }

  /** Reads of the routers' objects come from the watch caches (once they have synced). */
  get cachesRouterObjects(): boolean {
    return this.routerCache !== undefined;
  }

  get url(): string | undefined {
    return this.health?.url;
  }

  /** The prediction collector's URL, when it is served. */
  get collectorUrl(): string | undefined {
    return this.collectorServer?.url;
  }

  async start(): Promise<void> {
    if (this.options.listen) {
      this.health = await startHealthServer({ ...this.options.listen, isReady: () => this.ready, metrics: this.metrics });
    }
    if (this.options.collector) {
      this.collectorServer = await startCollectorServer({ ...this.options.collector, collector: this.collector, ...(this.options.log ? { log: this.options.log } : {}) });
    }
    this.routerCache?.start();
    this.informer.start();
    if (this.elector) this.elector.start();
    else this.startActing();
  }

  /** Idempotent: a second call waits for the first. */
  stop(): Promise<void> {
    this.stopping ??= this.release();
    return this.stopping;
  }

  private async release(): Promise<void> {
    await this.informer.stop();
    await this.queue.shutdown();
    await this.routerCache?.stop();
    await this.elector?.stop();
    this.leading = false;
    await this.health?.close();
    await this.collectorServer?.close();
  }

  /** Resolves when the watch has listed every scope. */
  async synced(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ready && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** The collector Service selects the leader's pod only: events must reach the replica that judges them. */
  private labelPod(active: boolean): void {
    const { pod, collector, log } = this.options;
    if (!pod || !collector) return;
    const body = { metadata: { labels: { [COLLECTOR_LABEL]: active ? 'active' : null } } };
    kubeRequest(this.options.kubeConfig, 'PATCH', `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`, { body, contentType: 'application/merge-patch+json' })
      .catch((error: unknown) => log?.(`could not label pod ${pod.name} for the prediction collector: ${(error as Error).message}`));
  }

  private startActing(): void {
    this.labelPod(true);
    this.leading = true;
    this.metrics.leader = true;
    // Everything known is looked at again: a former leader may have left work half done.
    for (const key of this.informer.keys()) this.queue.add(key);
    this.queue.resume();
  }

  private stopActing(): void {
    this.labelPod(false);
    this.leading = false;
    this.metrics.leader = false;
    this.queue.pause();
  }
}
