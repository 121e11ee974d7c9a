/**
 * One reconcile of one ModelCanary: the same RolloutEngine as `kcanary up`
 * (read → core.decide → router actions → one status write), with the
 * cluster's router, Prometheus, the webhooks, commands from the annotation,
 * Events for every transition, and a finalizer that gives all traffic back
 * to the primary when a ModelCanary is deleted mid-rollout.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { applyCommand } from '../core/commands.js';
import { isFinished, isLive, Phase } from '../core/phase.js';
import type { ModelCanary } from '../core/spec.js';
import type { RolloutStatus } from '../core/status.js';
import { parseModelCanary } from '../core/validate.js';
import { needsPrometheus } from '../core/router-capabilities.js';
import { DEFAULT_BUCKETS_SECONDS } from '../core/measurement.js';
import { RolloutEngine, routerContext } from '../engine/engine.js';
import { specHash as hashSpec } from '../engine/spec-hash.js';
import { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/resources.js';
import type { MetricProvider } from '../metrics/types.js';
import { PrometheusMetrics } from '../metrics/prometheus.js';
import type { TrafficRouter } from '../routers/types.js';
import { WebhookGates } from '../webhooks/webhook-gates.js';
import { withCollectedPredictions } from '../collector/collected-metrics.js';
import { collectorKey, collectorTargetOf, needsPredictions } from '../collector/collector-target.js';
import type { PredictionCollector } from '../collector/prediction-collector.js';
import { kubeRequest } from './apply-objects.js';
import { FINALIZER, readCommand } from './canary-commands.js';
import { ClusterStatusStore, coreStatusOf } from './cluster-store.js';
import { createClusterRouter, variantNamesOf } from './cluster-routers.js';
import { EventType, type EventRecorder } from './events.js';
import type { OperatorMetrics } from './operator-metrics.js';

export interface ReconcilerOptions {
  readonly kubeConfig: KubeConfig;
  /** The object as last seen (watch cache, updated with our own writes). */
  readonly get: (key: string) => KubeObject | undefined;
  readonly remember: (object: KubeObject) => void;
  readonly events: EventRecorder;
  readonly metrics: OperatorMetrics;
  readonly clock?: () => number;
  /** Default Prometheus when a spec names none. */
  readonly prometheus?: string;
  readonly tickMs: number;
  readonly fetch?: typeof fetch;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Replaces the router (tests, benchmarks). */
  readonly routerFor?: (canary: ModelCanary, client: KubeClient) => TrafficRouter;
  readonly metricsFor?: (canary: ModelCanary, windowStartMs: number) => MetricProvider;
  /** The routers' client for a namespace (the operator's reads from its watch caches). */
  readonly clientFor?: (namespace: string) => KubeClient;
  /** Where KServe's inference logger events land: predictions for prediction-agreement and prediction-shift. */
  readonly collector?: PredictionCollector;
  /** Status writes that change nothing a person or a restart needs wait up to this long (see ClusterStatusStore). */
  readonly statusFlushMs?: number;
}

interface Runtime {
  readonly generation: number | undefined;
  readonly uid: unknown;
  readonly canary: ModelCanary;
  readonly engine: RolloutEngine;
  readonly store: ClusterStatusStore;
  readonly gates: WebhookGates;
  readonly router: TrafficRouter;
}

/** When to look again: undefined when only a change of the object can move the rollout. */
export interface ReconcileResult { readonly requeueMs?: number }

/** A provider for specs with no Prometheus: every window unavailable, so nothing ever passes. */
const noPrometheus = (reason: string): MetricProvider => ({
  startWindow() {},
  async measure(now) {
    return { fromMs: now, toMs: now, bucketBounds: [], primary: { requests: 0, errors: 0, latencyBuckets: [0] }, canary: { requests: 0, errors: 0, latencyBuckets: [0] }, mirrored: [], custom: {}, unavailable: reason };
  },
});

/** For specs judged on predictions alone: no counts to read, every window measurable (the collector adds the answers). */
const predictionsOnly: MetricProvider = {
  startWindow() {},
  async measure(now) {
    return { fromMs: now, toMs: now, bucketBounds: DEFAULT_BUCKETS_SECONDS, primary: { requests: 0, errors: 0, latencyBuckets: [] }, canary: { requests: 0, errors: 0, latencyBuckets: [] }, mirrored: [], custom: {} };
  },
};

export class CanaryReconciler {
  private readonly runtimes = new Map<string, Runtime>();
  private readonly invalid = new Map<string, string>();
  private readonly clock: () => number;

