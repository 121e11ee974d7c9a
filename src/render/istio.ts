/**
 * `istio` router ("Model Canary without Knative"): the two InferenceServices,
 * a VirtualService on the public host splitting by weight between
 * `<name>-primary-predictor` and `<name>-canary-predictor`, and one
 * VirtualService per variant on its own host for direct testing. Every route
 * sets `x-kcanary-variant`, so a split can be counted from outside.
 *
 * While the canary runs, the public host also has, ahead of the split: a
 * route for requests that ask for the canary (`x-kcanary-variant: canary`, as
 * the local gateway), one per A/B cohort of `rollout.match` (Flagger's Istio
 * `match`), and the split mirrors `rollout.mirror` percent of its requests to
 * the canary (`mirrors` with a percentage, Istio ≥ 1.22; or the older
 * `mirror` + `mirrorPercentage`). Envoy keeps the original's x-request-id on
 * the mirrored copy, so the collector pairs the two answers.
 */
import { VirtualService, apiVersionOf, type KubeObject } from '../kube/resources.js';
import type { MatchRule } from '../core/spec.js';
import { VARIANT_HEADER, ownerLabels, predictorServiceName, publicHost, variantHost, variantServiceName, type RenderInput, type Variant } from './input.js';
import { BACKEND_PORT, renderVariantServices, splitWeights, variantBackend, type TwoVariantState } from './two-variants.js';

/** The design matches every path (`^/.+$`) and names the route after the VirtualService. */
const MATCH_ALL = [{ uri: { regex: '^/.+$' } }];

function destination(input: RenderInput, variant: Variant, weight?: number): Record<string, unknown> {
  return {
    destination: { host: variantBackend(input, variant), port: { number: BACKEND_PORT } },
    ...(weight !== undefined ? { weight } : {}),
    headers: { response: { set: { [VARIANT_HEADER]: variant } } },
  };
}

function virtualService(input: RenderInput, name: string, host: string, http: Record<string, unknown>[], variant?: Variant): KubeObject {
  return {
    apiVersion: apiVersionOf(VirtualService),
    kind: VirtualService.kind,
    metadata: { name, namespace: input.namespace, labels: ownerLabels(input, variant) },
    spec: {
      gateways: [...input.ingress.gateways],
      hosts: [host],
      http,
    },
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A cohort as Istio HTTPMatchRequests: its headers as given; a cookie as a regex on the Cookie header (as Flagger writes it). */
export function istioMatchOf(rule: MatchRule): Record<string, unknown> {
  const headers: Record<string, Record<string, string>> = {};
  for (const [name, match] of Object.entries(rule.headers ?? {})) headers[name.toLowerCase()] = { ...match };
  if (rule.cookie) headers.cookie = { regex: `^(.*?;\\s*)?(${escapeRegex(rule.cookie.name)}=${escapeRegex(rule.cookie.value)})(;.*)?$` };
  return { ...MATCH_ALL[0], headers };
}

function mirrorOf(input: RenderInput): Record<string, unknown> {
  if (!input.mirror) return {};
  const target = { host: variantBackend(input, 'canary'), port: { number: BACKEND_PORT } };
  const percentage = { value: input.mirror.percent };
  return input.mirror.istioField === 'mirror' ? { mirror: target, mirrorPercentage: percentage } : { mirrors: [{ destination: target, percentage }] };
}

/** The routes that reach the canary whatever the weight: by `x-kcanary-variant: canary`, and each A/B cohort. */
function canaryRoutes(input: RenderInput, name: string): Record<string, unknown>[] {
  const byHeader = { name: `${name}-canary-header`, match: [{ ...MATCH_ALL[0], headers: { [VARIANT_HEADER]: { exact: 'canary' } } }], route: [destination(input, 'canary')] };
  const cohorts = (input.match ?? []).map((rule, i) => ({ name: `${name}-match-${i}`, match: [istioMatchOf(rule)], route: [destination(input, 'canary')] }));
  return [byHeader, ...cohorts];
}

/** The public VirtualService `<name>-predictor`, weighted between the two variants (canary routes and mirror only while it runs). */
export function renderSplitVirtualService(input: RenderInput, canaryWeight: number, canaryRunning = true): KubeObject {
  const w = splitWeights(canaryWeight);
  const name = predictorServiceName(input.name);
  const split = { match: MATCH_ALL, name, route: [destination(input, 'primary', w.primary), destination(input, 'canary', w.canary)], ...(canaryRunning ? mirrorOf(input) : {}) };
  return virtualService(input, name, publicHost(input), [...(canaryRunning ? canaryRoutes(input, name) : []), split]);
}

/** `<name>-<variant>-predictor` on `<name>-<variant>-predictor-<ns>.<domain>`. */
export function renderVariantVirtualService(input: RenderInput, variant: Variant): KubeObject {
  const name = predictorServiceName(variantServiceName(input, variant));
  return virtualService(input, name, variantHost(input, variant), [{ match: MATCH_ALL, name, route: [destination(input, variant)] }], variant);
}

export function renderIstio(input: RenderInput, state: TwoVariantState): KubeObject[] {
  return [
    ...renderVariantServices(input, state),
    renderSplitVirtualService(input, state.canaryWeight, state.canary === 'running'),
    renderVariantVirtualService(input, 'primary'),
    ...(state.canary !== 'absent' ? [renderVariantVirtualService(input, 'canary')] : []),
  ];
}

export function renderIstioAt(input: RenderInput, weight: number): KubeObject[] {
  return renderIstio(input, { primaryStorageUri: input.stableStorageUri, canary: 'running', canaryWeight: weight });
}
