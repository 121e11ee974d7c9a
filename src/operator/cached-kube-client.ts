/**
 * The routers' reads served from watch caches of InferenceServices,
 * VirtualServices and HTTPRoutes, so a reconcile that changes nothing makes
 * no API call; writes go to the API server and their answers update the
 * cache at once (a later read sees them). A conflict refreshes the object
 * from the API before the router's own retry reads it again. A type the
 * cluster does not serve, or a cache not synced yet, is read from the API.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type KubeClientOptions } from '../kube/client.js';
import { KubeConflictError } from '../kube/errors.js';
import { HTTPRoute, InferenceService, VirtualService, resourceName, typeOf, type KubeObject, type ResourceType } from '../kube/resources.js';
import { CanaryInformer } from './canary-informer.js';

const CACHED_TYPES: readonly ResourceType[] = [InferenceService, VirtualService, HTTPRoute];

export class RouterObjectCache {
  private readonly informers = new Map<string, { informer: CanaryInformer; missing: boolean }>();

  constructor(options: { kubeConfig: KubeConfig; namespaces: readonly string[]; log?: (message: string) => void }) {
    for (const type of CACHED_TYPES) {
      const entry = { informer: undefined as unknown as CanaryInformer, missing: false };
      entry.informer = new CanaryInformer({
        kubeConfig: options.kubeConfig, namespaces: options.namespaces, type, onChange: () => undefined,
        ...(options.log ? { log: options.log } : {}),
        onMissingType: () => { entry.missing = true; options.log?.(`${resourceName(type)} is not served by this cluster: read directly when needed`); },
      });
      this.informers.set(resourceName(type), entry);
    }
  }

  start(): void {
    for (const { informer } of this.informers.values()) informer.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map(({ informer }) => informer.stop()));
  }

  /** The cache for a type, when it can answer. */
  informerFor(type: ResourceType): CanaryInformer | undefined {
    const entry = this.informers.get(resourceName(type));
    return entry && !entry.missing && entry.informer.hasSynced ? entry.informer : undefined;
  }

  remember(object: KubeObject): void {
    const type = typeOf(object);
    if (type) this.informers.get(resourceName(type))?.informer.remember(object);
  }

  forget(type: ResourceType, namespace: string, name: string): void {
    this.informers.get(resourceName(type))?.informer.forget(`${namespace}/${name}`);
  }
}

export class CachedKubeClient extends KubeClient {
  constructor(options: KubeClientOptions, private readonly cache: RouterObjectCache) {
    super(options);
  }

  override async find<T extends KubeObject = KubeObject>(type: ResourceType, name: string, scope: { namespace?: string } = {}): Promise<T | null> {
    const informer = this.cache.informerFor(type);
    if (!informer) return super.find<T>(type, name, scope);
    const cached = informer.get(`${scope.namespace ?? this.namespace}/${name}`);
    return cached ? structuredClone(cached) as T : null;
  }

  override async apply<T extends KubeObject = KubeObject>(manifest: KubeObject, options: { force?: boolean } = {}): Promise<T> {
    try {
      const written = await super.apply<T>(manifest, options);
      this.cache.remember(written);
      return written;
    } catch (error) {
      const type = typeOf(manifest);
      if (error instanceof KubeConflictError && type) {
        const fresh = await super.find(type, manifest.metadata.name, { namespace: manifest.metadata.namespace ?? this.namespace });
        if (fresh) this.cache.remember(fresh);
      }
      throw error;
    }
  }

  override async delete(type: ResourceType, name: string, scope: { namespace?: string } = {}): Promise<boolean> {
    const deleted = await super.delete(type, name, scope);
    this.cache.forget(type, scope.namespace ?? this.namespace, name);
    return deleted;
  }
}
