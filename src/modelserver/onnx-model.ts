/**
 * One ONNX model in one onnxruntime session, reused for every request, with
 * its inputs and outputs described in the protocols' terms.
 */
import ort from 'onnxruntime-node';
import { ErrorCode, KcanaryError } from '../errors.js';
import { HttpStatus, ProtocolError } from './protocol-error.js';
import { datatypeOfOrtType, type Datatype, type DeclaredShape, type TensorArray } from './tensor-data.js';

export interface TensorSpec {
  readonly name: string;
  readonly datatype: Datatype;
  /** -1 where the model accepts any size (a symbolic or unknown dimension). */
  readonly shape: DeclaredShape;
}

export interface Tensor {
  readonly data: TensorArray;
  readonly shape: readonly number[];
}

export interface OnnxModel {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Runs the model on one batch; a failure of the model itself is a 500. */
  run(feeds: ReadonlyMap<string, Tensor>): Promise<Map<string, Tensor>>;
  release(): Promise<void>;
}

export interface OnnxModelOptions {
  /** Threads inside one operator: 1 suits small models, where threading costs more than it saves. */
  readonly intraOpThreads?: number;
}

function describe(path: string, metadata: readonly ort.InferenceSession.ValueMetadata[]): TensorSpec[] {
  return metadata.map((value) => {
    const datatype = value.isTensor ? datatypeOfOrtType(value.type) : undefined;
    if (!value.isTensor || datatype === undefined) {
      const what = value.isTensor ? `type ${value.type}` : 'a non-tensor value';
      throw new KcanaryError(ErrorCode.Validation, `${path}: '${value.name}' is ${what}; the built-in server handles numeric tensors only`);
    }
    return { name: value.name, datatype, shape: value.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1)) };
  });
}

export async function loadOnnxModel(path: string, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: options.intraOpThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Failed runs are answered to the client; onnxruntime need not also print them.
      logSeverityLevel: 4,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KcanaryError(ErrorCode.Validation, `${path}: not a loadable ONNX model (${reason})`, { cause: error });
  }
  const inputs = describe(path, session.inputMetadata);
  const outputs = describe(path, session.outputMetadata);
  const runOptions = { logSeverityLevel: 4 } as const;
  return {
    inputs,
    outputs,
    async run(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const spec of inputs) {
        const tensor = feeds.get(spec.name);
        if (tensor) ortFeeds[spec.name] = new ort.Tensor(tensor.data, tensor.shape);
      }
      let results: ort.InferenceSession.ReturnType;
      try {
        results = await session.run(ortFeeds, runOptions);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ProtocolError(HttpStatus.InternalServerError, `model failed: ${reason}`, { cause: error });
      }
      const out = new Map<string, Tensor>();
      for (const spec of outputs) {
        const value = results[spec.name];
        if (value) out.set(spec.name, { data: value.data as TensorArray, shape: value.dims });
      }
      return out;
    },
    release: () => session.release(),
  };
}
