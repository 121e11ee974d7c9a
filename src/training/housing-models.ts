/**
 * The three demo versions of the housing model as ONNX graphs. All take
 * `input` float32 [batch, 8] (HOUSING_FEATURES order, raw units) and return
 * `output` float32 [batch, 1], the median house value in $100,000.
 */
import type { LinearModel } from './linear-regression.js';
import type { MlpModel } from './mlp-regression.js';
import { OnnxDataType, type OnnxInitializer, type OnnxModelDescription, type OnnxNode } from './onnx-writer.js';
import type { Standardizer } from './standardizer.js';

const INPUT = { name: 'input', elemType: OnnxDataType.Float, shape: ['batch', 8] } as const;
const OUTPUT = { name: 'output', elemType: OnnxDataType.Float, shape: ['batch', 1] } as const;

/** v3's age lookup table covers ages 0..49 only: older houses make Gather fail. */
export const V3_AGE_TABLE_SIZE = 50;
/** v3 reports thousands of dollars where every client expects $100,000. */
export const V3_UNIT_FACTOR = 100;

const floats = (name: string, dims: number[], values: readonly number[]): OnnxInitializer => ({
  name,
  dims,
  data: Float32Array.from(values),
});
const int64s = (name: string, values: readonly number[]): OnnxInitializer => ({
  name,
  dims: [values.length],
  data: BigInt64Array.from(values.map(BigInt)),
});
const node = (opType: string, inputs: string[], output: string, intAttributes?: Record<string, number>): OnnxNode => ({
  opType,
  inputs,
  outputs: [output],
  name: `${output}_${opType.toLowerCase()}`,
  ...(intAttributes ? { intAttributes } : {}),
});

function standardizeNodes(s: Standardizer): { initializers: OnnxInitializer[]; nodes: OnnxNode[] } {
  return {
    initializers: [floats('feature_mean', [8], s.mean), floats('feature_std', [8], s.std)],
    nodes: [node('Sub', ['input', 'feature_mean'], 'centered'), node('Div', ['centered', 'feature_std'], 'scaled')],
  };
}

export function linearOnnx(model: LinearModel, s: Standardizer): OnnxModelDescription {
  const pre = standardizeNodes(s);
  return {
    graphName: 'housing_v1_linear',
    docString: 'Housing prices v1: linear regression on MedInc, HouseAge, AveRooms, AveOccup.',
    modelVersion: 1,
    inputs: [INPUT],
    outputs: [OUTPUT],
    initializers: [...pre.initializers, floats('weights', [8, 1], model.weights), floats('bias', [1], [model.bias])],
    nodes: [...pre.nodes, node('MatMul', ['scaled', 'weights'], 'linear'), node('Add', ['linear', 'bias'], 'output')],
  };
}

function mlpParts(model: MlpModel, s: Standardizer, outputName: string): { initializers: OnnxInitializer[]; nodes: OnnxNode[] } {
  const pre = standardizeNodes(s);
  return {
    initializers: [
      ...pre.initializers,
      floats('w1', [model.inputs, model.hidden], model.w1),
      floats('b1', [model.hidden], model.b1),
      floats('w2', [model.hidden, 1], model.w2),
      floats('b2', [1], [model.b2]),
    ],
    nodes: [
      ...pre.nodes,
      node('MatMul', ['scaled', 'w1'], 'hidden_linear'),
      node('Add', ['hidden_linear', 'b1'], 'hidden_biased'),
      node('Relu', ['hidden_biased'], 'hidden'),
      node('MatMul', ['hidden', 'w2'], 'out_linear'),
      node('Add', ['out_linear', 'b2'], outputName),
    ],
  };
}

export function mlpOnnx(model: MlpModel, s: Standardizer): OnnxModelDescription {
  const parts = mlpParts(model, s, 'output');
  return {
    graphName: 'housing_v2_mlp',
    docString: `Housing prices v2: perceptron with ${model.hidden} ReLU units on all eight features.`,
    modelVersion: 2,
    inputs: [INPUT],
    outputs: [OUTPUT],
    ...parts,
  };
}

/** v2's network with two realistic bugs: a unit mix-up and an age table too short. */
export function brokenOnnx(model: MlpModel, s: Standardizer, ageAdjustments: readonly number[]): OnnxModelDescription {
  const parts = mlpParts(model, s, 'price');
  return {
    graphName: 'housing_v3_broken',
    docString: 'Housing prices v3: v2 plus an age adjustment table (ages 0-49) and output in thousands of dollars.',
    modelVersion: 3,
    inputs: [INPUT],
    outputs: [OUTPUT],
    initializers: [
      ...parts.initializers,
      int64s('age_start', [1]),
      int64s('age_end', [2]),
      int64s('age_axis', [1]),
      floats('age_table', [V3_AGE_TABLE_SIZE], ageAdjustments),
      floats('unit_factor', [1], [V3_UNIT_FACTOR]),
    ],
    nodes: [
      ...parts.nodes,
      node('Slice', ['input', 'age_start', 'age_end', 'age_axis'], 'age'),
      node('Cast', ['age'], 'age_index', { to: OnnxDataType.Int64 }),
      node('Gather', ['age_table', 'age_index'], 'age_adjustment'),
      node('Add', ['price', 'age_adjustment'], 'adjusted'),
      node('Mul', ['adjusted', 'unit_factor'], 'output'),
    ],
  };
}
