import * as tf from '@tensorflow/tfjs';
import { attrInt, attrInts } from '../attributes';
import { normAxis, toNumbers } from '../cpu-tensor';
import { alignOperands, logicalShape, nchw, NCHW_TO_NHWC_AXIS, physicalAxis } from '../layout';
import { gpuValue, type GpuValue, type KernelContext, type OpDef } from './kernel';
import { sliceAxes, splitSizes, type SliceAxis } from './shape-rules';

/**
 * Concat, Split and Slice keep the rank, so on an NHWC activation they run on the matching NHWC axis
 * (channel concatenation in a U-Net or DenseNet stays on TF.js's fast path, without transposes).
 * Gather removes or adds axes and works in logical order.
 */

function concat(ctx: KernelContext) {
  const vs: GpuValue[] = [];
  ctx.node.inputs.forEach((_, i) => ctx.has(i) && vs.push(ctx.gpu(i)));
  const rank = vs[0].tensor.rank;
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), rank);
  const { tensors, layout } = alignOperands(vs);
  const physical = layout === 'nhwc' ? NCHW_TO_NHWC_AXIS[axis] : axis;
  const parts = tensors.filter((t) => t.shape[physical] > 0);
  return [gpuValue(parts.length === 1 ? parts[0] : tf.concat(parts.length ? parts : tensors, physical), layout)];
}

function split(ctx: KernelContext) {
  const v = ctx.gpu(0);
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), v.tensor.rank);
  const given = ctx.opset >= 13 ? (ctx.has(1) ? toNumbers(ctx.cpu(1)) : undefined) : attrInts(ctx.node, 'split');
  const sizes = splitSizes(logicalShape(v)[axis], ctx.node.outputs.length, given);
  const p = physicalAxis(v, axis);
  let start = 0;
  return sizes.map((n) => {
    const begin = v.tensor.shape.map((_, i) => (i === p ? start : 0));
    const size = v.tensor.shape.map((d, i) => (i === p ? n : d));
    start += n;
    return gpuValue(tf.slice(v.tensor, begin, size), v.layout);
  });
}

/** A slice with per-axis steps; negative steps reverse the axis first. */
function applySlice(t: tf.Tensor, axes: readonly SliceAxis[]): tf.Tensor {
  const rev = axes.map((a, i) => (a.step < 0 && a.count > 0 ? i : -1)).filter((i) => i >= 0);
  let x = rev.length ? tf.reverse(t, rev) : t;
  const begin = axes.map((a, i) => (a.step < 0 && a.count > 0 ? t.shape[i] - 1 - a.start : a.start));
  const steps = axes.map((a) => Math.abs(a.step));
  const size = axes.map((a) => a.count);
  if (steps.every((s) => s === 1)) return tf.slice(x, begin, size);
  const end = begin.map((b, i) => b + (size[i] - 1) * steps[i] + 1);
  x = tf.stridedSlice(x, begin, end, steps);
  return x;
}

function slice(ctx: KernelContext) {
  const v = ctx.gpu(0);
  const shape = logicalShape(v);
  const opt = (i: number) => (ctx.has(i) ? toNumbers(ctx.cpu(i)) : undefined);
  let axes: SliceAxis[];
  if (ctx.opset >= 10 && ctx.has(1)) axes = sliceAxes(shape, opt(1)!, opt(2)!, opt(3), opt(4));
  else axes = sliceAxes(shape, attrInts(ctx.node, 'starts', []), attrInts(ctx.node, 'ends', []), attrInts(ctx.node, 'axes'), undefined);
  const physical = v.layout === 'nhwc' ? [axes[0], axes[2], axes[3], axes[1]] : axes;
  if (physical.every((a, i) => a.start === 0 && a.step === 1 && a.count === v.tensor.shape[i])) return [v];
  if (physical.some((a) => a.count === 0)) {
    return [gpuValue(tf.zeros(physical.map((a) => a.count), v.tensor.dtype), v.layout)];
  }
  return [gpuValue(applySlice(v.tensor, physical), v.layout)];
}

function gather(ctx: KernelContext) {
  const x = nchw(ctx.gpu(0));
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), x.rank);
  const iv = ctx.value(1);
  let indices: tf.Tensor;
  if (iv.kind === 'cpu') {
    const dim = x.shape[axis];
    const idx = Array.from(iv.cpu.data, (i) => (i < 0 ? i + dim : i));
    if (idx.some((i) => i < 0 || i >= dim)) throw new RangeError(`Gather index outside [0, ${dim})`);
    indices = tf.tensor(Int32Array.from(idx), [...iv.cpu.shape], 'int32');
  } else {
    indices = tf.cast(nchw(iv), 'int32');
  }
  return [gpuValue(tf.gather(x, indices, axis))];
}

export const SELECTION_OPS: Record<string, OpDef> = {
  Concat: { gpu: concat },
  Split: { cpuArgs: [1], gpu: split },
  Slice: { cpuArgs: [1, 2, 3, 4], gpu: slice },
  Gather: { cpuArgs: [1], gpu: gather },
};
