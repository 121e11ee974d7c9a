/**
 * The operator's /metrics, in the style of Flagger's `flagger_canary_weight`:
 * per canary its weight, its phase, and each metric of the last analysis.
 */
import { PHASES, type Phase } from '../core/phase.js';
import type { RolloutStatus } from '../core/status.js';

interface CanaryGauges {
  readonly namespace: string;
  readonly name: string;
  readonly weight: number;
  readonly phase: Phase;
  readonly analysis: readonly { readonly metric: string; readonly value: number | null; readonly verdict: string }[];
}

const VERDICTS = ['pass', 'fail', 'inconclusive', 'error'] as const;

const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class OperatorMetrics {
  private readonly canaries = new Map<string, CanaryGauges>();
  reconciles = 0;
  reconcileErrors = 0;
  leader = false;
  /** Sum of reconcile durations, seconds. */
  reconcileSeconds = 0;

  update(namespace: string, name: string, status: RolloutStatus): void {
    this.canaries.set(`${namespace}/${name}`, {
      namespace, name, weight: status.canaryWeight, phase: status.phase,
      analysis: (status.lastAnalysis?.results ?? []).map((r) => ({ metric: r.name, value: r.value, verdict: r.verdict })),
    });
  }

  forget(namespace: string, name: string): void {
    this.canaries.delete(`${namespace}/${name}`);
  }

  text(): string {
    const out: string[] = [
      '# HELP kcanary_canary_weight Canary weight in force, percent.', '# TYPE kcanary_canary_weight gauge',
    ];
    const rows = [...this.canaries.values()];
    for (const c of rows) out.push(`kcanary_canary_weight{namespace="${label(c.namespace)}",name="${label(c.name)}"} ${c.weight}`);
    out.push('# HELP kcanary_canary_phase 1 for the phase the rollout is in.', '# TYPE kcanary_canary_phase gauge');
    for (const c of rows) for (const p of PHASES) out.push(`kcanary_canary_phase{namespace="${label(c.namespace)}",name="${label(c.name)}",phase="${p}"} ${p === c.phase ? 1 : 0}`);
    out.push('# HELP kcanary_canary_analysis_value Value of each metric in the last analysis (NaN: not measured).', '# TYPE kcanary_canary_analysis_value gauge');
    for (const c of rows) for (const a of c.analysis) out.push(`kcanary_canary_analysis_value{namespace="${label(c.namespace)}",name="${label(c.name)}",metric="${label(a.metric)}"} ${a.value ?? 'NaN'}`);
    out.push('# HELP kcanary_canary_analysis_verdict 1 for the verdict of each metric in the last analysis.', '# TYPE kcanary_canary_analysis_verdict gauge');
    for (const c of rows) for (const a of c.analysis) for (const v of VERDICTS) out.push(`kcanary_canary_analysis_verdict{namespace="${label(c.namespace)}",name="${label(c.name)}",metric="${label(a.metric)}",verdict="${v}"} ${v === a.verdict ? 1 : 0}`);
    out.push(
      '# TYPE kcanary_operator_reconciles_total counter', `kcanary_operator_reconciles_total ${this.reconciles}`,
      '# TYPE kcanary_operator_reconcile_errors_total counter', `kcanary_operator_reconcile_errors_total ${this.reconcileErrors}`,
      '# TYPE kcanary_operator_reconcile_seconds_total counter', `kcanary_operator_reconcile_seconds_total ${this.reconcileSeconds}`,
      '# TYPE kcanary_operator_leader gauge', `kcanary_operator_leader ${this.leader ? 1 : 0}`,
      '# TYPE kcanary_operator_canaries gauge', `kcanary_operator_canaries ${rows.length}`,
    );
    return `${out.join('\n')}\n`;
  }
}