  constructor(private readonly options: ReconcilerOptions) {
    this.clock = options.clock ?? Date.now;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const object = this.options.get(key);
    if (!object) {
      this.forget(key);
      return {};
    }
    const namespace = object.metadata.namespace ?? 'default';
    if (object.metadata.deletionTimestamp) return this.finalize(key, object);
    if (!(object.metadata.finalizers as string[] | undefined)?.includes(FINALIZER)) await this.setFinalizers(object, [...((object.metadata.finalizers as string[]) ?? []), FINALIZER]);

    const runtime = this.runtimeFor(key, object);
    if (!runtime) return {};
    const { engine, gates, store } = runtime;
    const before = await engine.current();

    const request = readCommand(this.options.get(key));
    const acked = (this.options.get(key)?.status as { command?: { id?: string } } | undefined)?.command?.id;
    if (request && request.id !== acked) {
      if (request.error !== undefined) {
        await store.acknowledge({ id: request.id, ok: false, reason: request.error, at: new Date(this.clock()).toISOString() });
      } else {
        // applyCommand is pure: its reason is known before the engine applies it, so the ack rides in the same status write.
        const preview = before ? applyCommand(runtime.canary, before, request.command, this.clock()) : { ok: false as const, reason: 'the rollout has not started yet' };
        const at = new Date(this.clock()).toISOString();
        store.pendingAck = { id: request.id, ok: preview.ok, reason: preview.reason, at };
        const result = await engine.command(request.command);
        if (store.pendingAck) {
          store.pendingAck = undefined;
          await store.acknowledge({ id: request.id, ok: result.ok, reason: result.reason, at });
        }
        this.options.events.record(object, result.ok ? EventType.Normal : EventType.Warning, result.ok ? 'Command' : 'CommandRefused', `${request.command.type}: ${result.reason}`);
      }
    }

    const current = await engine.current();
    const abort = await gates.beforeTick(current);
    if (abort && current && isLive(current.phase)) {
      this.options.events.record(object, EventType.Warning, 'WebhookFailed', abort);
      await engine.command({ type: 'rollback', reason: `aborted: ${abort}` });
    }

    const result = await engine.tick();
    if (result.measured) {
      // A measurement problem is inconclusive data: shown in status and Events with the query, never a spec error.
      if (result.measurementProblem) this.options.events.record(object, EventType.Warning, 'MeasurementFailed', result.measurementProblem);
      await store.setMetricsAvailable(result.measurementProblem ?? null);
    }
    const after = await engine.current();
    this.syncCollector(runtime, after);
    await gates.afterTick(before, after);
    if (after) {
      this.recordTransitions(object, before, after, result.decision.reason);
      this.options.metrics.update(namespace, object.metadata.name, after);
    }
    for (const { action, error } of result.errors) {
      this.options.events.record(object, EventType.Warning, 'ActionFailed', `${action.type}: ${error.message}`);
    }
    return after && isFinished(after.phase) && result.errors.length === 0 ? {} : { requeueMs: this.options.tickMs };
  }

  /** Listens for the variants the router observed; stops keeping predictions once the rollout is over. */
  private syncCollector(runtime: Runtime, status: RolloutStatus | undefined): void {
    const { collector } = this.options;
    if (!collector || !needsPredictions(runtime.canary)) return;
    const target = collectorTargetOf(routerContext(runtime.canary, status), runtime.engine.observation);
    if (target) collector.manage(collectorKey(runtime.canary), { ...target, collecting: !status || !isFinished(status.phase) });
  }

  forget(key: string): void {
    this.options.collector?.forget(key);
    const runtime = this.runtimes.get(key);
    this.runtimes.delete(key);
    this.invalid.delete(key);
    void runtime?.router.close();
    const [namespace, name] = key.split('/') as [string, string];
    this.options.metrics.forget(namespace, name);
  }

