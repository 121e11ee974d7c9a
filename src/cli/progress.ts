/**
 * Live progress of a rollout: a redrawn block on a terminal, one plain line
 * per change otherwise (with the judge's evidence as it grows), or JSON lines
 * with -o json.
 */
import type { Writable } from 'node:stream';
import type { RolloutSnapshot } from '../local/snapshot.js';
import type { UpdateEvent } from '../local/runtime.js';
import type { MetricResult } from '../core/status.js';
import { compact, formatMetricValue, renderSnapshot } from './render-status.js';

export type ProgressMode = 'live' | 'lines' | 'json';

/**
 * Every metric being judged in one line, in its unit, with the sequential
 * judge's evidence: `error-rate 0.5% E=12.3 p=0.081 · latency-p99 41 ms E=0.8 p=1`.
 */
export function formatEvidence(results: readonly MetricResult[]): string {
  return results
    .map((r) => `${r.name} ${formatMetricValue(r.value, r.unit)} ${r.eValue === undefined ? r.verdict : `E=${compact(r.eValue)} p=${compact(r.pValue ?? 1)}`}`)
    .join(' · ');
}

/** Evidence worth a new line: some e-value moved to another power of two, or a verdict changed. */
function evidenceLevel(results: readonly MetricResult[]): string {
  return results.map((r) => (r.eValue === undefined ? r.verdict : Math.floor(Math.log2(Math.max(r.eValue, 1e-12))))).join(',');
}

export class ProgressView {
  private drawnLines = 0;
  private shownEvidence = '';

  constructor(private readonly out: Writable, private readonly mode: ProgressMode) {}

  update(snapshot: RolloutSnapshot, event: UpdateEvent): void {
    const { status } = snapshot;
    const errors = (event.errors ?? []).map((e) => `${e.action.type} failed: ${e.error.message}`);
    if (this.mode === 'json') {
      if (!event.significant) return;
      this.out.write(`${JSON.stringify({
        time: new Date().toISOString(), event: event.kind, phase: status.phase, step: status.stepIndex + 1, canaryWeight: status.canaryWeight,
        reason: event.reason, analysis: status.lastAnalysis, ...(errors.length ? { errors } : {}),
      })}\n`);
      return;
    }
    if (this.mode === 'lines') {
      const results = status.lastAnalysis?.results ?? [];
      const level = evidenceLevel(results);
      if (event.significant) {
        const step = status.stepIndex >= 0 ? ` step ${status.stepIndex + 1}/${snapshot.steps.length}` : '';
        this.out.write(`${new Date().toISOString()} ${status.phase.padEnd(11)} canary ${String(status.canaryWeight).padStart(3)}%${step}  ${event.reason}\n`);
        for (const e of errors) this.out.write(`  ! ${e}\n`);
      }
      if (event.kind !== 'resume' && level !== this.shownEvidence && results.length > 0) {
        this.out.write(`    evidence: ${formatEvidence(results)}\n`);
      }
      this.shownEvidence = level;
      return;
    }
    const block = `${renderSnapshot(snapshot, { history: 4 })}${errors.map((e) => `! ${e}\n`).join('')}\nlast: ${event.reason}\n`;
    if (this.drawnLines) this.out.write(`\x1b[${this.drawnLines}F\x1b[J`);
    this.out.write(block);
    this.drawnLines = block.split('\n').length - 1;
  }

  note(line: string): void {
    if (this.mode === 'json') return;
    this.out.write(`${line}\n`);
    if (this.mode === 'live') this.drawnLines = 0;
  }
}
