/**
 * The predictions of a KServe answer, and nothing else of it: V1
 * `{"predictions": [...]}` and V2 (Open Inference) `{"outputs": [{shape, data}]}`.
 * A number stays a number, a string or boolean is a class label, and a row of
 * several scores (class probabilities) is reduced to the index of its largest
 * score, as a label. Only the first `maxPredictions` instances are kept.
 */
import type { Answer, Prediction } from '../core/analysis/index.js';

export const MAX_PREDICTIONS = 64;

function scalar(value: unknown): Prediction | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** One instance's prediction: a scalar, a one-element row, or the argmax of a row of scores. */
function predictionOf(value: unknown): Prediction | undefined {
  if (!Array.isArray(value)) return scalar(value);
  const flat = value.flat(Infinity);
  if (flat.length === 1) return scalar(flat[0]);
  let best = -1;
  let bestScore = -Infinity;
  for (let i = 0; i < flat.length; i++) {
    const score = flat[i];
    if (typeof score !== 'number') return undefined;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best < 0 ? undefined : `#${best}`;
}

function collect(values: readonly unknown[], maxPredictions: number): Answer | undefined {
  const answer: Prediction[] = [];
  for (const value of values.slice(0, maxPredictions)) {
    const prediction = predictionOf(value);
    if (prediction === undefined) return undefined;
    answer.push(prediction);
  }
  return answer;
}

function v2Rows(output: { shape?: unknown; data?: unknown }, maxPredictions: number): Answer | undefined {
  if (!Array.isArray(output.data)) return undefined;
  const data = output.data.flat(Infinity);
  const shape = Array.isArray(output.shape) && output.shape.every((n) => Number.isInteger(n) && n >= 0) ? (output.shape as number[]) : [data.length];
  const rows = shape[0] ?? data.length;
  const perRow = rows > 0 ? Math.max(1, Math.floor(data.length / rows)) : 1;
  if (perRow === 1) return collect(data, maxPredictions);
  const grouped: unknown[][] = [];
  for (let r = 0; r < Math.min(rows, maxPredictions); r++) grouped.push(data.slice(r * perRow, (r + 1) * perRow));
  return collect(grouped, maxPredictions);
}

/** The answer's predictions, or undefined when the body is neither protocol's answer. */
export function parseAnswer(body: unknown, maxPredictions = MAX_PREDICTIONS): Answer | undefined {
  if (typeof body === 'string') {
    try {
      return parseAnswer(JSON.parse(body), maxPredictions);
    } catch {
      return undefined;
    }
  }
  if (body instanceof Uint8Array) return parseAnswer(Buffer.from(body).toString('utf8'), maxPredictions);
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { predictions?: unknown; outputs?: unknown };
  if (Array.isArray(record.predictions)) return collect(record.predictions, maxPredictions);
  if (Array.isArray(record.outputs) && record.outputs.length > 0) {
    const first = record.outputs[0] as { shape?: unknown; data?: unknown } | null;
    return first && typeof first === 'object' ? v2Rows(first, maxPredictions) : undefined;
  }
  return undefined;
}
