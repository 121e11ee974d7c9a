/**
 * KServe's V1 protocol: `{"instances": [[...], ...]}` in, `{"predictions": [...]}`
 * out. Like KServe's sklearn server, a regressor's single output column comes
 * back as a flat list of numbers.
 */
import type { OnnxModel, Tensor } from './onnx-model.js';
import { invalidInput } from './protocol-error.js';
import { checkShape, copyNumbers, nestRows, nestedShape } from './tensor-data.js';

export interface V1Response {
  readonly predictions: unknown[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function decodeV1Request(body: unknown, model: OnnxModel): Map<string, Tensor> {
  const [input, ...others] = model.inputs;
  if (!input || others.length > 0) {
    throw invalidInput(`the V1 protocol serves models with one input; this one has ${model.inputs.length}: use the V2 protocol`);
  }
  // KServe reads "instances", or "inputs" when present.
  const instances = isObject(body) ? (body.inputs ?? body.instances) : undefined;
  if (!Array.isArray(instances)) throw invalidInput('Expected "instances" to be a list of instances in the request body');
  if (instances.length === 0) throw invalidInput('"instances" is empty');
  const shape = [instances.length, ...nestedShape(instances[0])];
  checkShape(input.name, shape, input.shape);
  return new Map([[input.name, { data: copyNumbers({ tensor: input.name, value: instances, shape, datatype: input.datatype }), shape }]]);
}

export function encodeV1Response(outputs: ReadonlyMap<string, Tensor>, model: OnnxModel): V1Response {
  const first = model.outputs[0];
  const tensor = first ? outputs.get(first.name) : undefined;
  if (!tensor) return { predictions: [] };
  const [rows = 0, ...rest] = tensor.shape;
  const perRow = rest.reduce((a, b) => a * b, 1);
  // [n] and [n, 1] are one number per instance; wider outputs stay one list per instance.
  if (perRow === 1) return { predictions: Array.from(tensor.data as ArrayLike<number>).slice(0, rows) };
  return { predictions: nestRows(tensor.data as ArrayLike<number>, tensor.shape) };
}
