/**
 * `gateway-api` router: the two InferenceServices, an HTTPRoute on the
 * public host with weighted backendRefs, and one HTTPRoute per variant on its
 * own host for direct testing (as the istio router's VirtualServices); each
 * backend sets `x-kcanary-variant` through a ResponseHeaderModifier filter.
 */
import { HTTPRoute, apiVersionOf, type KubeObject } from '../kube/resources.js';
import { VARIANT_HEADER, ownerLabels, predictorServiceName, publicHost, variantHost, variantServiceName, type RenderInput, type Variant } from './input.js';
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

function httpRoute(input: RenderInput, name: string, host: string, backendRefs: Record<string, unknown>[], variant?: Variant): KubeObject {
  return {
    apiVersion: apiVersionOf(HTTPRoute),
    kind: HTTPRoute.kind,
    metadata: { name, namespace: input.namespace, labels: ownerLabels(input, variant) },
    spec: {
      ...(input.ingress.parentRefs.length ? { parentRefs: input.ingress.parentRefs.map((p) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', ...p })) } : {}),
      hostnames: [host],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs }],
    },
  };
}

export function renderHttpRoute(input: RenderInput, canaryWeight: number): KubeObject {
  const w = splitWeights(canaryWeight);
  return httpRoute(input, predictorServiceName(input.name), publicHost(input), [backendRef(input, 'primary', w.primary), backendRef(input, 'canary', w.canary)]);
}

/**
 * `<name>-<variant>-kcanary`: not `<name>-<variant>-predictor`, the name KServe
 * gives its own HTTPRoute for that InferenceService when its ingress is the
 * Gateway API; on the same host both send to the same Service.
 */
export function variantHttpRouteName(input: RenderInput, variant: Variant): string {
  return `${variantServiceName(input, variant)}-kcanary`;
}

/** The per-variant route on `<name>-<variant>-predictor-<ns>.<domain>`, all to that variant. */
export function renderVariantHttpRoute(input: RenderInput, variant: Variant): KubeObject {
  return httpRoute(input, variantHttpRouteName(input, variant), variantHost(input, variant), [backendRef(input, variant, 1)], variant);
}

export function renderGatewayApi(input: RenderInput, state: TwoVariantState): KubeObject[] {
  return [
    ...renderVariantServices(input, state),
    renderHttpRoute(input, state.canaryWeight),
    renderVariantHttpRoute(input, 'primary'),
    ...(state.canary !== 'absent' ? [renderVariantHttpRoute(input, 'canary')] : []),
  ];
}

export function renderGatewayApiAt(input: RenderInput, weight: number): KubeObject[] {
  return renderGatewayApi(input, { primaryStorageUri: input.stableStorageUri, canary: 'running', canaryWeight: weight });
}
