/**
 * A thin adapter over @kubernetes/client-node for custom resources: get,
 * list, server-side apply (fieldManager kcanary), status patches, delete and
 * watch. Every failure becomes a typed KubeError naming the request; calls
 * retry by themselves on throttling and transient failures, and `retrying()`
 * repeats a whole read-compute-write step on conflicts too.
 */
import { CustomObjectsApi, PatchStrategy, Watch, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { isRetryable, KubeConflictError, KubeNotFoundError, toKubeError, type KubeRequest } from './errors.js';
import { resourceName, typeOf, type KubeObject, type ResourceType } from './resources.js';
import { withRetry, type RetryOptions } from './retry.js';
import { UsageError } from '../errors.js';

export const FIELD_MANAGER = 'kcanary';

export interface KubeClientOptions {
  readonly kubeConfig: KubeConfig;
  /** Namespace used when a call names none. */
  readonly namespace: string;
  readonly fieldManager?: string;
  readonly retry?: RetryOptions;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  stop(): void;
  /** Settles when the watch ends: resolves on a clean close, rejects with a KubeError. */
  readonly done: Promise<void>;
}

interface Scope {
  readonly namespace?: string;
}

export class KubeClient {
  readonly namespace: string;
  readonly kubeConfig: KubeConfig;
  private readonly api: CustomObjectsApi;
  private readonly fieldManager: string;
  private readonly retryOptions: RetryOptions;

  constructor(options: KubeClientOptions) {
    this.kubeConfig = options.kubeConfig;
    this.namespace = options.namespace;
    this.api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.retryOptions = options.retry ?? {};
  }

  /** Runs a whole step again (re-reading what it needs) on conflicts, throttling and transient failures. */
  retrying<T>(step: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry(step, this.retryOptions);
  }

  async get<T extends KubeObject = KubeObject>(type: ResourceType, name: string, scope: Scope = {}): Promise<T> {
    const namespace = scope.namespace ?? this.namespace;
    return this.call({ verb: 'get', resource: resourceName(type), namespace, name }, () =>
      this.api.getNamespacedCustomObject({ group: type.group, version: type.version, namespace, plural: type.plural, name }));
  }

  /** Like get, but a missing object is `null`. */
  async find<T extends KubeObject = KubeObject>(type: ResourceType, name: string, scope: Scope = {}): Promise<T | null> {
    try {
      return await this.get<T>(type, name, scope);
    } catch (error) {
      if (error instanceof KubeNotFoundError) return null;
      throw error;
    }
  }

  async list<T extends KubeObject = KubeObject>(type: ResourceType, options: Scope & { labelSelector?: string } = {}): Promise<T[]> {
    const namespace = options.namespace ?? this.namespace;
    const result = await this.call<{ items: T[] }>({ verb: 'list', resource: resourceName(type), namespace }, () =>
      this.api.listNamespacedCustomObject({ group: type.group, version: type.version, namespace, plural: type.plural, ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}) }));
    return result.items ?? [];
  }

  /**
   * Server-side apply: kcanary owns exactly the fields in `manifest`; fields it
   * applied before and leaves out now are removed. `force` takes fields over
   * from other managers (a person's `kubectl edit`), as a controller should.
   */
  async apply<T extends KubeObject = KubeObject>(manifest: KubeObject, options: { force?: boolean } = {}): Promise<T> {
    const type = typeOf(manifest);
    if (!type) throw new UsageError(`cannot apply ${manifest.apiVersion} ${manifest.kind}: not a resource kcanary manages`);
    const namespace = manifest.metadata.namespace ?? this.namespace;
    const name = manifest.metadata.name;
    const body = { ...manifest, metadata: { ...manifest.metadata, namespace } };
    return this.call({ verb: 'patch', resource: resourceName(type), namespace, name }, () =>
      this.api.patchNamespacedCustomObject(
        { group: type.group, version: type.version, namespace, plural: type.plural, name, body, fieldManager: this.fieldManager, force: options.force ?? true },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      ));
  }

  /**
   * A JSON merge patch of the status subresource. With `resourceVersion` the
   * write only succeeds against that version (409 otherwise), for read-modify-write.
   */
  async patchStatus<T extends KubeObject = KubeObject>(type: ResourceType, name: string, status: Record<string, unknown>, options: Scope & { resourceVersion?: string } = {}): Promise<T> {
    const namespace = options.namespace ?? this.namespace;
    const body = { ...(options.resourceVersion ? { metadata: { resourceVersion: options.resourceVersion } } : {}), status };
    return this.call({ verb: 'patch', resource: `${resourceName(type)}/status`, namespace, name }, () =>
      this.api.patchNamespacedCustomObjectStatus(
        { group: type.group, version: type.version, namespace, plural: type.plural, name, body, fieldManager: this.fieldManager },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ));
  }

  /** Deletes the object; `false` when it was already gone. */
  async delete(type: ResourceType, name: string, scope: Scope = {}): Promise<boolean> {
    const namespace = scope.namespace ?? this.namespace;
    try {
      await this.call({ verb: 'delete', resource: resourceName(type), namespace, name }, () =>
        this.api.deleteNamespacedCustomObject({ group: type.group, version: type.version, namespace, plural: type.plural, name, propagationPolicy: 'Background' }));
      return true;
    } catch (error) {
      if (error instanceof KubeNotFoundError) return false;
      throw error;
    }
  }

  /**
   * Streams changes of one object (`name`) or all objects of a type. The
   * watch ends when the server closes it (timeouts are normal: call again from
   * the last resourceVersion) or on `stop()`.
   */
  async watch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    options: Scope & { name?: string; resourceVersion?: string; timeoutSeconds?: number },
    onEvent: (event: WatchEventType, object: T) => void,
  ): Promise<WatchHandle> {
    const namespace = options.namespace ?? this.namespace;
    const request: KubeRequest = { verb: 'watch', resource: resourceName(type), namespace, ...(options.name ? { name: options.name } : {}) };
    const path = `/apis/${type.group}/${type.version}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
    const query = {
      allowWatchBookmarks: true,
      ...(options.name ? { fieldSelector: `metadata.name=${options.name}` } : {}),
      ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}),
      ...(options.timeoutSeconds ? { timeoutSeconds: options.timeoutSeconds } : {}),
    };
    let settle!: { resolve: () => void; reject: (e: unknown) => void };
    const done = new Promise<void>((resolve, reject) => { settle = { resolve, reject }; });
    let stopped = false;
    const onWatchEvent = (phase: string, object: T): void => {
      if (phase === 'ERROR') {
        const status = object as unknown as { code?: number; message?: string; reason?: string };
        settle.reject(toKubeError({ code: status.code ?? 500, body: status }, request));
        return;
      }
      onEvent(phase as WatchEventType, object);
    };
    const onDone = (error: unknown): void => {
      if (!error || stopped) settle.resolve();
      else settle.reject(toKubeError(error, request));
    };
    let controller: AbortController;
    try {
      controller = await new Watch(this.kubeConfig).watch(path, query, onWatchEvent, onDone);
    } catch (error) {
      throw toKubeError(error, request);
    }
    return { stop: () => { stopped = true; controller.abort(); }, done };
  }

  /** One API call with typed errors, retried when the failure is transient (never on a conflict: the same body would conflict again). */
  private call<T>(request: KubeRequest, send: () => Promise<unknown>): Promise<T> {
    return withRetry(async () => {
      try {
        return (await send()) as T;
      } catch (error) {
        throw toKubeError(error, request);
      }
    }, { ...this.retryOptions, retryOn: (error) => isRetryable(error) && !(error instanceof KubeConflictError) });
  }
}
