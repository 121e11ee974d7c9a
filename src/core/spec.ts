/**
 * The ModelCanary resource as one schema: the source of the parser, the
 * normalized types, and (by generation) the CRD and JSON Schema.
 *
 * Durations are written as "30s"/"1m"/seconds and parsed to milliseconds.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';

export const API_VERSION = 'kcanary.io/v1alpha1';
export const KIND = 'ModelCanary';

export const Router = { Local: 'local', Knative: 'knative', KserveRaw: 'kserve-raw', Istio: 'istio', GatewayApi: 'gateway-api' } as const;
export type Router = (typeof Router)[keyof typeof Router];
export const ROUTERS = Object.values(Router) as [Router, ...Router[]];

export const Judge = { Sequential: 'sequential', Threshold: 'threshold' } as const;
export type Judge = (typeof Judge)[keyof typeof Judge];

/** Built-in metric names; any other name is a custom PromQL metric (`query:`). */
export const BuiltinMetric = {
  ErrorRate: 'error-rate',
  LatencyP50: 'latency-p50',
  LatencyP90: 'latency-p90',
  LatencyP95: 'latency-p95',
  LatencyP99: 'latency-p99',
  PredictionAgreement: 'prediction-agreement',
  PredictionShift: 'prediction-shift',
} as const;
export type BuiltinMetric = (typeof BuiltinMetric)[keyof typeof BuiltinMetric];

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = z.string().max(63, 'must be at most 63 characters').regex(DNS_1123_LABEL, 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit');

/** A whole percent of traffic. */
export const weightSchema = z.number({ error: 'must be a number' }).int('must be a whole percent').min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');

function duration(defaultValue: string) {
  return z
    .union([z.string(), z.number()], { error: 'must be a duration such as 30s or 1m' })
    .default(defaultValue)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (typeof ms === 'number') return ms;
      ctx.addIssue({ code: 'custom', message: ms.error });
      return z.NEVER;
    });
}

const optionalDuration = z
  .union([z.string(), z.number()], { error: 'must be a duration such as 30s or 1m' })
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (typeof ms === 'number') return ms;
    ctx.addIssue({ code: 'custom', message: ms.error });
    return z.NEVER;
  })
  .optional();

/** The type of a wrong value as a user reads it: number, string, array, null. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value;
}

/** "is required: …" when the field is absent; when it is there with the wrong type, that type. */
function required(message: string, expected: 'an object' | 'a string') {
  return (issue: { readonly input?: unknown }): string =>
    issue.input === undefined ? `is required: ${message}` : `expected ${expected}, got ${typeName(issue.input)}`;
}

/** A KServe spec fragment kcanary passes through untouched (PredictorSpec). */
const passthroughObject = z.record(z.string(), z.unknown());

const predictorSchema = z
  .looseObject({
    model: z.looseObject({
      storageUri: z.string({ error: required('the URI of the model the primary serves', 'a string') }).min(1, 'must not be empty'),
      modelFormat: z.looseObject({ name: z.string() }).optional(),
    }, { error: required('a KServe model spec with storageUri', 'an object') }),
  }, { error: required('the KServe predictor both variants share', 'an object') });

const canarySchema = z.strictObject({
  storageUri: z.string({ error: required('the URI of the new model version', 'a string') }).min(1, 'must not be empty'),
  /** Fields of the predictor that differ for the canary (image, resources, ...). */
  predictor: passthroughObject.optional(),
}, { error: required('the new model version (storageUri)', 'an object') });

const headerMatchSchema = z.strictObject({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  regex: z.string().optional(),
});

