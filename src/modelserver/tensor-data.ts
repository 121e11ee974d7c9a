/**
 * Tensor data as the protocols carry it (JSON numbers, flat row-major or
 * nested) and as onnxruntime wants it (typed arrays). Validation errors are
 * 400s that say which tensor and which dimension is wrong.
 */
import { invalidInput } from './protocol-error.js';

/** Open Inference Protocol datatype ↔ onnxruntime tensor type, for the numeric types served. */
export const DATATYPES = {
  // FP32 holds magnitudes up to about 3.4e38; larger JSON numbers would become Infinity, then null in the answer.
  FP32: { ort: 'float32', array: Float32Array, integer: false, min: -3.4028234663852886e38, max: 3.4028234663852886e38 },
  FP64: { ort: 'float64', array: Float64Array, integer: false, min: -Infinity, max: Infinity },
  INT8: { ort: 'int8', array: Int8Array, integer: true, min: -(2 ** 7), max: 2 ** 7 - 1 },
  INT16: { ort: 'int16', array: Int16Array, integer: true, min: -(2 ** 15), max: 2 ** 15 - 1 },
  INT32: { ort: 'int32', array: Int32Array, integer: true, min: -(2 ** 31), max: 2 ** 31 - 1 },
  UINT8: { ort: 'uint8', array: Uint8Array, integer: true, min: 0, max: 2 ** 8 - 1 },
  UINT16: { ort: 'uint16', array: Uint16Array, integer: true, min: 0, max: 2 ** 16 - 1 },
  UINT32: { ort: 'uint32', array: Uint32Array, integer: true, min: 0, max: 2 ** 32 - 1 },
} as const;
export type Datatype = keyof typeof DATATYPES;
export type TensorArray = InstanceType<(typeof DATATYPES)[Datatype]['array']>;

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && Object.hasOwn(DATATYPES, value);
}

export function datatypeOfOrtType(ortType: string): Datatype | undefined {
  return (Object.keys(DATATYPES) as Datatype[]).find((d) => DATATYPES[d].ort === ortType);
}

/** A model's declared dimension: a size, or -1 for any size (the batch). */
export type DeclaredShape = readonly number[];

export function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Checks a concrete shape against the declared one; -1 matches any size. */
export function checkShape(tensor: string, shape: readonly number[], declared: DeclaredShape): void {
  const fits = shape.length === declared.length && shape.every((size, i) => declared[i] === -1 || declared[i] === size);
  if (!fits) {
    throw invalidInput(`invalid shape for input '${tensor}': got ${describeShape(shape)}, the model expects ${describeShape(declared)} (-1: any size)`);
  }
}

/** The shape of nested arrays, read along the first elements (verified while copying). */
export function nestedShape(value: unknown): number[] {
  const shape: number[] = [];
  let cursor = value;
  while (Array.isArray(cursor)) {
    shape.push(cursor.length);
    cursor = cursor[0];
  }
  return shape;
}

/**
 * Copies nested (or flat) JSON arrays of numbers into a typed array of
 * `count` elements, checking that every row has the same length and every
 * element is a number of the datatype.
 */
export function copyNumbers(options: {
  tensor: string;
  value: unknown;
  shape: readonly number[];
  datatype: Datatype;
}): TensorArray {
  const { tensor, value, shape, datatype } = options;
  const { array: ArrayType, integer, min, max } = DATATYPES[datatype];
  // Typed arrays wrap integers silently (300 → 44 in INT8): out-of-range values are refused instead.
  const isBad = (element: unknown): boolean =>
    typeof element !== 'number' || !Number.isFinite(element) || element < min || element > max || (integer && !Number.isInteger(element));
  const count = shape.reduce((a, b) => a * b, 1);
  const out = new ArrayType(count);
  let offset = 0;
  const badElement = (path: string, element: unknown): never => {
    const what = element === null ? 'null' : Array.isArray(element) ? 'a list' : typeof element;
    throw invalidInput(`invalid data for input '${tensor}' at ${path}: expected ${integer ? `an integer in [${min}, ${max}]` : Number.isFinite(max) ? `a finite number within ±${max.toPrecision(5)}` : 'a finite number'} (${datatype}), got ${what === 'number' ? element : what}`);
  };
  const walk = (node: unknown, depth: number, path: string): void => {
    const size = shape[depth];
    if (size === undefined) {
      if (isBad(node)) badElement(path, node);
      out[offset++] = node as number;
      return;
    }
    if (!Array.isArray(node) || node.length !== size) {
      const got = Array.isArray(node) ? `${node.length} elements` : 'a scalar';
      throw invalidInput(`invalid data for input '${tensor}' at ${path}: expected ${size} elements (shape ${describeShape(shape)}), got ${got}`);
    }
    // Innermost rows are the hot loop: no recursion per number.
    if (depth === shape.length - 1) {
      for (let i = 0; i < size; i++) {
        const element: unknown = node[i];
        if (isBad(element)) badElement(`${path}[${i}]`, element);
        out[offset++] = element as number;
      }
      return;
    }
    for (let i = 0; i < size; i++) walk(node[i], depth + 1, `${path}[${i}]`);
  };
  walk(value, 0, 'data');
  return out;
}

/** Row-major flat data back to nested lists of the given shape (for V1 answers). */
export function nestRows(data: ArrayLike<number>, shape: readonly number[]): unknown[] {
  const build = (depth: number, start: number): unknown[] => {
    const size = shape[depth] ?? 0;
    const stride = shape.slice(depth + 1).reduce((a, b) => a * b, 1);
    const out = new Array<unknown>(size);
    for (let i = 0; i < size; i++) {
      out[i] = depth === shape.length - 1 ? data[start + i] : build(depth + 1, start + i * stride);
    }
    return out;
  };
  return build(0, 0);
}
