/**
 * Compares a primary's and a canary's KServe answers: the largest absolute
 * difference over the numeric predictions (V1 `predictions`, V2
 * `outputs[].data`). Infinity when the answers cannot be compared: either side
 * not 2xx, not JSON of either protocol, or shapes that differ.
 */

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The prediction arrays of a V1 or V2 body, one per output, or undefined. */
function predictionArrays(body: unknown): { arrays: unknown[][]; shapes: unknown[] } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { predictions?: unknown; outputs?: unknown };
  if (Array.isArray(record.predictions)) return { arrays: [record.predictions], shapes: [undefined] };
  if (!Array.isArray(record.outputs)) return undefined;
  const arrays: unknown[][] = [];
  const shapes: unknown[] = [];
  for (const output of record.outputs) {
    const { data, shape } = (output ?? {}) as { data?: unknown; shape?: unknown };
    if (!Array.isArray(data)) return undefined;
    arrays.push(data);
    shapes.push(Array.isArray(shape) ? shape.join('x') : undefined);
  }
  return { arrays, shapes };
}

/** Max |b − a| walking both in parallel; Infinity as soon as the structure differs. */
function maxDiff(a: unknown, b: unknown): number {
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return Infinity;
    let max = 0;
    for (let i = 0; i < a.length; i++) {
      const d = maxDiff(a[i], b[i]);
      if (d === Infinity) return Infinity;
      if (d > max) max = d;
    }
    return max;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === undefined || y === undefined) return a === b && typeof a === 'string' ? 0 : Infinity;
  const d = Math.abs(y - x);
  return Number.isNaN(d) ? Infinity : d;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

export function predictionAbsDiff(primaryStatus: number, primaryBody: string, canaryStatus: number, canaryBody: string): number {
  if (!isSuccess(primaryStatus) || !isSuccess(canaryStatus)) return Infinity;
  const a = predictionArrays(parseJson(primaryBody));
  const b = predictionArrays(parseJson(canaryBody));
  if (a === undefined || b === undefined || a.arrays.length !== b.arrays.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.arrays.length; i++) {
    if (a.shapes[i] !== b.shapes[i]) return Infinity;
    const d = maxDiff(a.arrays[i], b.arrays[i]);
    if (d > max) max = d;
  }
  return max;
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
