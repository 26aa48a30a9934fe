import {
  broadcastIndex,
  broadcastShapes,
  constantElements,
  isFloat,
  makeCpu,
  sizeOf,
  stridesOf,
  type CpuTensor,
  type DType,
} from '../cpu-tensor';
import type { SliceAxis } from './shape-rules';

/**
 * Array operations on CpuTensors: the building blocks of the CPU kernels. They favour clarity over speed,
 * since they only see shape arithmetic and the occasional small constant.
 */

export function mapCpu(x: CpuTensor, fn: (v: number) => number, dtype: DType = x.dtype): CpuTensor {
  return makeCpu(dtype, x.shape, Array.from(x.data, fn));
}

export function broadcastCpu(
  inputs: readonly CpuTensor[],
  fn: (...v: number[]) => number,
  dtype: DType,
): CpuTensor {
  const shape = inputs.map((t) => t.shape).reduce((a, b) => broadcastShapes(a, b));
  const n = constantElements(shape);
  const idx = inputs.map((t) => broadcastIndex(t.shape, shape));
  const out = new Array<number>(n);
  const args = new Array<number>(inputs.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < inputs.length; k++) args[k] = inputs[k].data[idx[k][i]];
    out[i] = fn(...args);
  }
  return makeCpu(dtype, shape, isFloat(dtype) ? out : out.map((v) => (Number.isFinite(v) ? v : 0)));
}

/** Elements at `coords(i)` for each output element i: the general gather used by slice, transpose, gather. */
function pick(x: CpuTensor, outShape: number[], source: (outCoord: number[]) => number): CpuTensor {
  const n = constantElements(outShape);
  const strides = stridesOf(outShape);
  const out = new Array<number>(n);
  const coord = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let rem = i;
    for (let d = 0; d < outShape.length; d++) {
      coord[d] = Math.floor(rem / strides[d]);
      rem -= coord[d] * strides[d];
    }
    out[i] = x.data[source(coord)];
  }
  return makeCpu(x.dtype, outShape, out);
}

export function sliceCpu(x: CpuTensor, axes: readonly SliceAxis[]): CpuTensor {
  const strides = stridesOf(x.shape);
  return pick(
    x,
    axes.map((a) => a.count),
    (c) => c.reduce((acc, ci, d) => acc + (axes[d].start + ci * axes[d].step) * strides[d], 0),
  );
}

export function transposeCpu(x: CpuTensor, perm: readonly number[]): CpuTensor {
  const strides = stridesOf(x.shape);
  return pick(
    x,
    perm.map((p) => x.shape[p]),
    (c) => c.reduce((acc, ci, d) => acc + ci * strides[perm[d]], 0),
  );
}

export function gatherCpu(x: CpuTensor, indices: CpuTensor, axis: number): CpuTensor {
  const dim = x.shape[axis];
  const idx = Array.from(indices.data, (v) => {
    const i = v < 0 ? v + dim : v;
    if (i < 0 || i >= dim) throw new RangeError(`Gather index ${v} outside [0, ${dim})`);
    return i;
  });
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const strides = stridesOf(x.shape);
  const k = indices.shape.length;
  const idxStrides = stridesOf(indices.shape);
  return pick(x, outShape, (c) => {
    let flat = 0;
    for (let d = 0; d < k; d++) flat += c[axis + d] * idxStrides[d];
    let src = idx[flat] * strides[axis];
    for (let d = 0; d < axis; d++) src += c[d] * strides[d];
    for (let d = axis + 1; d < x.shape.length; d++) src += c[d + k - 1] * strides[d];
    return src;
  });
}

export function concatCpu(inputs: readonly CpuTensor[], axis: number): CpuTensor {
  const first = inputs[0];
  const outer = sizeOf(first.shape.slice(0, axis));
  const shape = [...first.shape];
  shape[axis] = inputs.reduce((a, t) => a + t.shape[axis], 0);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const t of inputs) {
      const block = sizeOf(t.shape.slice(axis));
      for (let i = 0; i < block; i++) out.push(t.data[o * block + i]);
    }
  }
  return makeCpu(first.dtype, shape, out);
}

export function expandCpu(x: CpuTensor, shape: readonly number[]): CpuTensor {
  const idx = broadcastIndex(x.shape, shape);
  return makeCpu(x.dtype, shape, Array.from(idx, (i) => x.data[i]));
}

export function reshapeCpu(x: CpuTensor, shape: readonly number[]): CpuTensor {
  return { dtype: x.dtype, shape: [...shape], data: x.data };
}

/** Cast as ONNX defines it: float → int truncates toward zero, anything → bool is "not zero". */
export function castCpu(x: CpuTensor, to: DType): CpuTensor {
  if (to === 'bool') return mapCpu(x, (v) => (v !== 0 ? 1 : 0), to);
  if (isFloat(to)) return mapCpu(x, (v) => v, to);
  return mapCpu(x, (v) => (Number.isFinite(v) ? Math.trunc(v) : 0), to);
}
