/**
 * Simulated model answers: each request's input draws a "true" value, and an
 * arm's model answers a number (lognormal around it, times the arm's scale: a
 * ×100 model has scale 100) or a class label (drawn from the arm's class
 * probabilities). A mirrored pair is the same input answered by both arms.
 */
import type { Answer } from '../predictions.js';
import type { Random } from './prng.js';
import { standardNormal } from './samplers.js';

export type AnswerModel =
  /** jitter: a retrained model's own noise, multiplicative (lognormal σ), on top of the shared input. */
  | { readonly kind: 'number'; readonly median: number; readonly sigma: number; readonly scale?: number; readonly jitter?: number }
  | { readonly kind: 'label'; readonly labels: readonly string[]; readonly probabilities: readonly number[] };

function drawLabel(random: Random, labels: readonly string[], probabilities: readonly number[]): string {
  let u = random();
  for (let i = 0; i < labels.length; i++) {
    u -= probabilities[i] as number;
    if (u < 0) return labels[i] as string;
  }
  return labels[labels.length - 1] as string;
}

/** One answer of an arm to a fresh input. */
export function drawAnswer(random: Random, model: AnswerModel): Answer {
  if (model.kind === 'label') return [drawLabel(random, model.labels, model.probabilities)];
  return [(model.scale ?? 1) * model.median * Math.exp(model.sigma * standardNormal(random))];
}

/** |canary − primary| for one mirrored input: numbers share the input; labels agree when both models draw the same. */
export function drawMirroredDistance(random: Random, primary: AnswerModel, canary: AnswerModel): number {
  if (primary.kind === 'number' && canary.kind === 'number') {
    const value = primary.median * Math.exp(primary.sigma * standardNormal(random));
    const noise = canary.jitter ? Math.exp(canary.jitter * standardNormal(random)) : 1;
    return Math.abs(value * (canary.scale ?? 1) * noise - value * (primary.scale ?? 1));
  }
  const a = drawAnswer(random, primary)[0];
  const b = drawAnswer(random, canary)[0];
  return a === b ? 0 : Infinity;
}
