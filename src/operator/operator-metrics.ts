/**
 * The operator's /metrics, in the style of Flagger's `flagger_canary_weight`:
 * per canary its weight, its phase, and each metric of the last analysis.
 */
import { PHASES, type Phase } from '../core/phase.js';
import type { MetricResult, RolloutStatus } from '../core/status.js';
import { escapeLabel, renderAnalysisGauges } from '../metrics/analysis-gauges.js';

interface CanaryGauges {
  readonly namespace: string;
  readonly name: string;
  readonly weight: number;
  readonly phase: Phase;
  readonly analysis: readonly MetricResult[];
}

const label = escapeLabel;

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
      analysis: status.lastAnalysis?.results ?? [],
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
    out.push(...renderAnalysisGauges(rows.map((c) => ({ labels: `namespace="${label(c.namespace)}",name="${label(c.name)}"`, results: c.analysis }))));
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
