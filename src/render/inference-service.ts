/** One KServe InferenceService (v1beta1) from the shared predictor and a model version. */
import type { KubeObject } from '../kube/resources.js';
import { InferenceService, apiVersionOf } from '../kube/resources.js';
import { LOGGER_METADATA_HEADERS, ownerLabels, type RenderInput, type Variant } from './input.js';

export const ANNOTATIONS = {
  deploymentMode: 'serving.kserve.io/deploymentMode',
  tagRouting: 'serving.kserve.io/enable-tag-routing',
} as const;

/**
 * KServe ≥ 0.16 calls the modes "Standard" and "Knative" and still accepts the
 * older "RawDeployment" and "Serverless"; releases before that know only the
 * old names (kserve-names.ts chooses).
 */
export const DeploymentMode = { Serverless: 'Serverless', Knative: 'Knative', RawDeployment: 'RawDeployment', Standard: 'Standard' } as const;
export type DeploymentMode = (typeof DeploymentMode)[keyof typeof DeploymentMode];

type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge of plain objects; arrays and scalars of `over` replace those of `base`. */
export function mergeObjects(base: Readonly<Json>, over: Readonly<Json>): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeObjects(current, value) : value;
  }
  return out;
}

/**
 * The predictor of a variant: the shared spec, the canary's overrides, this
 * storageUri, and — when the InferenceService's name is not the model's — the
 * `--model_name` argument, so every variant serves the same predict path.
 */
export function variantPredictor(input: RenderInput, variant: Variant, storageUri: string, isvcName: string): Json {
  const shared = variant === 'canary' && input.canaryPredictor ? mergeObjects(input.predictor, input.canaryPredictor) : { ...input.predictor };
  const model: Json = { ...(isPlainObject(shared.model) ? shared.model : {}), storageUri };
  const args = Array.isArray(model.args) ? (model.args as unknown[]).map(String) : [];
  if (isvcName !== input.modelName && !args.some((a) => a === '--model_name' || a.startsWith('--model_name='))) {
    model.args = [...args, `--model_name=${input.modelName}`];
  }
  // The judgment reads the answers: KServe's agent logs every request and response to the collector.
  const logger = input.logger ? { logger: { mode: 'all', url: input.logger.url, metadataHeaders: [...LOGGER_METADATA_HEADERS] } } : {};
  return { ...shared, model, ...logger };
}

export function renderInferenceService(options: {
  input: RenderInput;
  name: string;
  variant?: Variant;
  mode: DeploymentMode | string;
  annotations?: Record<string, string>;
  spec: Json;
}): KubeObject {
  const { input, name, variant, mode, annotations, spec } = options;
  return {
    apiVersion: apiVersionOf(InferenceService),
    kind: InferenceService.kind,
    metadata: {
      name,
      namespace: input.namespace,
      labels: ownerLabels(input, variant),
      annotations: { [ANNOTATIONS.deploymentMode]: mode, ...annotations },
    },
    spec,
  };
}
