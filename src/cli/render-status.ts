/** The human view of a rollout: phase, step, weight bars, the last analysis, recent history. */
import type { MetricUnit } from '../core/status.js';
import type { RolloutSnapshot } from '../local/snapshot.js';
import type { SplitCheck } from '../local/verify-split.js';
import { table, weightBars } from './output.js';

export function renderSnapshot(snapshot: RolloutSnapshot, options: { history?: number } = {}): string {
  const { status, steps } = snapshot;
  const lines: string[] = [];
  const step = status.stepIndex >= 0 ? `step ${status.stepIndex + 1}/${steps.length} (${steps.join(' → ')}%)` : `steps ${steps.join(' → ')}%`;
  lines.push(`${snapshot.name}  ${status.phase}  ${step}${snapshot.running ? '' : '  (not running)'}`);
  if (snapshot.gateway) lines.push(`gateway: ${snapshot.gateway}   model: ${snapshot.modelName}`);
  const weight = status.observedWeight ?? status.canaryWeight;
  lines.push(...weightBars(weight).map((l) => `  ${l}`));
  const obs = snapshot.observation;
  lines.push(`  primary: ${status.stableStorageUri}${obs ? `  ${obs.primary.ready ? 'Ready' : `not Ready (${obs.primary.message ?? ''})`}` : ''}`);
  lines.push(`  canary:  ${status.canaryStorageUri}${obs ? `  ${obs.canary.ready ? 'Ready' : obs.canary.message ?? 'not Ready'}` : ''}`);
  if (status.canaryWeight !== weight) lines.push(`  (canary weight ${status.canaryWeight}% asked, ${weight}% in force so far)`);
  if (status.lastAnalysis) {
    lines.push(`analysis (${status.lastAnalysis.at}): ${status.lastAnalysis.verdict}`);
    const results = status.lastAnalysis.results;
    const sequential = results.some((r) => r.eValue !== undefined);
    const rows = results.map((r) => [
      `  ${r.name}`, formatMetricValue(r.value, r.unit), r.threshold,
      ...(sequential ? [r.eValue === undefined ? '–' : compact(r.eValue), r.pValue === undefined ? '–' : compact(r.pValue)] : []),
      r.verdict, r.message,
    ]);
    const header = ['  metric', 'value', sequential ? 'rollback at' : 'bound', ...(sequential ? ['E', 'p'] : []), 'verdict', 'message'];
    lines.push(table([header, ...rows]).trimEnd());
  }
  lines.push(`message: ${status.message}`);
  const history = status.history.slice(-(options.history ?? 5));
  if (history.length) {
    lines.push('history:');
    for (const h of history) lines.push(`  ${h.at}  ${h.from ?? '-'} → ${h.to}  ${h.weight}%  ${h.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A metric's value in its unit: `0.52%`, `12.3 ms`, `0.041`; `–` when nothing was measured. */
export function formatMetricValue(value: number | null, unit: MetricUnit | undefined): string {
  if (value === null || !Number.isFinite(value)) return '–';
  if (unit === '%') return `${Number(value.toFixed(2))}%`;
  if (unit === 'ms') return `${Number(value.toPrecision(3))} ms`;
  return compact(value);
}

/** 3 significant digits, exponent form for the very large and very small. */
export function compact(value: number): string {
  return value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-3) ? value.toExponential(1) : String(Number(value.toPrecision(3)));
}

/** The observed split next to the target, as `kcanary verify` and the demo print it. */
export function renderSplitCheck(check: SplitCheck): string {
  const { target, observed, observedPercent } = check;
  return [
    table([
      ['variant', 'target', 'observed', 'requests'],
      ['primary', `${target.primary}%`, `${observedPercent.primary.toFixed(1)}%`, String(observed.primary)],
      ['canary', `${target.canary}%`, `${observedPercent.canary.toFixed(1)}%`, String(observed.canary)],
    ]).trimEnd(),
    ...weightBars(Math.round(observedPercent.canary)),
    `status codes: ${Object.entries(check.statusCodes).map(([c, n]) => `${c}×${n}`).join(' ')}`,
    `binomial test p = ${check.pValue.toPrecision(3)}: ${check.matches ? 'split matches the target' : 'split is off'}`,
    '',
  ].join('\n');
}
