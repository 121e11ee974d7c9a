/** Per-feature mean and standard deviation, fitted on the training rows only. */
export interface Standardizer {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export function fitStandardizer(x: readonly (readonly number[])[]): Standardizer {
  const width = x[0]?.length ?? 0;
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const row of x) for (let j = 0; j < width; j++) mean[j] = (mean[j] as number) + (row[j] as number) / x.length;
  for (const row of x) for (let j = 0; j < width; j++) std[j] = (std[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2 / x.length;
  return { mean, std: std.map((v) => (v > 0 ? Math.sqrt(v) : 1)) };
}

export function standardize(row: readonly number[], s: Standardizer): number[] {
  return row.map((v, j) => (v - (s.mean[j] as number)) / (s.std[j] as number));
}

export function rootMeanSquaredError(predicted: readonly number[], actual: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += ((predicted[i] as number) - (actual[i] as number)) ** 2;
  return Math.sqrt(sum / actual.length);
}
