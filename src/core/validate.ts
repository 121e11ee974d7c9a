/**
 * Spec validation: schema parse → normalize (defaults, derived steps) →
 * cross-field rules. Every problem names its field path; all of them are
 * collected, so a user fixes a spec in one go. Pure: reading files is the
 * caller's business.
 */
import type { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors.js';
import { parseDuration } from './duration.js';
import {
  BuiltinMetric, Judge, Router, modelCanarySchema,
  type MetricCheck, type MetricSpec, type ModelCanary, type ParsedModelCanary, type RolloutSpec,
} from './spec.js';
import { MIRRORING_ROUTERS, checkRouterCapabilities } from './router-capabilities.js';
import { isUsable, sectionsOfFailed, sectionsOfParsed, type Section, type SpecSections } from './spec-sections.js';

export interface ValidationResult {
  readonly canary?: ModelCanary;
  readonly errors: readonly FieldIssue[];
  readonly warnings: readonly FieldIssue[];
}

/** `['spec', 'rollout', 'steps', 2]` → `spec.rollout.steps[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(document)';
}

function issuesFromZod(error: z.ZodError): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
    } else if (issue.code === 'invalid_union' && issue.path.length === 0) {
      issues.push({ path: '(document)', message: issue.message });
    } else {
      issues.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return issues;
}

/** Validates a ModelCanary document (already decoded from YAML or JSON). */
export function validateModelCanary(document: unknown): ValidationResult {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return { errors: [{ path: '(document)', message: 'must be a ModelCanary object (apiVersion, kind, metadata, spec)' }], warnings: [] };
  }
  const parsed = modelCanarySchema.safeParse(document);
  const errors: FieldIssue[] = parsed.success ? [] : issuesFromZod(parsed.error);
  const warnings: FieldIssue[] = [];
  // The cross-field rules run on every section that parsed, so one run lists every problem.
  const sections = parsed.success ? sectionsOfParsed(parsed.data) : sectionsOfFailed(document as Record<string, unknown>, parsed.error.issues);
  const steps = deriveSteps(sections.rollout, errors);
  checkPauseBefore(sections.rollout, steps, errors);
  checkRouterSections(sections, errors, warnings);
  const checks = readMetricChecks(sections, errors);
  checkJudge(sections, checks, errors, warnings);
  if (sections.router !== undefined && checks) {
    const rollout = sections.rollout;
    checkRouterCapabilities({
      router: sections.router,
      mirror: isUsable(rollout, 'mirror') ? (rollout.data.mirror ?? 0) : undefined,
      matchRules: isUsable(rollout, 'match') ? (rollout.data.match?.length ?? 0) : undefined,
      hasPrometheus: isUsable(sections.analysis, 'prometheus') ? sections.analysis.data.prometheus !== undefined : undefined,
      checks,
    }, errors, warnings);
  }
  if (!parsed.success || errors.length || !steps || !checks) return { errors, warnings };
  const { spec } = parsed.data;
  const canary: ModelCanary = deepFreeze({
    ...parsed.data,
    metadata: parsed.data.metadata as ModelCanary['metadata'],
    spec: {
      ...spec,
      modelName: spec.modelName ?? parsed.data.metadata.name,
      local: spec.router === Router.Local ? (spec.local ?? defaultLocal()) : spec.local,
      rollout: { ...spec.rollout, steps },
      analysis: { ...spec.analysis, checks: checks.map((c) => c.check) },
    },
  });
  return { canary, errors, warnings };
}

/** Like validateModelCanary, but throws one ValidationError listing every problem. */
export function parseModelCanary(document: unknown, source?: string): { canary: ModelCanary; warnings: readonly FieldIssue[] } {
  const result = validateModelCanary(document);
  if (!result.canary) throw new ValidationError(result.errors, source === undefined ? {} : { source });
  return { canary: result.canary, warnings: result.warnings };
}

function defaultLocal(): NonNullable<ParsedModelCanary['spec']['local']> {
  const parsed = modelCanarySchema.shape.spec.shape.local.unwrap().parse({});
  return parsed;
}

