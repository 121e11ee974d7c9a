/**
 * Encodes a small ONNX model (ModelProto) from a plain description of its graph.
 * Only what the demo models use: float tensors, nodes with int attributes,
 * dynamic batch dimensions. Field numbers follow onnx/onnx.proto.
 */
import { bytesField, concatBytes, messageField, stringField, varintField, type Encoded } from './protobuf-writer.js';

/** onnx.TensorProto.DataType values used here. */
export const OnnxDataType = { Float: 1, Int64: 7 } as const;
export type OnnxDataType = (typeof OnnxDataType)[keyof typeof OnnxDataType];

export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: OnnxDataType;
  /** A number is a fixed size, a string a named dynamic dimension (e.g. "batch"). */
  readonly shape: readonly (number | string)[];
}

export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name: string;
  readonly intAttributes?: Readonly<Record<string, number>>;
}

export interface OnnxModelDescription {
  readonly graphName: string;
  readonly docString: string;
  readonly modelVersion: number;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly initializers: readonly OnnxInitializer[];
  readonly nodes: readonly OnnxNode[];
}

// IR version 8 / opset 13: understood by every onnxruntime of the last years.
const IR_VERSION = 8;
const OPSET_VERSION = 13;
const ATTRIBUTE_TYPE_INT = 2;

function encodeValueInfo(info: OnnxValueInfo): Encoded {
  const dims = info.shape.map((dim) =>
    typeof dim === 'number' ? messageField(1, varintField(1, dim)) : messageField(1, stringField(2, dim)),
  );
  const tensorType = messageField(1, varintField(1, info.elemType), messageField(2, ...dims));
  return concatBytes([stringField(1, info.name), messageField(2, tensorType)]);
}

function encodeInitializer(init: OnnxInitializer): Encoded {
  const elemType = init.data instanceof Float32Array ? OnnxDataType.Float : OnnxDataType.Int64;
  // raw_data is little-endian; copy through a DataView so the host's byte order never matters.
  const raw = new Uint8Array(init.data.length * init.data.BYTES_PER_ELEMENT);
  const view = new DataView(raw.buffer);
  init.data.forEach((value: number | bigint, i: number) => {
    if (typeof value === 'bigint') view.setBigInt64(i * 8, value, true);
    else view.setFloat32(i * 4, value, true);
  });
  return concatBytes([
    ...init.dims.map((dim) => varintField(1, dim)),
    varintField(2, elemType),
    stringField(8, init.name),
    bytesField(9, raw),
  ]);
}

function encodeNode(node: OnnxNode): Encoded {
  const attributes = Object.entries(node.intAttributes ?? {}).map(([name, value]) =>
    messageField(5, stringField(1, name), varintField(3, value), varintField(20, ATTRIBUTE_TYPE_INT)),
  );
  return concatBytes([
    ...node.inputs.map((input) => stringField(1, input)),
    ...node.outputs.map((output) => stringField(2, output)),
    stringField(3, node.name),
    stringField(4, node.opType),
    ...attributes,
  ]);
}

export function encodeOnnxModel(model: OnnxModelDescription): Uint8Array {
  const graph = concatBytes([
    ...model.nodes.map((node) => messageField(1, encodeNode(node))),
    stringField(2, model.graphName),
    ...model.initializers.map((init) => messageField(5, encodeInitializer(init))),
    stringField(10, model.docString),
    ...model.inputs.map((input) => messageField(11, encodeValueInfo(input))),
    ...model.outputs.map((output) => messageField(12, encodeValueInfo(output))),
  ]);
  return concatBytes([
    varintField(1, IR_VERSION),
    stringField(2, 'kcanary'),
    stringField(3, '0.1.0'),
    varintField(5, model.modelVersion),
    messageField(7, graph),
    messageField(8, stringField(1, ''), varintField(2, OPSET_VERSION)),
  ]);
}