/** One A/B cohort that always reaches the canary while it runs (as Flagger's Istio `match`): all its headers, or its cookie. */
const matchRuleSchema = z.strictObject({
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name'), headerMatchSchema).optional(),
  cookie: z.strictObject({ name: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a cookie name'), value: z.string().min(1, 'must not be empty') }).optional(),
});

export const rolloutSchema = z.strictObject({
  steps: z.array(weightSchema).min(1, 'must list at least one weight').optional(),
  stepWeight: z.number().int('must be a whole percent').min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100').optional(),
  maxWeight: z.number().int('must be a whole percent').min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100').optional(),
  interval: duration('1m'),
  pauseBefore: z.array(weightSchema).default([]),
  /** Percent of the requests the primary serves that are also sent to the canary (its answer discarded). */
  mirror: weightSchema.default(0),
  /** How long variants may take to become Ready before the rollout gives up. */
  progressDeadline: duration('10m'),
  /** What happens to the canary's replicas after promotion or rollback (two-InferenceService routers). */
  canaryCleanup: z.enum(['delete', 'scale-to-zero']).default('delete'),
  /** Cohorts routed to the canary whatever the weight (istio, gateway-api). */
  match: z.array(matchRuleSchema).default([]),
});

export const metricSchema = z.strictObject({
  name: z.string({ error: 'is required' }).min(1, 'must not be empty'),
  /** Upper bound: a percent for error-rate, a duration for latency, a number otherwise. */
  max: z.union([z.number(), z.string()]).optional(),
  /** Lower bound, e.g. prediction-agreement in percent. */
  min: z.number().optional(),
  /** prediction-agreement: two answers agree when they differ by at most this much. */
  tolerance: z.number().nonnegative('must not be negative').optional(),
  /** Custom PromQL; {{variant}}, {{namespace}}, {{interval}}, {{name}} are filled in. */
  query: z.string().optional(),
});

const detectSchema = z.strictObject({
  errorRate: z.number().gt(1, 'must be a ratio above 1 (2 = a doubled error rate)').default(2),
  latency: z.number().gt(1, 'must be a slow-down factor above 1 (1.2 = 20% slower)').default(1.2),
  disagreement: z.number().gt(0, 'must be a rate between 0 and 1').lt(1, 'must be a rate between 0 and 1').default(0.01),
});

const DEFAULT_METRICS = [
  { name: BuiltinMetric.ErrorRate, max: 1 },
  { name: BuiltinMetric.LatencyP99, max: '500ms' },
];

export const analysisSchema = z.strictObject({
  /** sequential: anytime-valid e-processes, judged every tick (ANALYSIS.md); threshold: each metric against its bound once per interval. */
  judge: z.enum([Judge.Sequential, Judge.Threshold]).default(Judge.Sequential),
  metrics: z.array(metricSchema).default(DEFAULT_METRICS),
  /** Failed analyses tolerated; one more rolls back. */
  failureLimit: z.number().int().min(0, 'must not be negative').default(1),
  /** Inconclusive analyses (no or too little data) tolerated before the rollout pauses for a person. */
  inconclusiveLimit: z.number().int().min(0, 'must not be negative').default(2),
  /** Canary requests an analysis window needs; fewer is inconclusive, never a pass. */
  minRequests: z.number().int().min(0, 'must not be negative').default(10),
  /** sequential judge: the most false rollbacks accepted (α). */
  maxFalseRollback: z.number().gt(0, 'must be between 0 and 0.5').max(0.5, 'must be between 0 and 0.5').default(0.01),
  detect: detectSchema.prefault({}),
  /** sequential judge: the least time a step lasts, even when the evidence is in (default: rollout.interval). */
  minSoak: optionalDuration,
  /** sequential judge: with no alarm by then, the step passes (default: twice rollout.interval). */
  stepTimeout: optionalDuration,
  /** Metrics provider for cluster routers: Prometheus address. */
  prometheus: z.strictObject({ address: z.string().url('must be a URL') }).optional(),
  /** Where KServe's inference logger sends predictions (default: the kcanary-collector Service that `kcanary install` adds). */
  collector: z.strictObject({ url: z.string().url('must be a URL') }).optional(),
});

const upstreamSchema = z.strictObject({ url: z.string().url('must be a URL such as http://127.0.0.1:9001') });

export const localSchema = z.strictObject({
  gateway: z.strictObject({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535, 'must be a port number').default(8080),
    /** A whole request head must arrive this long after its first byte (408 and close), a response head too (502). */
    headTimeout: duration('60s'),
  }).prefault({}),
  /** A command serving the KServe V1 or V2 protocol; {port}, {storageUri}, {modelName} are filled in per variant. */
  command: z.array(z.string()).min(1, 'must name a program').optional(),
  primary: upstreamSchema.optional(),
  canary: upstreamSchema.optional(),
  readyTimeout: duration('60s'),
  /** Sticky routing: the same header or cookie value always reaches the same variant. */
  sticky: z.strictObject({ header: z.string().optional(), cookie: z.string().optional() }).optional(),
  /** Where the rollout state is kept, relative to the spec file. */
  stateDir: z.string().default('.kcanary'),
});

const ingressSchema = z.strictObject({
  /** Domain of the public hosts: <name>-predictor-<namespace>.<domain>. */
  domain: z.string().default('example.com'),
  /** Istio gateways the VirtualServices bind to. */
  gateways: z.array(z.string()).default(['knative-serving/knative-ingress-gateway']),
  /** Gateway API parents of the HTTPRoute. */
  parentRefs: z.array(z.strictObject({ name: z.string(), namespace: z.string().optional(), sectionName: z.string().optional() })).default([]),
  /** How the istio router mirrors: `mirrors` with a percentage (Istio ≥ 1.22), or the older `mirror` + `mirrorPercentage`. */
  istioMirror: z.enum(['mirrors', 'mirror']).default('mirrors'),
});

const kserveSchema = z.strictObject({
  /** The cluster's KServe release (e.g. "0.15"): names the deploymentMode (Standard/Knative from 0.16, RawDeployment/Serverless before). Default: what the live InferenceService records, else a current release. */
  version: z.string().regex(/^v?\d+\.\d+(\.\d+)?$/, 'must be a KServe release such as 0.15 or 0.20.1').optional(),
});

export const WebhookType = {
  PreRollout: 'pre-rollout',
  Rollout: 'rollout',
  ConfirmPromotion: 'confirm-promotion',
  PostRollout: 'post-rollout',
} as const;
export type WebhookType = (typeof WebhookType)[keyof typeof WebhookType];

const webhookSchema = z.strictObject({
  name: z.string().min(1),
  type: z.enum(Object.values(WebhookType) as [WebhookType, ...WebhookType[]]),
  url: z.string().url('must be a URL'),
  timeout: duration('10s'),
  metadata: z.record(z.string(), z.string()).optional(),
});

export const modelCanarySpecSchema = z.strictObject({
  router: z.enum(ROUTERS, { error: `must be one of ${ROUTERS.join(', ')}` }).default(Router.Local),
  /** The served model name, the same on both variants (defaults to metadata.name). */
  modelName: z.string().regex(/^[A-Za-z0-9][-_.A-Za-z0-9]*$/, 'must be a model name: letters, digits, "-", "_" or "."').optional(),
  predictor: predictorSchema,
  canary: canarySchema,
  rollout: rolloutSchema.prefault({}),
  analysis: analysisSchema.prefault({}),
  local: localSchema.optional(),
  ingress: ingressSchema.prefault({}),
  kserve: kserveSchema.prefault({}),
  webhooks: z.array(webhookSchema).default([]),
}, { error: required('predictor, canary and how to roll out', 'an object') });

export const modelCanarySchema = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
  kind: z.literal(KIND, { error: `must be ${KIND}` }),
  metadata: z.looseObject({
    name: dnsLabel,
    namespace: dnsLabel.optional(),
  }, { error: required('metadata.name names the canary', 'an object') }),
  spec: modelCanarySpecSchema.describe('spec'),
  status: z.unknown().optional(),
});

