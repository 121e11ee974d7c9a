/**
 * Live progress of a rollout: a redrawn block on a terminal, one plain line
 * per change otherwise, or JSON lines with -o json.
 */
import type { Writable } from 'node:stream';
import type { RolloutSnapshot } from '../local/snapshot.js';
import type { UpdateEvent } from '../local/runtime.js';
import { renderSnapshot } from './render-status.js';

export type ProgressMode = 'live' | 'lines' | 'json';

export class ProgressView {
  private drawnLines = 0;

  constructor(private readonly out: Writable, private readonly mode: ProgressMode) {}

  update(snapshot: RolloutSnapshot, event: UpdateEvent): void {
    const { status } = snapshot;
    if (this.mode !== 'live' && !event.significant) return;
    const errors = (event.errors ?? []).map((e) => `${e.action.type} failed: ${e.error.message}`);
    if (this.mode === 'json') {
      this.out.write(`${JSON.stringify({
        time: new Date().toISOString(), event: event.kind, phase: status.phase, step: status.stepIndex + 1, canaryWeight: status.canaryWeight,
        reason: event.reason, analysis: status.lastAnalysis, ...(errors.length ? { errors } : {}),
      })}\n`);
      return;
    }
    if (this.mode === 'lines') {
      const step = status.stepIndex >= 0 ? ` step ${status.stepIndex + 1}/${snapshot.steps.length}` : '';
      this.out.write(`${new Date().toISOString()} ${status.phase.padEnd(11)} canary ${String(status.canaryWeight).padStart(3)}%${step}  ${event.reason}\n`);
      for (const e of errors) this.out.write(`  ! ${e}\n`);
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
