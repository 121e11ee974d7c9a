/**
 * Least-squares linear regression on a subset of the standardised features,
 * solved exactly through the normal equations (small ridge term for stability).
 */
import { standardize, type Standardizer } from './standardizer.js';

export interface LinearModel {
  /** One weight per feature; features left out of the fit keep weight 0. */
  readonly weights: readonly number[];
  readonly bias: number;
}

function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    [b[col], b[pivot]] = [b[pivot]!, b[col]!];
    for (let r = col + 1; r < n; r++) {
      const factor = a[r]![col]! / a[col]![col]!;
      for (let c = col; c < n; c++) a[r]![c] = a[r]![c]! - factor * a[col]![c]!;
      b[r] = b[r]! - factor * b[col]!;
    }
  }
  const out = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = b[r]!;
    for (let c = r + 1; c < n; c++) sum -= a[r]![c]! * out[c]!;
    out[r] = sum / a[r]![r]!;
  }
  return out;
}

export function fitLinearRegression(options: {
  x: readonly (readonly number[])[];
  y: readonly number[];
  standardizer: Standardizer;
  featureIndices: readonly number[];
}): LinearModel {
  const { x, y, standardizer, featureIndices } = options;
  const k = featureIndices.length + 1; // + intercept
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  x.forEach((row, i) => {
    const z = standardize(row, standardizer);
    const design = [...featureIndices.map((j) => z[j]!), 1];
    for (let a = 0; a < k; a++) {
      xty[a] = xty[a]! + design[a]! * y[i]!;
      for (let b = 0; b < k; b++) xtx[a]![b] = xtx[a]![b]! + design[a]! * design[b]!;
    }
  });
  for (let a = 0; a < k - 1; a++) xtx[a]![a] = xtx[a]![a]! + 1e-6;
  const solution = solve(xtx, xty);
  const weights = new Array<number>(standardizer.mean.length).fill(0);
  featureIndices.forEach((j, a) => (weights[j] = solution[a]!));
  return { weights, bias: solution[k - 1]! };
}

export function predictLinear(model: LinearModel, standardizer: Standardizer, row: readonly number[]): number {
  const z = standardize(row, standardizer);
  return z.reduce((sum, v, j) => sum + v * model.weights[j]!, model.bias);
}
