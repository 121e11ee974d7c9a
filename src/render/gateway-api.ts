/**
 * `gateway-api` router: the two InferenceServices and an HTTPRoute on the
 * public host with weighted backendRefs; each backend sets `x-kcanary-variant`
 * through a ResponseHeaderModifier filter.
 */
import { HTTPRoute, apiVersionOf, type KubeObject } from '../kube/resources.js';
import { VARIANT_HEADER, ownerLabels, predictorServiceName, publicHost, type RenderInput, type Variant } from './input.js';
import { BACKEND_PORT, renderVariantServices, splitWeights, variantBackend, type TwoVariantState } from './two-variants.js';

function backendRef(input: RenderInput, variant: Variant, weight: number): Record<string, unknown> {
  return {
    // The CRD's defaults written out, so the object stored is the object rendered
    // (group "" for core Services is left implicit: absent means the same).
    kind: 'Service',
    name: variantBackend(input, variant),
    port: BACKEND_PORT,
    weight,
    filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: VARIANT_HEADER, value: variant }] } }],
  };
}

export function renderHttpRoute(input: RenderInput, canaryWeight: number): KubeObject {
  const w = splitWeights(canaryWeight);
  return {
    apiVersion: apiVersionOf(HTTPRoute),
    kind: HTTPRoute.kind,
    metadata: { name: predictorServiceName(input.name), namespace: input.namespace, labels: ownerLabels(input) },
    spec: {
      ...(input.ingress.parentRefs.length ? { parentRefs: input.ingress.parentRefs.map((p) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', ...p })) } : {}),
      hostnames: [publicHost(input)],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [backendRef(input, 'primary', w.primary), backendRef(input, 'canary', w.canary)],
      }],
    },
  };
}

export function renderGatewayApi(input: RenderInput, state: TwoVariantState): KubeObject[] {
  return [...renderVariantServices(input, state), renderHttpRoute(input, state.canaryWeight)];
}

export function renderGatewayApiAt(input: RenderInput, weight: number): KubeObject[] {
  return renderGatewayApi(input, { primaryStorageUri: input.stableStorageUri, canary: 'running', canaryWeight: weight });
}
