/**
 * The ModelCanary CustomResourceDefinition, generated from the one zod
 * schema of the spec (src/core/spec.ts): no hand-kept copy to drift.
 */
import { z } from 'zod';
import { API_VERSION, KIND, modelCanarySpecSchema } from '../core/spec.js';
import { ModelCanaryResource } from '../kube/resources.js';
import { toStructuralSchema, type JsonSchema } from './structural-schema.js';

export const CRD_NAME = `${ModelCanaryResource.plural}.${ModelCanaryResource.group}`;

/** The OpenAPI v3 schema of `spec`, structural, KServe's PredictorSpec passed through. */
export function specOpenApiSchema(): JsonSchema {
  const json = z.toJSONSchema(modelCanarySpecSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return toStructuralSchema(json);
}

/**
 * In a cluster `spec.router` is required and names a cluster router: the
 * operator is the only reader of a ModelCanary object, and `local` (the
 * file's default) means nothing to it. The API server then refuses a
 * ModelCanary without one at `kubectl apply`, naming the field, instead of
 * the operator guessing a mesh (docs/adr/cluster-router-required.md).
 */
function clusterSpecSchema(): JsonSchema {
  const spec = specOpenApiSchema() as JsonSchema & { properties: Record<string, JsonSchema & { enum?: string[] }>; required?: string[] };
  const router = spec.properties.router!;
  const clusterRouters = (router.enum ?? []).filter((r) => r !== 'local');
  return {
    ...spec,
    description: 'What to roll out and how (see kcanary validate).',
    properties: { ...spec.properties, router: { ...router, enum: clusterRouters, description: `How KServe's traffic is split: ${clusterRouters.join(', ')} (required in a cluster; \`local\` rollouts run with \`kcanary up\`).` } },
    required: [...new Set([...(spec.required ?? []), 'router'])],
  } as JsonSchema;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

/** Columns of `kubectl get modelcanaries`, read like `kubectl get isvc`. */
const PRINTER_COLUMNS = [
  { name: 'Router', type: 'string', jsonPath: '.spec.router' },
  { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  { name: 'Weight', type: 'integer', jsonPath: '.status.canaryWeight', description: 'Canary weight, percent' },
  { name: 'Step', type: 'string', jsonPath: '.status.step', description: 'Step in force / steps' },
  { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

export function modelCanaryCrd(options: { labels?: Record<string, string> } = {}): CustomResourceDefinition {
  const version = API_VERSION.split('/')[1]!;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/name': 'kcanary', ...options.labels } },
    spec: {
      group: ModelCanaryResource.group,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: ModelCanaryResource.plural, singular: 'modelcanary', shortNames: ['mc', 'mcanary'], categories: ['kcanary'] },
      versions: [{
        name: version,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: PRINTER_COLUMNS,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: 'A canary rollout of a new model version served by KServe.',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: clusterSpecSchema(),
              // Written by the operator only; its shape is core/status.ts plus the operator's bookkeeping.
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
            required: ['spec'],
          },
        },
      }],
    },
  };
}
