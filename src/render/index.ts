/**
 * Pure: spec → the exact Kubernetes manifests each router applies (also
 * `kcanary render`). No I/O.
 */
import { stringify } from 'yaml';
import type { Router } from '../core/spec.js';
import type { KubeObject } from '../kube/resources.js';
import { UsageError } from '../errors.js';
import { renderGatewayApiAt } from './gateway-api.js';
import type { RenderInput } from './input.js';
import { renderIstioAt } from './istio.js';
import { renderKnativeAt } from './knative.js';
import { renderKserveRawAt } from './kserve-raw.js';

export { renderInputFrom, type RenderInput } from './input.js';

const AT_WEIGHT: Readonly<Record<Exclude<Router, 'local'>, (input: RenderInput, weight: number) => KubeObject[]>> = {
  knative: renderKnativeAt,
  'kserve-raw': renderKserveRawAt,
  istio: renderIstioAt,
  'gateway-api': renderGatewayApiAt,
};

export const KUBE_ROUTERS = Object.keys(AT_WEIGHT) as Exclude<Router, 'local'>[];

/** The manifests of a rollout in progress with the canary at `weight` percent. */
export function renderAtWeight(router: Router, input: RenderInput, weight: number): KubeObject[] {
  if (router === 'local') throw new UsageError('router "local" has no Kubernetes manifests: it runs on this machine');
  const render = AT_WEIGHT[router];
  if (!render) throw new UsageError(`unknown router "${String(router)}" (known: ${KUBE_ROUTERS.join(', ')})`);
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) throw new UsageError(`weight must be a whole percent between 0 and 100, not ${weight}`);
  return render(input, weight);
}

/** Manifests as one multi-document YAML stream, as `kubectl apply -f` reads it. */
export function manifestsToYaml(manifests: readonly KubeObject[]): string {
  return manifests.map((m) => stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
