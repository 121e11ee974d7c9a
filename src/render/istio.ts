/**
 * `istio` router ("Model Canary without Knative"): the two InferenceServices,
 * a VirtualService on the public host splitting by weight between
 * `<name>-primary-predictor` and `<name>-canary-predictor`, and one
 * VirtualService per variant on its own host for direct testing. Every route
 * sets `x-kcanary-variant`, so a split can be counted from outside.
 */
import { VirtualService, apiVersionOf, type KubeObject } from '../kube/resources.js';
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

function virtualService(input: RenderInput, name: string, host: string, route: Record<string, unknown>[], variant?: Variant): KubeObject {
  return {
    apiVersion: apiVersionOf(VirtualService),
    kind: VirtualService.kind,
    metadata: { name, namespace: input.namespace, labels: ownerLabels(input, variant) },
    spec: {
      gateways: [...input.ingress.gateways],
      hosts: [host],
      http: [{ match: MATCH_ALL, name, route }],
    },
  };
}

/** The public VirtualService `<name>-predictor`, weighted between the two variants. */
export function renderSplitVirtualService(input: RenderInput, canaryWeight: number): KubeObject {
  const w = splitWeights(canaryWeight);
  return virtualService(input, predictorServiceName(input.name), publicHost(input), [destination(input, 'primary', w.primary), destination(input, 'canary', w.canary)]);
}

/** `<name>-<variant>-predictor` on `<name>-<variant>-predictor-<ns>.<domain>`. */
export function renderVariantVirtualService(input: RenderInput, variant: Variant): KubeObject {
  const name = predictorServiceName(variantServiceName(input, variant));
  return virtualService(input, name, variantHost(input, variant), [destination(input, variant)], variant);
}

export function renderIstio(input: RenderInput, state: TwoVariantState): KubeObject[] {
  return [
    ...renderVariantServices(input, state),
    renderSplitVirtualService(input, state.canaryWeight),
    renderVariantVirtualService(input, 'primary'),
    ...(state.canary !== 'absent' ? [renderVariantVirtualService(input, 'canary')] : []),
  ];
}

export function renderIstioAt(input: RenderInput, weight: number): KubeObject[] {
  return renderIstio(input, { primaryStorageUri: input.stableStorageUri, canary: 'running', canaryWeight: weight });
}
