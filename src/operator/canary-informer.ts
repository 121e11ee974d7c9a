/**
 * A cache of ModelCanary objects (or of another type) kept by list + watch (all namespaces, or
 * the ones given), calling back with the key of every object that changed.
 * A watch that ends is resumed from the last resourceVersion; one that is
 * too old (410 Gone) is replaced by a fresh list.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { ModelCanaryResource, type KubeObject, type ResourceType } from '../kube/resources.js';
import { kubeRequest } from './apply-objects.js';

export const keyOf = (object: KubeObject): string => `${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;

/** resourceVersions are opaque, but etcd's are increasing integers: compare them when they are. */
export function isNewer(candidate: KubeObject, current: KubeObject | undefined): boolean {
  if (!current) return true;
  const a = Number(candidate.metadata.resourceVersion);
  const b = Number(current.metadata.resourceVersion);
  return !(Number.isFinite(a) && Number.isFinite(b)) || a >= b;
}

export interface InformerOptions {
  readonly kubeConfig: KubeConfig;
  /** Empty: all namespaces. */
  readonly namespaces: readonly string[];
  /** With the object before and after (undefined: absent); our own status writes come back as no change. */
  readonly onChange: (key: string, previous: KubeObject | undefined, current: KubeObject | undefined) => void;
  readonly log?: (message: string) => void;
  /** Only these objects (e.g. `kcanary run` for one canary). */
  readonly fieldSelector?: string;
  /** Default: ModelCanary. */
  readonly type?: ResourceType;
  /** A type the API server does not serve (404): stop instead of retrying, and say so. */
  readonly onMissingType?: () => void;
}

export class CanaryInformer {
  private readonly cache = new Map<string, KubeObject>();
  private readonly synced = new Set<string>();
  private stopped = false;
  private readonly aborts = new Set<AbortController>();
  private loops: Promise<void>[] = [];

  constructor(private readonly options: InformerOptions) {}

  get(key: string): KubeObject | undefined {
    return this.cache.get(key);
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  get size(): number {
    return this.cache.size;
  }

  /** Every scope has been listed once. */
  get hasSynced(): boolean {
    return this.synced.size === this.scopes().length;
  }

  /** Our own writes: the response is newer than what the watch has delivered so far. */
  remember(object: KubeObject): void {
    const key = keyOf(object);
    if (isNewer(object, this.cache.get(key))) this.cache.set(key, object);
  }

  /** Our own delete: gone now, whatever the watch says later. */
  forget(key: string): void {
    this.cache.delete(key);
  }

  start(): void {
    this.loops = this.scopes().map((scope) => this.run(scope));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const a of this.aborts) a.abort();
    await Promise.all(this.loops);
  }

  private scopes(): string[] {
    return this.options.namespaces.length ? [...this.options.namespaces] : [''];
  }

  private get type(): ResourceType {
    return this.options.type ?? ModelCanaryResource;
  }

  private pathOf(namespace: string): string {
    const { group, version, plural } = this.type;
    return namespace ? `/apis/${group}/${version}/namespaces/${namespace}/${plural}` : `/apis/${group}/${version}/${plural}`;
  }

  private async run(namespace: string): Promise<void> {
    let resourceVersion: string | undefined;
    while (!this.stopped) {
      try {
        if (!resourceVersion) resourceVersion = await this.list(namespace);
        resourceVersion = await this.watch(namespace, resourceVersion);
      } catch (error) {
        if (this.options.onMissingType && /HTTP 404/.test((error as Error).message) && !resourceVersion) {
          this.options.onMissingType();
          return;
        }
        const gone = (error as { statusCode?: number; code?: number }).code === 410 || /\b410\b|too old/i.test((error as Error).message);
        if (gone) resourceVersion = undefined;
        if (!this.stopped) {
          this.options.log?.(`${this.type.kind} watch${namespace ? ` in ${namespace}` : ''}: ${(error as Error).message}${gone ? ' (listing again)' : ''}`);
          await sleep(500);
        }
      }
    }
  }

  private async list(namespace: string): Promise<string> {
    const selector = this.options.fieldSelector ? `?fieldSelector=${encodeURIComponent(this.options.fieldSelector)}` : '';
    const list = await kubeRequest(this.options.kubeConfig, 'GET', `${this.pathOf(namespace)}${selector}`) as { items: KubeObject[]; metadata: { resourceVersion: string } };
    const seen = new Set<string>();
    for (const item of list.items) {
      const object = { ...item, apiVersion: `${this.type.group}/${this.type.version}`, kind: this.type.kind };
      const key = keyOf(object);
      seen.add(key);
      const previous = this.cache.get(key);
      this.cache.set(key, object);
      this.options.onChange(key, previous, object);
    }
    // Objects deleted while no watch was running.
    for (const key of [...this.cache.keys()]) {
      if (!seen.has(key) && (!namespace || key.startsWith(`${namespace}/`))) {
        const previous = this.cache.get(key);
        this.cache.delete(key);
        this.options.onChange(key, previous, undefined);
      }
    }
    this.synced.add(namespace);
    return list.metadata.resourceVersion;
  }

  /** Resolves with the last resourceVersion seen when the server ends the watch. */
  private async watch(namespace: string, fromVersion: string): Promise<string> {
    let resourceVersion = fromVersion;
    const controller = new AbortController();
    this.aborts.add(controller);
    try {
      await new Promise<void>((resolve, reject) => {
        const query: Record<string, string | number | boolean> = { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 };
        if (this.options.fieldSelector) query.fieldSelector = this.options.fieldSelector;
        new Watch(this.options.kubeConfig).watch(this.pathOf(namespace), query, (type: string, object: KubeObject) => {
          if (type === 'ERROR') {
            const status = object as unknown as { code?: number; message?: string };
            reject(Object.assign(new Error(status.message ?? 'watch error'), { code: status.code }));
            return;
          }
          if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
          if (type === 'BOOKMARK') return;
          const key = keyOf(object);
          const previous = this.cache.get(key);
          if (type === 'DELETED') {
            this.cache.delete(key);
            this.options.onChange(key, previous, undefined);
          } else if (isNewer(object, previous)) {
            this.cache.set(key, object);
            this.options.onChange(key, previous, object);
          }
        }, (error: unknown) => (error && !this.stopped && (error as Error).name !== 'AbortError' ? reject(error) : resolve()))
          .then((c) => {
            if (this.stopped) c.abort();
            controller.signal.addEventListener('abort', () => c.abort());
          }, reject);
      });
    } finally {
      this.aborts.delete(controller);
    }
    return resourceVersion;
  }
}
