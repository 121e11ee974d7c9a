/**
 * A one-hidden-layer perceptron (ReLU) trained with mini-batch Adam on squared
 * error. Everything is plain float64 arithmetic in a fixed order, so the same
 * seed gives the same weights on every machine.
 */
import { createSeededRandom, shuffledIndices } from './seeded-random.js';
import { standardize, type Standardizer } from './standardizer.js';

export interface MlpModel {
  readonly inputs: number;
  readonly hidden: number;
  /** Row-major [inputs][hidden]: the MatMul right-hand side. */
  readonly w1: readonly number[];
  readonly b1: readonly number[];
  /** [hidden][1]. */
  readonly w2: readonly number[];
  readonly b2: number;
}

export interface MlpTrainingOptions {
  readonly x: readonly (readonly number[])[];
  readonly y: readonly number[];
  readonly standardizer: Standardizer;
  readonly seed: number;
  readonly hidden?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
}

class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private step = 0;
  constructor(size: number, private readonly learningRate: number) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }
  update(params: Float64Array, grads: Float64Array): void {
    this.step++;
    const correction1 = 1 - 0.9 ** this.step;
    const correction2 = 1 - 0.999 ** this.step;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i]!;
      this.m[i] = 0.9 * this.m[i]! + 0.1 * g;
      this.v[i] = 0.999 * this.v[i]! + 0.001 * g * g;
      params[i] = params[i]! - (this.learningRate * (this.m[i]! / correction1)) / (Math.sqrt(this.v[i]! / correction2) + 1e-8);
    }
  }
}

export function trainMlpRegression(options: MlpTrainingOptions): MlpModel {
  const { x, y, standardizer, seed } = options;
  const hidden = options.hidden ?? 32;
  const epochs = options.epochs ?? 60;
  const batchSize = options.batchSize ?? 64;
  const inputs = standardizer.mean.length;
  const random = createSeededRandom(seed);
  const z = x.map((row) => standardize(row, standardizer));

  // All parameters in one vector: w1 | b1 | w2 | b2.
  const offB1 = inputs * hidden;
  const offW2 = offB1 + hidden;
  const offB2 = offW2 + hidden;
  const params = new Float64Array(offB2 + 1);
  for (let i = 0; i < offB1; i++) params[i] = random.normal(0, Math.sqrt(2 / inputs));
  for (let i = 0; i < hidden; i++) params[offW2 + i] = random.normal(0, Math.sqrt(1 / hidden));
  params[offB2] = y.reduce((a, b) => a + b, 0) / y.length;

  const grads = new Float64Array(params.length);
  const activation = new Float64Array(hidden);
  const adam = new Adam(params.length, options.learningRate ?? 0.003);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = shuffledIndices(z.length, random);
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      grads.fill(0);
      for (const index of batch) {
        const row = z[index]!;
        let output = params[offB2]!;
        for (let h = 0; h < hidden; h++) {
          let sum = params[offB1 + h]!;
          for (let j = 0; j < inputs; j++) sum += row[j]! * params[j * hidden + h]!;
          activation[h] = sum > 0 ? sum : 0;
          output += activation[h]! * params[offW2 + h]!;
        }
        const delta = (2 * (output - y[index]!)) / batch.length;
        grads[offB2] = grads[offB2]! + delta;
        for (let h = 0; h < hidden; h++) {
          grads[offW2 + h] = grads[offW2 + h]! + delta * activation[h]!;
          if (activation[h]! <= 0) continue;
          const back = delta * params[offW2 + h]!;
          grads[offB1 + h] = grads[offB1 + h]! + back;
          for (let j = 0; j < inputs; j++) grads[j * hidden + h] = grads[j * hidden + h]! + back * row[j]!;
        }
      }
      adam.update(params, grads);
    }
  }
  return {
    inputs,
    hidden,
    w1: Array.from(params.subarray(0, offB1)),
    b1: Array.from(params.subarray(offB1, offW2)),
    w2: Array.from(params.subarray(offW2, offB2)),
    b2: params[offB2]!,
  };
}

export function predictMlp(model: MlpModel, standardizer: Standardizer, row: readonly number[]): number {
  const z = standardize(row, standardizer);
  let output = model.b2;
  for (let h = 0; h < model.hidden; h++) {
    let sum = model.b1[h]!;
    for (let j = 0; j < model.inputs; j++) sum += z[j]! * model.w1[j * model.hidden + h]!;
    if (sum > 0) output += sum * model.w2[h]!;
  }
  return output;
}
