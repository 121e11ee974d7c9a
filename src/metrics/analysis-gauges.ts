/**
 * The last analysis as Prometheus gauges, the same on the local gateway's
 * /metrics and the operator's: each metric's value, verdict, and with the
 * sequential judge its e-value and always-valid p-value.
 */
import type { MetricResult } from '../core/status.js';

const VERDICTS = ['pass', 'fail', 'inconclusive', 'error'] as const;

export const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export interface AnalysisRow {
  /** Label pairs identifying the canary, e.g. `namespace="ns",name="x"`. */
  readonly labels: string;
  readonly results: readonly MetricResult[];
}

export function renderAnalysisGauges(rows: readonly AnalysisRow[]): string[] {
  const out: string[] = [];
  const each = (write: (labels: string, r: MetricResult) => void) => {
    for (const row of rows) for (const r of row.results) write(`${row.labels}${row.labels ? ',' : ''}metric="${escapeLabel(r.name)}"`, r);
  };
  out.push('# HELP kcanary_canary_analysis_value Value of each metric in the last analysis (NaN: not measured).', '# TYPE kcanary_canary_analysis_value gauge');
  each((l, r) => out.push(`kcanary_canary_analysis_value{${l}} ${r.value ?? 'NaN'}`));
  out.push('# HELP kcanary_canary_analysis_verdict 1 for the verdict of each metric in the last analysis.', '# TYPE kcanary_canary_analysis_verdict gauge');
  each((l, r) => { for (const v of VERDICTS) out.push(`kcanary_canary_analysis_verdict{${l},verdict="${v}"} ${v === r.verdict ? 1 : 0}`); });
  out.push('# HELP kcanary_canary_analysis_e_value Sequential judge: the e-value of each metric (rollback at 1/α per metric).', '# TYPE kcanary_canary_analysis_e_value gauge');
  each((l, r) => { if (r.eValue !== undefined) out.push(`kcanary_canary_analysis_e_value{${l}} ${r.eValue}`); });
  out.push('# HELP kcanary_canary_analysis_p_value Sequential judge: the always-valid p-value min(1, 1/E) of each metric.', '# TYPE kcanary_canary_analysis_p_value gauge');
  each((l, r) => { if (r.pValue !== undefined) out.push(`kcanary_canary_analysis_p_value{${l}} ${r.pValue}`); });
  return out;
}
