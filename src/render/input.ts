/**
 * What the renderers need from a ModelCanary, in one flat value, plus the
 * derived names and hosts. Pure: no I/O, deterministic.
 */
import { judgesPredictions, type MatchRule, type ModelCanary } from '../core/spec.js';

/** The Service `kcanary install` adds for the prediction collector, in its default namespace. */
export const DEFAULT_COLLECTOR_URL = 'http://kcanary-collector.kcanary-system.svc.cluster.local';
/** The request headers the inference logger passes on: pairing mirrored answers, and leaving header-routed ones out. */
export const LOGGER_METADATA_HEADERS = ['X-Request-Id', 'X-Kcanary-Variant'] as const;

export interface ParentRef {
  readonly name: string;
  readonly namespace?: string;
  readonly sectionName?: string;
}

export interface RenderInput {
  /** metadata.name of the ModelCanary: the base of every derived name. */
  readonly name: string;
  readonly namespace: string;
  /** The served model name, identical on both variants (same predict path). */
  readonly modelName: string;
  /** The KServe PredictorSpec both variants share. */
  readonly predictor: Readonly<Record<string, unknown>>;
  /** Fields of the predictor that differ for the canary. */
  readonly canaryPredictor?: Readonly<Record<string, unknown>>;
  /** The version serving as primary, and the one under test. */
  readonly stableStorageUri: string;
  readonly canaryStorageUri: string;
  /** The cluster's KServe release, when the spec names it (deploymentMode names). */
  readonly kserveVersion?: string;
  readonly ingress: {
    /** Public hosts are <name>-predictor-<namespace>.<domain>. */
    readonly domain: string;
    /** Istio gateways of the VirtualServices. */
    readonly gateways: readonly string[];
    /** Gateway API parents of the HTTPRoute. */
    readonly parentRefs: readonly ParentRef[];
  };
  /** Percent of the public route's requests also sent to the canary, and the Istio field that says so. */
  readonly mirror?: { readonly percent: number; readonly istioField: 'mirrors' | 'mirror' };
  /** Cohorts that reach the canary whatever the weight. */
  readonly match?: readonly MatchRule[];
  /** KServe's inference logger on every predictor kcanary manages, when the judgment reads answers. */
  readonly logger?: { readonly url: string };
}

/** Maps the normalized spec (and the versions in play, from the status) to a RenderInput. */
export function renderInputFrom(canary: ModelCanary, versions: { stableStorageUri: string; canaryStorageUri: string }, defaultNamespace = 'default'): RenderInput {
  const spec = canary.spec;
  return {
    name: canary.metadata.name,
    namespace: canary.metadata.namespace ?? defaultNamespace,
    modelName: spec.modelName,
    predictor: spec.predictor as Record<string, unknown>,
    ...(spec.canary.predictor ? { canaryPredictor: spec.canary.predictor } : {}),
    stableStorageUri: versions.stableStorageUri,
    canaryStorageUri: versions.canaryStorageUri,
    ...(spec.kserve?.version ? { kserveVersion: spec.kserve.version } : {}),
    ingress: { domain: spec.ingress.domain, gateways: spec.ingress.gateways, parentRefs: spec.ingress.parentRefs },
    ...(spec.rollout.mirror > 0 ? { mirror: { percent: spec.rollout.mirror, istioField: spec.ingress.istioMirror } } : {}),
    ...(spec.rollout.match.length > 0 ? { match: spec.rollout.match } : {}),
    ...(judgesPredictions(canary) ? { logger: { url: spec.analysis.collector?.url ?? DEFAULT_COLLECTOR_URL } } : {}),
  };
}

export const Variant = { Primary: 'primary', Canary: 'canary' } as const;
export type Variant = (typeof Variant)[keyof typeof Variant];

/** The response header every route sets, so a split can be counted exactly from outside. */
export const VARIANT_HEADER = 'x-kcanary-variant';

export const LABELS = { managedBy: 'app.kubernetes.io/managed-by', canary: 'kcanary.io/canary', variant: 'kcanary.io/variant' } as const;

export function ownerLabels(input: RenderInput, variant?: Variant): Record<string, string> {
  return { [LABELS.managedBy]: 'kcanary', [LABELS.canary]: input.name, ...(variant ? { [LABELS.variant]: variant } : {}) };
}

/** `<name>-primary` / `<name>-canary`: the InferenceService of a variant. */
export function variantServiceName(input: RenderInput, variant: Variant): string {
  return `${input.name}-${variant}`;
}

/** The Kubernetes Service KServe creates for a RawDeployment predictor. */
export function predictorServiceName(isvcName: string): string {
  return `${isvcName}-predictor`;
}

export function publicHost(input: RenderInput): string {
  return `${input.name}-predictor-${input.namespace}.${input.ingress.domain}`;
}

export function variantHost(input: RenderInput, variant: Variant): string {
  return `${predictorServiceName(variantServiceName(input, variant))}-${input.namespace}.${input.ingress.domain}`;
}

/** FNV-1a, 32 bits, as 8 hex digits: short, deterministic names derived from a model URI. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
