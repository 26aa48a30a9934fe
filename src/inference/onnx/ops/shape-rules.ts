import { attrInts } from '../attributes';
import { normAxis, sizeOf, toNumbers, type CpuTensor } from '../cpu-tensor';
import type { OnnxNode } from '../model-graph';

/**
 * ONNX's shape rules, shared by the CPU kernels (shape arithmetic) and the GPU kernels so that both
 * read Reshape's 0 and -1, Slice's clamping, Squeeze's axes... the same way.
 */

/** Reshape: 0 copies the input's dimension (unless allowzero), one -1 takes what is left. */
export function reshapeTarget(inShape: readonly number[], shape: readonly number[], allowzero: boolean): number[] {
  const out = shape.map((d, i) => (d === 0 && !allowzero ? inShape[i] : d));
  const minus = out.indexOf(-1);
  if (minus >= 0) {
    const known = out.reduce((a, d, i) => (i === minus ? a : a * d), 1);
    out[minus] = known === 0 ? 0 : sizeOf(inShape) / known;
  }
  if (sizeOf(out) !== sizeOf(inShape) || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`cannot reshape [${inShape.join(', ')}] to [${shape.join(', ')}]`);
  }
  return out;
}

export function flattenShape(inShape: readonly number[], axis: number): number[] {
  const a = axis < 0 ? axis + inShape.length : axis;
  return [sizeOf(inShape.slice(0, a)), sizeOf(inShape.slice(a))];
}

/** Axes from the attribute (before `inputFrom`) or from input 1 (from that opset on). */
export function axesOf(
  node: OnnxNode,
  opset: number,
  inputFrom: number,
  axesInput: CpuTensor | undefined,
): number[] | undefined {
  if (opset >= inputFrom) return axesInput ? toNumbers(axesInput) : undefined;
  return attrInts(node, 'axes');
}

export function squeezeShape(inShape: readonly number[], axes: number[] | undefined): number[] {
  if (!axes) return inShape.filter((d) => d !== 1);
  const drop = new Set(axes.map((a) => normAxis(a, inShape.length)));
  for (const a of drop) if (inShape[a] !== 1) throw new RangeError(`cannot squeeze axis ${a} of size ${inShape[a]}`);
  return inShape.filter((_, i) => !drop.has(i));
}

export function unsqueezeShape(inShape: readonly number[], axes: number[]): number[] {
  const rank = inShape.length + axes.length;
  const add = new Set(axes.map((a) => normAxis(a, rank)));
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(add.has(i) ? 1 : inShape[j++]);
  return out;
}

export interface SliceAxis {
  readonly start: number;
  readonly step: number;
  readonly count: number;
}

/** Slice (opset 10+): per axis the first index, step and number of elements, clamped as ONNX says. */
export function sliceAxes(
  inShape: readonly number[],
  starts: number[],
  ends: number[],
  axes: number[] | undefined,
  steps: number[] | undefined,
): SliceAxis[] {
  const out: SliceAxis[] = inShape.map((d) => ({ start: 0, step: 1, count: d }));
  const ax = axes ?? starts.map((_, i) => i);
  ax.forEach((a0, i) => {
    const a = normAxis(a0, inShape.length);
    const dim = inShape[a];
    const step = steps?.[i] ?? 1;
    if (step === 0) throw new RangeError('Slice step 0');
    let start = starts[i] < 0 ? starts[i] + dim : starts[i];
    let end = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    const count = Math.max(0, Math.ceil((end - start) / step));
    out[a] = { start, step, count };
  });
  return out;
}

/** Split: sizes from the input (opset 13+), the attribute, num_outputs (18) or equal parts. */
export function splitSizes(dim: number, outputs: number, split: number[] | undefined): number[] {
  if (split && split.length) {
    if (split.reduce((a, b) => a + b, 0) !== dim) throw new RangeError(`split [${split.join(', ')}] of ${dim}`);
    return split;
  }
  const part = Math.ceil(dim / outputs);
  return Array.from({ length: outputs }, (_, i) => Math.max(0, Math.min(part, dim - i * part)));
}

/** Expand's output: bidirectional broadcast of the input's shape and the requested one. */
export function expandShape(inShape: readonly number[], shape: readonly number[]): number[] {
  const rank = Math.max(inShape.length, shape.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const a = inShape[inShape.length - rank + i] ?? 1;
    const b = shape[shape.length - rank + i] ?? 1;
    if (a !== b && a !== 1 && b !== 1) throw new RangeError(`cannot expand [${inShape.join(', ')}] to [${shape.join(', ')}]`);
    out.push(a === 1 ? b : a);
  }
  return out;
}