function deriveSteps(rollout: Section<RolloutSpec> | undefined, errors: FieldIssue[]): number[] | undefined {
  if (!isUsable(rollout, 'steps', 'stepWeight', 'maxWeight')) return undefined;
  const { steps, stepWeight, maxWeight } = rollout.data;
  if (steps && stepWeight !== undefined) {
    errors.push({ path: 'spec.rollout.stepWeight', message: 'give either steps or stepWeight, not both' });
    return steps;
  }
  if (maxWeight !== undefined && stepWeight === undefined) {
    errors.push({ path: 'spec.rollout.maxWeight', message: 'goes with stepWeight' });
  }
  if (stepWeight !== undefined) {
    const max = maxWeight ?? 100;
    if (stepWeight > max) errors.push({ path: 'spec.rollout.stepWeight', message: `must not exceed maxWeight (${max})` });
    const derived: number[] = [];
    for (let w = stepWeight; w < max; w += stepWeight) derived.push(w);
    derived.push(max);
    return derived;
  }
  const list = steps ?? [20, 50, 100];
  list.forEach((weight, i) => {
    if (i > 0 && weight <= list[i - 1]!) {
      errors.push({ path: `spec.rollout.steps[${i}]`, message: `must be greater than the step before it (${list[i - 1]})` });
    }
  });
  return list;
}

function checkPauseBefore(rollout: Section<RolloutSpec> | undefined, steps: readonly number[] | undefined, errors: FieldIssue[]): void {
  if (!steps || !isUsable(rollout, 'pauseBefore')) return;
  (rollout.data.pauseBefore ?? []).forEach((weight, i) => {
    if (!steps.includes(weight)) {
      errors.push({ path: `spec.rollout.pauseBefore[${i}]`, message: `${weight} is not one of the steps (${steps.join(', ')})` });
    }
  });
}

function checkRouterSections(sections: SpecSections, errors: FieldIssue[], warnings: FieldIssue[]): void {
  const { router } = sections;
  if (router === undefined || sections.local === undefined) return;
  const local = sections.local.value;
  if (router !== Router.Local) {
    if (local) warnings.push({ path: 'spec.local', message: `is ignored with router: ${router}` });
    return;
  }
  if (!local) return;
  if (Boolean(local.primary) !== Boolean(local.canary)) {
    const missing = local.primary ? 'canary' : 'primary';
    errors.push({ path: `spec.local.${missing}`, message: 'is required when the other variant is given by url' });
  }
  if (local.command && (local.primary || local.canary)) {
    errors.push({ path: 'spec.local.command', message: 'give either a command or primary/canary urls, not both' });
  }
  if (local.sticky && !local.sticky.header && !local.sticky.cookie) {
    errors.push({ path: 'spec.local.sticky', message: 'needs a header or a cookie name' });
  }
}

/** The sequential judge has e-processes for the built-in metrics; custom PromQL metrics need the threshold judge. */
function checkJudge(sections: SpecSections, checks: readonly IndexedCheck[] | undefined, errors: FieldIssue[], warnings: FieldIssue[]): void {
  if (!checks || !isUsable(sections.analysis, 'judge') || (sections.analysis.data.judge ?? Judge.Sequential) !== Judge.Sequential) return;
  for (const { index, check } of checks) {
    if (check.kind === 'custom') warnings.push({ path: `spec.analysis.metrics[${index}]`, message: `custom metric "${check.name}" is judged only with judge: threshold` });
  }
  // Only a list read whole can be said to hold nothing but custom metrics.
  if (sections.allMetricsParsed && checks.length > 0 && checks.length === sections.metrics?.length && checks.every((c) => c.check.kind === 'custom')) {
    errors.push({ path: 'spec.analysis.judge', message: 'sequential needs a built-in metric (error-rate, latency-pNN, prediction-agreement, prediction-shift); use threshold for custom metrics only' });
  }
}

const LATENCY = /^latency-p(\d{1,2}(?:\.\d+)?)$/;

interface IndexedCheck { readonly index: number; readonly check: MetricCheck }

