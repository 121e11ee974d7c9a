/**
 * The Open Inference Protocol (KServe V2) over REST: model metadata, and
 * inference on named tensors with shape, datatype and data (flat row-major or nested).
 */
import { randomUUID } from 'node:crypto';
import type { OnnxModel, Tensor, TensorSpec } from './onnx-model.js';
import { invalidInput } from './protocol-error.js';
import { checkShape, copyNumbers, describeShape, isDatatype, type Datatype } from './tensor-data.js';

export interface V2ModelMetadata {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: 'onnx';
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

export interface V2OutputTensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: number[];
}

export interface V2InferResponse {
  readonly model_name: string;
  readonly model_version?: string;
  readonly id: string;
  readonly outputs: readonly V2OutputTensor[];
}

export interface V2DecodedRequest {
  readonly id: string;
  readonly feeds: Map<string, Tensor>;
  /** Outputs the client asked for, or every output. */
  readonly outputNames: readonly string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function modelMetadata(name: string, version: string, model: OnnxModel): V2ModelMetadata {
  return { name, versions: [version], platform: 'onnx', inputs: model.inputs, outputs: model.outputs };
}

function decodeShape(tensor: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw invalidInput(`input '${tensor}': "shape" must be a list of non-negative integers`);
  }
  return shape as number[];
}

function decodeTensor(raw: Record<string, unknown>, spec: TensorSpec): Tensor {
  const name = String(raw.name);
  const { datatype, data } = raw;
  if (!isDatatype(datatype) || datatype !== spec.datatype) {
    throw invalidInput(`invalid datatype for input '${name}': got ${JSON.stringify(datatype)}, the model expects ${spec.datatype}`);
  }
  const shape = decodeShape(name, raw.shape);
  checkShape(name, shape, spec.shape);
  if (!Array.isArray(data)) throw invalidInput(`input '${name}': "data" must be a list`);
  const count = shape.reduce((a, b) => a * b, 1);
  // Flat row-major data is the common case; otherwise the nesting must follow the shape.
  const isFlat = data.length === count && (count === 0 || !Array.isArray(data[0]));
  if (!isFlat && !Array.isArray(data[0])) {
    throw invalidInput(`input '${name}': ${data.length} elements in "data" do not fill the shape ${describeShape(shape)} (${count} elements)`);
  }
  const values = copyNumbers({ tensor: name, value: data, shape: isFlat ? [count] : shape, datatype });
  return { data: values, shape };
}

export function decodeV2Request(body: unknown, model: OnnxModel): V2DecodedRequest {
  if (!isObject(body)) throw invalidInput('the request body must be a JSON object with "inputs"');
  const { inputs, outputs } = body;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every(isObject)) {
    throw invalidInput('"inputs" must be a non-empty list of tensors ({"name", "shape", "datatype", "data"})');
  }
  const requests = inputs as Record<string, unknown>[];
  for (const raw of requests) if (typeof raw.name !== 'string') throw invalidInput('every input needs a "name"');
  const feeds = new Map<string, Tensor>();
  for (const raw of requests) {
    // A name the model does not have is refused even when it has one input: the client has the wrong model.
    const spec = model.inputs.find((s) => s.name === raw.name);
    if (!spec) throw invalidInput(`unknown input '${String(raw.name)}'; the model's inputs are: ${model.inputs.map((s) => s.name).join(', ')}`);
    if (feeds.has(spec.name)) throw invalidInput(`input '${spec.name}' is given twice`);
    feeds.set(spec.name, decodeTensor(raw, spec));
  }
  const missing = model.inputs.filter((s) => !feeds.has(s.name));
  if (missing.length > 0) throw invalidInput(`missing input ${missing.map((s) => `'${s.name}'`).join(', ')}`);
  let outputNames = model.outputs.map((s) => s.name);
  if (outputs !== undefined) {
    if (!Array.isArray(outputs) || !outputs.every((o) => isObject(o) && typeof o.name === 'string')) {
      throw invalidInput('"outputs" must be a list of {"name": ...}');
    }
    const asked = (outputs as { name: string }[]).map((o) => o.name);
    const unknown = asked.filter((n) => !outputNames.includes(n));
    if (unknown.length > 0) throw invalidInput(`unknown output ${unknown.map((n) => `'${n}'`).join(', ')}; the model's outputs are: ${outputNames.join(', ')}`);
    outputNames = asked;
  }
  const id = typeof body.id === 'string' ? body.id : randomUUID();
  return { id, feeds, outputNames };
}

export function encodeV2Response(options: {
  modelName: string;
  id: string;
  outputNames: readonly string[];
  outputs: ReadonlyMap<string, Tensor>;
  model: OnnxModel;
}): V2InferResponse {
  const tensors: V2OutputTensor[] = [];
  for (const name of options.outputNames) {
    const tensor = options.outputs.get(name);
    const spec = options.model.outputs.find((s) => s.name === name);
    if (tensor && spec) tensors.push({ name, datatype: spec.datatype, shape: tensor.shape, data: Array.from(tensor.data as ArrayLike<number>) });
  }
  return { model_name: options.modelName, id: options.id, outputs: tensors };
}
