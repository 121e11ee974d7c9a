/**
 * The names KServe and Knative give to what they create, as their source
 * computes them (kserve/kserve pkg/constants/constants.go; Knative Serving's
 * revision naming), and the deploymentMode names each KServe release knows.
 * Pure; every name kcanary queries or routes to comes from here.
 */
import { shortHash } from './input.js';

/**
 * constants.PredictorServiceName: the predictor's Deployment, Service and
 * Knative Service are `<isvc>-predictor`, or `<isvc>-<predictor.name>-predictor`
 * when the predictor is named (so naming it replaces them).
 */
export function kservePredictorName(isvcName: string, predictorName?: string): string {
  return predictorName ? `${isvcName}-${predictorName}-predictor` : `${isvcName}-predictor`;
}

/** Knative names a revision kmeta.ChildName(configuration, "-%05d" of its generation): `<isvc>-predictor-00002`. */
export function isKnativeRevisionOf(revision: string, isvcName: string): boolean {
  return new RegExp(`^${kservePredictorName(isvcName).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{5}$`).test(revision);
}

/** The generation part of a Knative revision name, or -1. */
export function knativeRevisionNumber(revision: string | undefined): number {
  const match = revision ? /-(\d{5,})$/.exec(revision) : null;
  return match ? Number(match[1]) : -1;
}

/**
 * The `predictor.name` of a canary entry (spec.canary[]) for a model version:
 * the user's, or `v` and a hash of the storageUri. Short, so that
 * `<isvc>-<name>-predictor` stays a DNS label; not "canary", as it keeps the
 * name once promoted.
 */
export function canaryPredictorName(storageUri: string, own?: unknown): string {
  return typeof own === 'string' && own ? own : `v${shortHash(storageUri)}`;
}

/**
 * KServe 0.16 renamed the modes (constants.go: Standard and Knative; the
 * old RawDeployment and Serverless are legacy aliases it still accepts and
 * rewrites). Releases before 0.16 know only the old names and treat any other
 * value as "use the cluster default". spec.canary[] needs exactly "Standard".
 */
export const DeploymentModeName = {
  Knative: 'Knative',
  Standard: 'Standard',
  LegacyServerless: 'Serverless',
  LegacyRawDeployment: 'RawDeployment',
} as const;
export type DeploymentModeName = (typeof DeploymentModeName)[keyof typeof DeploymentModeName];

export type ModeKind = 'knative' | 'raw';

/** Whether a KServe release ("0.15", "v0.20.1") uses the current names; unknown or absent: it does. */
export function usesCurrentModeNames(kserveVersion: string | undefined): boolean {
  const match = kserveVersion ? /^v?(\d+)\.(\d+)/.exec(kserveVersion) : null;
  if (!match) return true;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 0 || minor >= 16;
}

export function deploymentModeName(kind: ModeKind, kserveVersion?: string): DeploymentModeName {
  const current = usesCurrentModeNames(kserveVersion);
  if (kind === 'knative') return current ? DeploymentModeName.Knative : DeploymentModeName.LegacyServerless;
  return current ? DeploymentModeName.Standard : DeploymentModeName.LegacyRawDeployment;
}

/**
 * The name to write on an InferenceService that already exists: the mode its
 * controller recorded in status.deploymentMode (KServe's validation refuses an
 * annotation that differs from it), else what it carries, else by version.
 */
export function deploymentModeFor(kind: ModeKind, kserveVersion: string | undefined, live?: { annotation?: string; statusMode?: string }): string {
  return live?.statusMode || live?.annotation || deploymentModeName(kind, kserveVersion);
}
