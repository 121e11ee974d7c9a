/**
 * The parts of a spec the cross-field rules read, recovered from a document
 * whose schema parse failed: each section is parsed apart without its bad
 * fields, so a bad interval does not hide a misspelled metric. Pure.
 */
import type { z } from 'zod';
import {
  ROUTERS, analysisSchema, localSchema, metricSchema, rolloutSchema,
  type AnalysisSpec, type LocalSpec, type MetricSpec, type ParsedModelCanary, type Router, type RolloutSpec,
} from './spec.js';

/** A section's usable fields, and the names of the fields that had a problem. */
export interface Section<T> {
  readonly data: Partial<T>;
  readonly bad: ReadonlySet<string>;
}

export interface SpecSections {
  readonly router?: Router;
  /** Present when spec.local is usable; its value is undefined when the spec has none. */
  readonly local?: { readonly value: LocalSpec | undefined };
  readonly rollout?: Section<RolloutSpec>;
  readonly analysis?: Section<Omit<AnalysisSpec, 'metrics'>>;
  /** The metrics that parsed, with their index in the spec's list; undefined when the list is unusable. */
  readonly metrics?: readonly { readonly index: number; readonly metric: MetricSpec }[];
  /** Every metric in the list parsed. */
  readonly allMetricsParsed: boolean;
}

export function isUsable<T>(section: Section<T> | undefined, ...keys: (keyof T & string)[]): section is Section<T> {
  return section !== undefined && keys.every((key) => !section.bad.has(key));
}

/** The sections of a document that parsed whole. */
export function sectionsOfParsed(doc: ParsedModelCanary): SpecSections {
  const { metrics, ...analysis } = doc.spec.analysis;
  return {
    router: doc.spec.router,
    local: { value: doc.spec.local },
    rollout: { data: doc.spec.rollout, bad: new Set() },
    analysis: { data: analysis, bad: new Set() },
    metrics: metrics.map((metric, index) => ({ index, metric })),
    allMetricsParsed: true,
  };
}

/** The sections of a document that failed its schema parse with these issues. */
export function sectionsOfFailed(document: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]): SpecSections {
  const spec = document.spec;
  if (!isPlainObject(spec) || issues.some((i) => isAt(i, ['spec']) && i.code !== 'unrecognized_keys')) {
    return { allMetricsParsed: false };
  }
  const routerParsed = (spec.router === undefined ? { success: true, data: 'local' as Router } : parseRouter(spec.router));
  const localBad = badKeys(issues, 'local');
  const local = spec.local === undefined ? { data: undefined } : localBad?.size === 0 ? parseSection(localSchema, spec.local, localBad) : undefined;
  const rollout = parseSection(rolloutSchema, spec.rollout, badKeys(issues, 'rollout'));
  const analysisBad = badKeys(issues, 'analysis');
  const analysis = parseSection(analysisSchema, spec.analysis, analysisBad === null ? null : new Set([...analysisBad, 'metrics']));
  const metrics = analysisBad === null ? undefined : parseMetrics(spec.analysis, issues);
  return {
    ...(routerParsed.success ? { router: routerParsed.data } : {}),
    ...(local ? { local: { value: local.data as LocalSpec | undefined } } : {}),
    ...(rollout ? { rollout } : {}),
    ...(analysis ? { analysis: analysis as Section<Omit<AnalysisSpec, 'metrics'>> } : {}),
    ...(metrics ? { metrics: metrics.parsed } : {}),
    allMetricsParsed: metrics?.complete ?? false,
  };
}

function parseRouter(value: unknown): { success: true; data: Router } | { success: false } {
  return typeof value === 'string' && (ROUTERS as readonly string[]).includes(value) ? { success: true, data: value as Router } : { success: false };
}

/** The fields of spec.<section> with a problem; null when the section itself is unusable. */
function badKeys(issues: readonly z.core.$ZodIssue[], section: string): Set<string> | null {
  const keys = new Set<string>();
  for (const issue of issues) {
    if (issue.path[0] !== 'spec' || issue.path[1] !== section) continue;
    const key = issue.path[2];
    if (key !== undefined) keys.add(String(key));
    else if (issue.code === 'unrecognized_keys') issue.keys.forEach((k) => keys.add(k));
    else return null;
  }
  return keys;
}

function parseSection<T>(schema: z.ZodType<T>, raw: unknown, bad: Set<string> | null): Section<T> | undefined {
  if (bad === null || (raw !== undefined && !isPlainObject(raw))) return undefined;
  const input: Record<string, unknown> | undefined = raw === undefined ? undefined : { ...raw };
  for (const key of bad) delete input?.[key];
  const parsed = schema.safeParse(input);
  if (!parsed.success) return undefined;
  const data: Record<string, unknown> = { ...(parsed.data as Record<string, unknown>) };
  for (const key of bad) delete data[key];
  return { data: data as Partial<T>, bad };
}

function parseMetrics(rawAnalysis: unknown, issues: readonly z.core.$ZodIssue[]): { parsed: { index: number; metric: MetricSpec }[]; complete: boolean } | undefined {
  const list = isPlainObject(rawAnalysis) ? rawAnalysis.metrics : undefined;
  if (list === undefined) {
    const defaults = analysisSchema.shape.metrics.parse(undefined);
    return { parsed: defaults.map((metric, index) => ({ index, metric })), complete: true };
  }
  if (!Array.isArray(list) || issues.some((i) => isAt(i, ['spec', 'analysis', 'metrics']))) return undefined;
  const parsed: { index: number; metric: MetricSpec }[] = [];
  list.forEach((item, index) => {
    const result = metricSchema.safeParse(item);
    if (result.success) parsed.push({ index, metric: result.data });
  });
  return { parsed, complete: parsed.length === list.length };
}

function isAt(issue: z.core.$ZodIssue, path: readonly PropertyKey[]): boolean {
  return issue.path.length === path.length && path.every((part, i) => issue.path[i] === part);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
