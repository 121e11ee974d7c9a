/**
 * `gateway-api` router: the two InferenceServices, an HTTPRoute on the
 * public host with weighted backendRefs, and one HTTPRoute per variant on its
 * own host for direct testing (as the istio router's VirtualServices); each
 * backend sets `x-kcanary-variant` through a ResponseHeaderModifier filter.
 *
 * While the canary runs, the public route also has rules that reach it
 * whatever the weight (`x-kcanary-variant: canary`, and each `rollout.match`
 * cohort: more specific matches win over the split), and the split rule
 * mirrors `rollout.mirror` percent of its requests to the canary with a
 * RequestMirror filter (`percent`).
 */
import { HTTPRoute, apiVersionOf, type KubeObject } from '../kube/resources.js';
import type { MatchRule } from '../core/spec.js';
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

const PATH_ALL = { type: 'PathPrefix', value: '/' };

function rule(backendRefs: Record<string, unknown>[]): Record<string, unknown> {
  return { matches: [{ path: PATH_ALL }], backendRefs };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A cohort as HTTPRouteMatch headers: exact stays Exact; prefix and regex become RegularExpression; a cookie a regex on Cookie. */
export function gatewayMatchOf(match: MatchRule): Record<string, unknown> {
  const headers: Record<string, string>[] = [];
  for (const [name, m] of Object.entries(match.headers ?? {})) {
    if (m.exact !== undefined) headers.push({ type: 'Exact', name, value: m.exact });
    else if (m.prefix !== undefined) headers.push({ type: 'RegularExpression', name, value: `^${escapeRegex(m.prefix)}` });
    else if (m.regex !== undefined) headers.push({ type: 'RegularExpression', name, value: m.regex });
  }
  if (match.cookie) headers.push({ type: 'RegularExpression', name: 'Cookie', value: `^(.*?;\\s*)?(${escapeRegex(match.cookie.name)}=${escapeRegex(match.cookie.value)})(;.*)?$` });
  return { path: PATH_ALL, headers };
}

/** Rules that reach the canary whatever the weight: `x-kcanary-variant: canary`, then each cohort. */
function canaryRules(input: RenderInput): Record<string, unknown>[] {
  const to = [backendRef(input, 'canary', 1)];
  return [
    { matches: [{ path: PATH_ALL, headers: [{ type: 'Exact', name: VARIANT_HEADER, value: 'canary' }] }], backendRefs: to },
    ...(input.match ?? []).map((m) => ({ matches: [gatewayMatchOf(m)], backendRefs: to })),
  ];
}

function mirrorFilters(input: RenderInput): Record<string, unknown> {
  if (!input.mirror) return {};
  return { filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { kind: 'Service', name: variantBackend(input, 'canary'), port: BACKEND_PORT }, percent: input.mirror.percent } }] };
}

function httpRoute(input: RenderInput, name: string, host: string, rules: Record<string, unknown>[], variant?: Variant): KubeObject {
  return {
    apiVersion: apiVersionOf(HTTPRoute),
    kind: HTTPRoute.kind,
    metadata: { name, namespace: input.namespace, labels: ownerLabels(input, variant) },
    spec: {
      ...(input.ingress.parentRefs.length ? { parentRefs: input.ingress.parentRefs.map((p) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', ...p })) } : {}),
      hostnames: [host],
      rules,
    },
  };
}

export function renderHttpRoute(input: RenderInput, canaryWeight: number, canaryRunning = true): KubeObject {
  const w = splitWeights(canaryWeight);
  const split = { ...rule([backendRef(input, 'primary', w.primary), backendRef(input, 'canary', w.canary)]), ...(canaryRunning ? mirrorFilters(input) : {}) };
  return httpRoute(input, predictorServiceName(input.name), publicHost(input), [...(canaryRunning ? canaryRules(input) : []), split]);
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
  return httpRoute(input, variantHttpRouteName(input, variant), variantHost(input, variant), [rule([backendRef(input, variant, 1)])], variant);
}

export function renderGatewayApi(input: RenderInput, state: TwoVariantState): KubeObject[] {
  return [
    ...renderVariantServices(input, state),
    renderHttpRoute(input, state.canaryWeight, state.canary === 'running'),
    renderVariantHttpRoute(input, 'primary'),
    ...(state.canary !== 'absent' ? [renderVariantHttpRoute(input, 'canary')] : []),
  ];
}

export function renderGatewayApiAt(input: RenderInput, weight: number): KubeObject[] {
  return renderGatewayApi(input, { primaryStorageUri: input.stableStorageUri, canary: 'running', canaryWeight: weight });
}