function readMetricChecks(sections: SpecSections, errors: FieldIssue[]): IndexedCheck[] | undefined {
  if (!sections.metrics) return undefined;
  const seen = new Set<string>();
  const checks: IndexedCheck[] = [];
  // Unknown when spec.rollout.mirror itself is bad: the mirror rule then waits for a fixed spec.
  const mirror = isUsable(sections.rollout, 'mirror') ? (sections.rollout.data.mirror ?? 0) : undefined;
  for (const { index, metric } of sections.metrics) {
    const at = `spec.analysis.metrics[${index}]`;
    if (seen.has(metric.name)) errors.push({ path: `${at}.name`, message: `"${metric.name}" is listed twice` });
    seen.add(metric.name);
    const check = readMetricCheck(metric, at, errors);
    if (!check) continue;
    if (check.kind === 'prediction-agreement' && sections.router !== undefined && !MIRRORING_ROUTERS.includes(sections.router)) {
      errors.push({ path: `${at}.name`, message: `${metric.name} compares mirrored answers and router ${sections.router} cannot mirror: use prediction-shift, which compares the two arms' answers on split traffic` });
    } else if (check.kind === 'prediction-agreement' && mirror === 0) {
      errors.push({ path: `${at}.name`, message: `${metric.name} compares mirrored answers: set spec.rollout.mirror above 0, or use prediction-shift on split traffic` });
    }
    if (check.kind === 'prediction-shift' && mirror === 0) checkSplitShift(sections, at, errors);
    checks.push({ index, check });
  }
  return checks;
}

/** prediction-shift without mirroring compares the arms' output distributions: a sequential test fed by the cluster's prediction collector. */
function checkSplitShift(sections: SpecSections, at: string, errors: FieldIssue[]): void {
  const judge = isUsable(sections.analysis, 'judge') ? (sections.analysis.data.judge ?? Judge.Sequential) : undefined;
  if (sections.router === Router.Local) {
    errors.push({ path: `${at}.name`, message: 'prediction-shift on the local gateway compares mirrored answers: set spec.rollout.mirror above 0' });
  } else if (sections.router !== undefined && judge === Judge.Threshold) {
    errors.push({ path: `${at}.name`, message: 'prediction-shift on split traffic (spec.rollout.mirror 0) is a sequential two-sample test: set spec.analysis.judge to sequential, or mirror traffic' });
  }
}

function readMetricCheck(metric: MetricSpec, at: string, errors: FieldIssue[]): MetricCheck | undefined {
  const fail = (field: string, message: string): undefined => {
    errors.push({ path: `${at}.${field}`, message });
    return undefined;
  };
  const latency = LATENCY.exec(metric.name);
  if (metric.name === BuiltinMetric.ErrorRate) {
    if (typeof metric.max !== 'number' || metric.max < 0 || metric.max > 100) return fail('max', 'must be a percent between 0 and 100');
    return { name: metric.name, kind: 'error-rate', maxPercent: metric.max };
  }
  if (latency) {
    const quantile = Number(latency[1]) / 100;
    if (metric.max === undefined) return fail('max', 'is required: the highest acceptable latency, e.g. 500ms');
    const ms = typeof metric.max === 'number' ? metric.max : parseDuration(metric.max);
    if (typeof ms !== 'number') return fail('max', ms.error);
    return { name: metric.name, kind: 'latency', quantile, maxMs: ms };
  }
  if (metric.name === BuiltinMetric.PredictionAgreement) {
    const min = metric.min ?? 99;
    if (min < 0 || min > 100) return fail('min', 'must be a percent between 0 and 100');
    return { name: metric.name, kind: 'prediction-agreement', minPercent: min, tolerance: metric.tolerance ?? 0.01 };
  }
  if (metric.name === BuiltinMetric.PredictionShift) {
    if (typeof metric.max !== 'number' || metric.max < 0) return fail('max', 'must be a non-negative number: the largest acceptable mean absolute difference');
    return { name: metric.name, kind: 'prediction-shift', max: metric.max };
  }
  if (!metric.query) {
    const near = nearestBuiltinMetric(metric.name);
    if (near) return fail('name', `"${metric.name}" is not a built-in metric: did you mean ${near}? (a custom metric needs a PromQL query)`);
    return fail('query', `is required: "${metric.name}" is not a built-in metric (${Object.values(BuiltinMetric).join(', ')}), so it needs a PromQL query`);
  }
  if (metric.max !== undefined && typeof metric.max !== 'number') return fail('max', 'must be a number');
  if (metric.max === undefined && metric.min === undefined) return fail('max', 'a custom metric needs max or min');
  return {
    name: metric.name, kind: 'custom', query: metric.query,
    ...(metric.min === undefined ? {} : { min: metric.min }),
    ...(metric.max === undefined ? {} : { max: metric.max }),
  };
}

/** The built-in metric a name is a typo of (at most two edits away), if any. */
function nearestBuiltinMetric(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const builtin of Object.values(BuiltinMetric)) {
    const distance = editDistance(name, builtin);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: builtin, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