  private runtimeFor(key: string, object: KubeObject): Runtime | undefined {
    const existing = this.runtimes.get(key);
    if (existing && existing.generation === object.metadata.generation && existing.uid === object.metadata.uid) return existing;
    let canary: ModelCanary;
    try {
      canary = parseModelCanary(object).canary;
      if (canary.spec.router === 'local') throw new Error('spec.router: local rollouts run with `kcanary up`, not in a cluster');
      const measured = canary.spec.analysis.checks.filter(needsPrometheus);
      if (measured.length > 0 && !canary.spec.analysis.prometheus && !this.options.prometheus && !this.options.metricsFor) {
        throw new Error(`spec.analysis.prometheus.address: ${measured.map((c) => c.name).join(', ')} are read from Prometheus and this operator has no default: set the address of the Prometheus that scrapes the predictors, or start the operator with --prometheus`);
      }
    } catch (error) {
      const message = (error as Error).message;
      if (this.invalid.get(key) !== message) {
        this.invalid.set(key, message);
        this.options.events.record(object, EventType.Warning, 'InvalidSpec', message);
        this.options.log?.(`invalid ModelCanary ${key}: ${message}`);
      }
      return undefined;
    }
    this.invalid.delete(key);
    void existing?.router.close();
    const namespace = object.metadata.namespace ?? 'default';
    const client = this.clientFor(namespace);
    const router = this.options.routerFor?.(canary, client) ?? createClusterRouter(canary.spec.router, client);
    const store = new ClusterStatusStore({
      kubeConfig: this.options.kubeConfig, namespace, name: object.metadata.name, steps: canary.spec.rollout.steps,
      object: () => this.options.get(key) ?? object, onWritten: (written) => this.options.remember(written), clock: this.clock,
      ...(this.options.statusFlushMs === undefined ? {} : { flushMs: this.options.statusFlushMs }),
    });
    const saved = coreStatusOf(object);
    const specHash = hashSpec(canary.spec);
    const gates = new WebhookGates({
      canary, specHash, clock: this.clock, ...(saved ? { status: saved } : {}), ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      onResults: (results) => {
        for (const r of results) this.options.events.record(this.options.get(key) ?? object, r.ok ? EventType.Normal : EventType.Warning, r.ok ? 'WebhookPassed' : 'WebhookFailed', `${r.type} webhook ${r.name}: ${r.message}`);
      },
    });
    // The provider reads the engine's last observation (Knative revision names); the engine needs the provider first.
    const built: { engine?: RolloutEngine } = {};
    const windowStart = saved?.windowStartedAt ? Date.parse(saved.windowStartedAt) : this.clock();
    const address = canary.spec.analysis.prometheus?.address ?? this.options.prometheus;
    const metrics = this.options.metricsFor?.(canary, windowStart) ?? (address
      ? new PrometheusMetrics({
        address, router: canary.spec.router, namespace, name: object.metadata.name, checks: canary.spec.analysis.checks, windowStartMs: windowStart,
        variants: () => variantNamesOf(routerContext(canary, this.statusOf(key)), built.engine?.observation),
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      })
      : canary.spec.analysis.checks.some(needsPrometheus)
        ? noPrometheus('no Prometheus to measure with: set spec.analysis.prometheus.address or start the operator with --prometheus')
        : predictionsOnly);
    const collector = this.options.collector;
    const measured = collector && needsPredictions(canary) ? withCollectedPredictions(metrics, collector, collectorKey(canary)) : metrics;
    const engine = new RolloutEngine({ canary, specHash, router: gates.wrap(router), metrics: measured, store, clock: this.clock });
    built.engine = engine;
    const runtime: Runtime = { generation: object.metadata.generation, uid: object.metadata.uid, canary, engine, store, gates, router };
    this.runtimes.set(key, runtime);
    return runtime;
  }

  private clientFor(namespace: string): KubeClient {
    return this.options.clientFor?.(namespace) ?? new KubeClient({ kubeConfig: this.options.kubeConfig, namespace });
  }

  private statusOf(key: string): RolloutStatus | undefined {
    const object = this.options.get(key);
    return object ? coreStatusOf(object) : undefined;
  }

  private recordTransitions(object: KubeObject, before: RolloutStatus | undefined, after: RolloutStatus, reason: string): void {
    if (before?.phase !== after.phase) {
      const warning = after.phase === Phase.RollingBack || after.phase === Phase.RolledBack || after.phase === Phase.Failed;
      this.options.events.record(object, warning ? EventType.Warning : EventType.Normal, after.phase, after.message || reason);
    } else if (before.canaryWeight !== after.canaryWeight) {
      this.options.events.record(object, EventType.Normal, 'WeightChanged', `canary weight ${before.canaryWeight}% → ${after.canaryWeight}%: ${after.message}`);
    }
  }

  /** Deleted mid-rollout: weight 0 first, then the router's rollback, then let the object go. */
  private async finalize(key: string, object: KubeObject): Promise<ReconcileResult> {
    const finalizers = (object.metadata.finalizers as string[] | undefined) ?? [];
    if (!finalizers.includes(FINALIZER)) {
      this.forget(key);
      return {};
    }
    const status = coreStatusOf(object);
    if (status && !isFinished(status.phase)) {
      let canary: ModelCanary | undefined;
      try { canary = parseModelCanary(object).canary; } catch { /* nothing to clean with an invalid spec */ }
      if (canary) {
        const client = this.clientFor(object.metadata.namespace ?? 'default');
        const router = this.options.routerFor?.(canary, client) ?? createClusterRouter(canary.spec.router, client);
        const ctx = routerContext(canary, status);
        const deletedAt = Date.parse(String(object.metadata.deletionTimestamp));
        try {
          await router.setWeight(ctx, 0);
          await router.rollback(ctx);
          this.options.events.record(object, EventType.Normal, 'Deleted', 'deleted mid-rollout: the primary serves all traffic');
        } catch (error) {
          // Keep trying for a while (the primary may be becoming Ready), then let the deletion through.
          if (Date.now() - deletedAt < 60_000) throw error;
          this.options.events.record(object, EventType.Warning, 'CleanupFailed', `could not give all traffic back to the primary: ${(error as Error).message}`);
        }
      }
    }
    await this.setFinalizers(object, finalizers.filter((f) => f !== FINALIZER));
    this.forget(key);
    return {};
  }

  private async setFinalizers(object: KubeObject, finalizers: string[]): Promise<void> {
    const { group, version, plural } = { group: 'kcanary.io', version: 'v1alpha1', plural: 'modelcanaries' };
    const path = `/apis/${group}/${version}/namespaces/${object.metadata.namespace ?? 'default'}/${plural}/${object.metadata.name}`;
    const written = await kubeRequest(this.options.kubeConfig, 'PATCH', path, {
      body: { metadata: { finalizers, resourceVersion: object.metadata.resourceVersion } },
      contentType: 'application/merge-patch+json',
    }) as KubeObject;
    this.options.remember(written);
  }
}
