/**
 * Validates objects against the OpenAPI v3 schemas of real CRDs, the way the
 * API server reads them: types and formats of the structural schema,
 * `nullable`, `x-kubernetes-int-or-string`, `x-kubernetes-preserve-unknown-fields`,
 * `x-kubernetes-embedded-resource`, `x-kubernetes-list-type` (set, and map
 * with `x-kubernetes-list-map-keys`), enum, pattern, bounds, required, and
 * the value-only allOf/anyOf/oneOf/not of structural schemas.
 *
 * One difference on purpose: a field the schema does not know is an error
 * here, where the API server silently prunes it — for kcanary a pruned field
 * is a rendering bug. CEL rules (`x-kubernetes-validations`) are not evaluated.
 *
 * An interpreter rather than a compiled validator: the KServe schema is ~2 MB
 * and compiling it (ajv) takes half a minute; walking only the fields an
 * object has takes microseconds.
 */

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  format?: string;
  nullable?: boolean;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
}

export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

interface CrdDocument {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[] };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(type: string, value: unknown): boolean {
  const actual = typeOfValue(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

const FORMAT_CHECKS: Record<string, (v: unknown) => boolean> = {
  int32: (v) => typeof v !== 'number' || (v >= -(2 ** 31) && v < 2 ** 31),
  'date-time': (v) => typeof v !== 'string' || !Number.isNaN(Date.parse(v)),
};

const patterns = new Map<string, RegExp>();
/** Kubernetes patterns are RE2; nearly all are valid JS with the u flag, the rest without it. */
function patternOf(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    try {
      re = new RegExp(source, 'u');
    } catch {
      re = new RegExp(source);
    }
    patterns.set(source, re);
  }
  return re;
}

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/** All issues of `value` against `schema`, with dot paths (`spec.canary[0].trafficPercent`). */
export function validateAgainst(schema: Schema, value: unknown, path = '', root = false): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const issue = (message: string, at = path) => issues.push({ path: at || '(root)', message });

  if (value === null) {
    if (!schema.nullable && schema.type !== undefined) issue('must not be null');
    return issues;
  }
  if (schema['x-kubernetes-int-or-string']) {
    if (!typeMatches('integer', value) && typeof value !== 'string') issue('must be an integer or a string');
  } else if (schema.type && !typeMatches(schema.type, value)) {
    issue(`must be ${schema.type}, not ${typeOfValue(value)}`);
    return issues;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) issue(`must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  if (schema.format && FORMAT_CHECKS[schema.format] && !FORMAT_CHECKS[schema.format]!(value)) issue(`must be a valid ${schema.format}`);

  if (typeof value === 'string') {
    if (schema.pattern !== undefined && !patternOf(schema.pattern).test(value)) issue(`must match ${schema.pattern}`);
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) issue(`must be at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && length > schema.maxLength) issue(`must be at most ${schema.maxLength} characters`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) issue(`must be ${schema.exclusiveMinimum ? '>' : '≥'} ${schema.minimum}`);
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) issue(`must be ${schema.exclusiveMaximum ? '<' : '≤'} ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) issue(`must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) issue(`must have at most ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => issues.push(...validateAgainst(schema.items!, item, join(path, i))));
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'set' && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) issue('must not repeat items (list-type set)');
    if (listType === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      const seen = new Set(value.map((v) => JSON.stringify(keys.map((k) => (isObject(v) ? v[k] : undefined)))));
      if (seen.size !== value.length) issue(`must not repeat the key (${keys.join(', ')}) (list-type map)`);
    }
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) issue(`must have at least ${schema.minProperties} fields`);
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) issue(`must have at most ${schema.maxProperties} fields`);
    for (const name of schema.required ?? []) if (!(name in value)) issue(`is required`, join(path, name));
    const implicit = root || schema['x-kubernetes-embedded-resource'] ? ['apiVersion', 'kind', 'metadata'] : [];
    for (const key of keys) {
      const sub = schema.properties?.[key];
      if (sub) {
        // ObjectMeta is validated by the API server itself, not by the CRD's schema.
        if (!(root && key === 'metadata')) issues.push(...validateAgainst(sub, value[key], join(path, key)));
      } else if (isObject(schema.additionalProperties)) {
        issues.push(...validateAgainst(schema.additionalProperties, value[key], join(path, key)));
      } else if (implicit.includes(key) || schema.additionalProperties === true || schema['x-kubernetes-preserve-unknown-fields']) {
        continue;
      } else if (schema.properties || schema.additionalProperties === false || schema.type === 'object') {
        issue(`unknown field "${key}" (the API server would prune it)`, join(path, key));
      }
    }
  }
  // Structural schemas allow only value constraints inside these: they never add fields.
  for (const sub of schema.allOf ?? []) issues.push(...validateAgainst(sub, value, path));
  if (schema.anyOf && !schema.anyOf.some((s) => validateAgainst(s, value, path).length === 0)) issue('must match at least one of anyOf');
  if (schema.oneOf && schema.oneOf.filter((s) => validateAgainst(s, value, path).length === 0).length !== 1) issue('must match exactly one of oneOf');
  if (schema.not && validateAgainst(schema.not, value, path).length === 0) issue('must not match the "not" schema');
  return issues;
}

export class CrdValidator {
  private readonly schemas = new Map<string, Schema>();

  constructor(crds: readonly unknown[]) {
    for (const crd of crds as CrdDocument[]) {
      for (const version of crd.spec.versions) {
        const schema = version.schema?.openAPIV3Schema;
        if (schema) this.schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, schema);
      }
    }
  }

  /** The problems of one object; empty when the API server would take it as it is. */
  validate(object: { apiVersion?: string; kind?: string }): SchemaIssue[] {
    const schema = this.schemas.get(`${object.apiVersion}/${object.kind}`);
    if (!schema) return [{ path: '(root)', message: `no CRD schema for ${object.apiVersion} ${object.kind}` }];
    return validateAgainst(schema, object, '', true);
  }
}
