/**
 * What the output tests keep of a model's answer: one prediction per
 * instance, a number (regression, score) or a class label. Never the payload.
 */

export type Prediction = number | string;
/** The predictions of one answer, in instance order. */
export type Answer = readonly Prediction[];

/**
 * The distance between two answers to the same request (a mirrored pair): the
 * largest |difference| over the instances; a label that differs, a label
 * against a number, or answers of different lengths cannot be compared
 * (Infinity: a certain disagreement).
 */
export function answerDistance(primary: Answer, canary: Answer): number {
  if (primary.length !== canary.length) return Infinity;
  let max = 0;
  for (let i = 0; i < primary.length; i++) {
    const a = primary[i] as Prediction;
    const b = canary[i] as Prediction;
    if (typeof a === 'string' || typeof b === 'string') {
      if (a !== b) return Infinity;
      continue;
    }
    const d = Math.abs(b - a);
    if (Number.isNaN(d)) return Infinity;
    if (d > max) max = d;
  }
  return max;
}