/** What the parser returns, before normalization derives the step schedule. */
export type ParsedModelCanary = z.output<typeof modelCanarySchema>;
export type MetricSpec = z.output<typeof metricSchema>;
export type MatchRule = z.output<typeof matchRuleSchema>;
export type WebhookSpec = z.output<typeof webhookSchema>;
export type LocalSpec = z.output<typeof localSchema>;
export type IngressSpec = z.output<typeof ingressSchema>;
export type AnalysisSpec = z.output<typeof analysisSchema>;
export type RolloutSpec = z.output<typeof rolloutSchema>;

/** A metric after its bound has been read according to its kind. */
export type MetricCheck =
  | { readonly name: string; readonly kind: 'error-rate'; readonly maxPercent: number }
  | { readonly name: string; readonly kind: 'latency'; readonly quantile: number; readonly maxMs: number }
  | { readonly name: string; readonly kind: 'prediction-agreement'; readonly minPercent: number; readonly tolerance: number }
  | { readonly name: string; readonly kind: 'prediction-shift'; readonly max: number }
  | { readonly name: string; readonly kind: 'custom'; readonly query: string; readonly min?: number; readonly max?: number };

/** The normalized, frozen ModelCanary every other part of kcanary works from. */
export interface ModelCanary {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof KIND;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly spec: Readonly<Omit<ParsedModelCanary['spec'], 'rollout' | 'analysis'>> & {
    readonly modelName: string;
    readonly rollout: Readonly<ParsedModelCanary['spec']['rollout']> & { readonly steps: readonly number[] };
    readonly analysis: Readonly<AnalysisSpec> & { readonly checks: readonly MetricCheck[] };
  };
}

/** Whether the judgment reads the models' answers (prediction-agreement or prediction-shift): the variants then log them. */
export function judgesPredictions(canary: ModelCanary): boolean {
  return canary.spec.analysis.checks.some((c) => c.kind === 'prediction-agreement' || c.kind === 'prediction-shift');
}
