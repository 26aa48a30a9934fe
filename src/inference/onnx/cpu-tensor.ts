import { checkedElements, modelLimits } from '../limits';
/**
 * Tensors held on the CPU as plain typed arrays: initializers as they come out of the file, and the small
 * integer arrays of shape computations (Shape → Gather → Concat → Reshape), which are evaluated here rather
 * than as GPU tensors.
 *
 * Element types keep ONNX's names so Cast, Shape and outputs stay faithful; the data is a Float32Array for
 * float32 (float16 and bfloat16 are widened to it) and a Float64Array for everything else. int64 values are
 * exact up to 2^53, far beyond any shape or index; INT64_MAX/MIN (Slice's "to the end") become ±9.2e18, which
 * the kernels clamp.
 */
export type DType =
  | 'float32'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint64'
  | 'uint32'
  | 'uint16'
  | 'uint8'
  | 'bool';

export interface CpuTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** ONNX TensorProto.DataType numbers → DType (float16/bfloat16 are widened to float32). */
export const ONNX_DTYPES: Record<number, DType | undefined> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float32',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'float32',
};

export const DTYPE_NAMES: Record<number, string> = {
  8: 'string',
  14: 'complex64',
  15: 'complex128',
  17: 'float8',
  18: 'float8',
  19: 'float8',
  20: 'float8',
};

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** The TF.js dtype a value of this ONNX type becomes on the GPU (TF.js has no int64 and no float64). */
export function tfDtype(dtype: DType): 'float32' | 'int32' | 'bool' {
  if (isFloat(dtype)) return 'float32';
  return dtype === 'bool' ? 'bool' : 'int32';
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The element count of a value about to be computed on the CPU at load (constant folding), refused
 * before its arrays are allocated when it passes the limit: a ConstantOfShape, Expand, Tile or Range
 * with a huge shape in a hostile file would otherwise take all memory. The caller adds the node.
 */
export function constantElements(shape: readonly number[]): number {
  return checkedElements(shape, modelLimits().maxConstantElements, 'A value computed at load', 'maxConstantElements');
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function makeCpu(dtype: DType, shape: readonly number[], values: ArrayLike<number>): CpuTensor {
  const n = constantElements(shape);
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  if (values.length !== data.length) {
    throw new Error(`makeCpu: ${values.length} values for shape [${shape.join(', ')}]`);
  }
  if (dtype === 'bool') for (let i = 0; i < data.length; i++) data[i] = values[i] ? 1 : 0;
  else if (isFloat(dtype)) data.set(values);
  else for (let i = 0; i < data.length; i++) data[i] = Math.trunc(values[i]);
  return { dtype, shape: [...shape], data };
}

export function scalarCpu(dtype: DType, value: number): CpuTensor {
  return makeCpu(dtype, [], [value]);
}

/** The elements as plain numbers (for shape-like inputs: pads, axes, starts, sizes, scales). */
export function toNumbers(t: CpuTensor): number[] {
  return Array.from(t.data);
}

/** Normalises a possibly negative axis against a rank, refusing one outside [-rank, rank). */
export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${axis} is outside a tensor of rank ${rank}`);
  return a;
}

/** Numpy-style (multidirectional) broadcast of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * For each element of `outShape`, the flat index into a tensor of `shape` that broadcasts to it.
 * Used by the CPU kernels, whose tensors are small.
 */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = constantElements(outShape);
  const idx = new Int32Array(n);
  const rank = outShape.length;
  const inStrides = stridesOf(shape);
  const offset = rank - shape.length;
  const outStrides = stridesOf(outShape);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let src = 0;
    for (let d = 0; d < rank; d++) {
      const coord = Math.floor(rem / outStrides[d]);
      rem -= coord * outStrides[d];
      const id = d - offset;
      if (id >= 0 && shape[id] !== 1) src += coord * inStrides[id];
    }
    idx[i] = src;
  }
  return idx;
}
