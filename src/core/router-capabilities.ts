/**
 * What each router can measure and route, so that validation tells the truth:
 * a spec that asks for a mirror, a cohort or a metric its router cannot give
 * is refused with the field and what to do, instead of being accepted and
 * never deciding. Pure.
 */
import type { FieldIssue } from '../errors.js';
import { Router, type MetricCheck } from './spec.js';

/** Routers that send a copy of requests to the canary: the local gateway and the two meshes. */
export const MIRRORING_ROUTERS: readonly Router[] = [Router.Local, Router.Istio, Router.GatewayApi];
/** Routers that can send a cohort (headers, cookie) to the canary. */
export const MATCHING_ROUTERS: readonly Router[] = [Router.Istio, Router.GatewayApi];

export function needsPrometheus(check: MetricCheck): boolean {
  return check.kind === 'error-rate' || check.kind === 'latency' || check.kind === 'custom';
}

export interface CapabilityInput {
  readonly router: Router;
  readonly mirror: number | undefined;
  readonly matchRules: number | undefined;
  /** Whether spec.analysis.prometheus.address is set; undefined when that section could not be read. */
  readonly hasPrometheus: boolean | undefined;
  readonly checks: readonly { readonly index: number; readonly check: MetricCheck }[];
}

export function checkRouterCapabilities(input: CapabilityInput, errors: FieldIssue[], warnings: FieldIssue[]): void {
  const { router } = input;
  if (input.mirror !== undefined && input.mirror > 0 && !MIRRORING_ROUTERS.includes(router)) {
    errors.push({
      path: 'spec.rollout.mirror',
      message: `router ${router} cannot mirror requests (Knative and KServe's own canary split only by weight): remove it, and judge the models' answers with prediction-shift on split traffic`,
    });
  }
  if (input.matchRules !== undefined && input.matchRules > 0 && !MATCHING_ROUTERS.includes(router)) {
    errors.push({
      path: 'spec.rollout.match',
      message: router === Router.Local
        ? 'the local gateway routes cohorts with spec.local.sticky, not match rules'
        : `router ${router} cannot route cohorts by header or cookie: use router istio or gateway-api, or remove the match rules`,
    });
  }
  const splitShift = input.checks.find(({ check }) => check.kind === 'prediction-shift');
  if (splitShift && input.mirror === 0 && (input.matchRules ?? 0) > 0) {
    warnings.push({
      path: 'spec.rollout.match',
      message: 'cohort requests reach the canary whatever the split, and their answers are compared as if split at random: prediction-shift on split traffic can then see a shift that is only the cohort\'s',
    });
  }
  if (router === Router.Local || input.hasPrometheus !== false) return;
  const measured = input.checks.filter(({ check }) => needsPrometheus(check));
  if (measured.length === 0) return;
  // The operator may have a default (--prometheus); without one the operator refuses the spec.
  warnings.push({
    path: 'spec.analysis.prometheus.address',
    message: `${measured.map(({ check }) => check.name).join(', ')} on router ${router} are read from Prometheus: set the address of the Prometheus that scrapes the predictors, unless the operator runs with --prometheus`,
  });
}
