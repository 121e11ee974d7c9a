/**
 * JSON Schema (draft 2020-12, as zod writes it) → a structural OpenAPI v3
 * schema the Kubernetes API server accepts in a CRD. Kubernetes' dialect
 * differs in a few places: no `additionalProperties: false` next to
 * `properties` (unknown fields are pruned instead), boolean
 * `exclusiveMinimum`, one `type` per node, `x-kubernetes-preserve-unknown-fields`
 * for free-form objects. Defaults are left to the parser: the spec hash and
 * the CLI must see the document as the user wrote it.
 */

export type JsonSchema = { [key: string]: unknown };

/** Keys of JSON Schema that Kubernetes does not read, or reads differently. */
const DROPPED = new Set(['$schema', '$id', 'default', 'propertyNames', 'additionalProperties', 'exclusiveMinimum', 'exclusiveMaximum', 'const', 'type', '$defs', 'definitions', '$ref']);

const JS_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

export function toStructuralSchema(schema: JsonSchema, defs: Record<string, JsonSchema> = (schema.$defs as Record<string, JsonSchema>) ?? {}): JsonSchema {
  if (typeof schema.$ref === 'string') {
    const target = defs[schema.$ref.replace(/^#\/\$defs\//, '')];
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    return toStructuralSchema({ ...target, ...withoutKey(schema, '$ref') }, defs);
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key)) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, toStructuralSchema(v, defs)]));
    } else if (key === 'items') {
      out.items = toStructuralSchema(value as JsonSchema, defs);
    } else if (key === 'maximum' && value === JS_SAFE_INTEGER) {
      continue; // zod's bound for .int(), not the user's
    } else if (key === 'minimum' && value === -JS_SAFE_INTEGER) {
      continue;
    } else if (key === 'anyOf' || key === 'oneOf') {
      return freeForm(schema); // unions of differently typed values cannot be structural
    } else {
      out[key] = value;
    }
  }
  if ('const' in schema) out.enum = [schema.const];
  if (typeof schema.exclusiveMinimum === 'number') Object.assign(out, { minimum: schema.exclusiveMinimum, exclusiveMinimum: true });
  if (typeof schema.exclusiveMaximum === 'number') Object.assign(out, { maximum: schema.exclusiveMaximum, exclusiveMaximum: true });

  const type = schema.type;
  if (Array.isArray(type)) {
    // "30s" or 30: the schema parser reads it; the API server only keeps it.
    const kinds = new Set(type as string[]);
    if (kinds.size === 2 && kinds.has('string') && kinds.has('integer')) return { ...out, 'x-kubernetes-int-or-string': true };
    return freeForm(out);
  }
  if (type === undefined) return freeForm(out);
  out.type = type;
  if (type === 'object') {
    const extra = schema.additionalProperties;
    const hasProperties = out.properties !== undefined;
    if (extra && typeof extra === 'object') {
      const valueSchema = extra as JsonSchema;
      if (hasProperties || Object.keys(valueSchema).length === 0) out['x-kubernetes-preserve-unknown-fields'] = true;
      else out.additionalProperties = toStructuralSchema(valueSchema, defs);
    } else if (!hasProperties && extra !== false) {
      out['x-kubernetes-preserve-unknown-fields'] = true;
    }
  }
  return out;
}

/** A node any value fits; the schema parser checks it. */
function freeForm(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { 'x-kubernetes-preserve-unknown-fields': true };
  if (typeof schema.description === 'string') out.description = schema.description;
  return out;
}

function withoutKey(object: JsonSchema, key: string): JsonSchema {
  const { [key]: _dropped, ...rest } = object;
  return rest;
}
