/** The custom resource types kcanary reads and writes, by API group, version and plural. */

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

export const InferenceService = { group: 'serving.kserve.io', version: 'v1beta1', plural: 'inferenceservices', kind: 'InferenceService' } as const satisfies ResourceType;
export const VirtualService = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices', kind: 'VirtualService' } as const satisfies ResourceType;
export const HTTPRoute = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute' } as const satisfies ResourceType;
export const ModelCanaryResource = { group: 'kcanary.io', version: 'v1alpha1', plural: 'modelcanaries', kind: 'ModelCanary' } as const satisfies ResourceType;

export const RESOURCE_TYPES: readonly ResourceType[] = [InferenceService, VirtualService, HTTPRoute, ModelCanaryResource];

export function apiVersionOf(type: ResourceType): string {
  return `${type.group}/${type.version}`;
}

/** `plural.group`, the name RBAC rules and error messages use. */
export function resourceName(type: ResourceType): string {
  return `${type.plural}.${type.group}`;
}

/** The type of a manifest, by its apiVersion and kind. */
export function typeOf(object: { apiVersion?: string; kind?: string }): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => apiVersionOf(t) === object.apiVersion && t.kind === object.kind);
}

/** A Kubernetes object as kcanary handles it: plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}
