import * as tf from '@tensorflow/tfjs';
import { attrInt, attrInts } from '../attributes';
import { normAxis, toNumbers } from '../cpu-tensor';
import { logicalShape, permute, physicalAxis } from '../layout';
import { gpuValue, type KernelContext, type OpDef } from './kernel';

/**
 * Reductions and Softmax. Reducing over a set of axes does not care about memory order, so on an NHWC
 * activation they reduce the matching NHWC axes: Softmax over channels (axis 1) of a segmentation
 * head is then a softmax over TF.js's last axis, its fast path.
 */

type Reducer = (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor;

/** Reduce ops take axes as an attribute until opset 18 (ReduceSum: 13), then as input 1. */
function reduceAxes(ctx: KernelContext, inputFrom: number, rank: number): number[] | undefined {
  const given = ctx.opset >= inputFrom ? (ctx.has(1) ? toNumbers(ctx.cpu(1)) : undefined) : attrInts(ctx.node, 'axes');
  if (given && given.length) return given.map((a) => normAxis(a, rank));
  if (attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1) return [];
  return Array.from({ length: rank }, (_, i) => i);
}

const reduce = (fn: Reducer, inputFrom = 18): OpDef => ({
  cpuArgs: [1],
  gpu: (ctx) => {
    const v = ctx.gpu(0);
    const rank = v.tensor.rank;
    const axes = reduceAxes(ctx, inputFrom, rank);
    if (!axes || axes.length === 0) return [v];
    const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
    const y = fn(v.tensor, axes.map((a) => physicalAxis(v, a)), true);
    if (keep) return [gpuValue(y, v.layout)];
    // Dropping axes: the kept ones in logical order.
    const out = logicalShape(v).filter((_, i) => !axes.includes(i));
    const logical = v.layout === 'nhwc' ? permute(y, [0, 3, 1, 2]) : y;
    return [gpuValue(tf.reshape(logical, out))];
  },
});

/** Softmax over a set of physical axes: exp(x − max) / Σ exp(x − max), or its log. */
function softmaxOver(x: tf.Tensor, axes: number[], log: boolean): tf.Tensor {
  if (axes.length === 1 && axes[0] === x.rank - 1) return log ? tf.logSoftmax(x) : tf.softmax(x);
  const shifted = tf.sub(x, tf.max(x, axes, true));
  const sum = tf.sum(tf.exp(shifted), axes, true);
  return log ? tf.sub(shifted, tf.log(sum)) : tf.div(tf.exp(shifted), sum);
}

/**
 * Opset 13+: along one axis (default −1). Before 13: over all axes from `axis` (default 1) on, as if
 * the input were flattened to 2-D, which is the same set of elements whatever the memory order.
 */
const softmax = (log: boolean): OpDef => ({
  gpu: (ctx) => {
    const v = ctx.gpu(0);
    const rank = v.tensor.rank;
    const axis = normAxis(attrInt(ctx.node, 'axis', ctx.opset >= 13 ? -1 : 1), rank);
    const logical = ctx.opset >= 13 ? [axis] : Array.from({ length: rank - axis }, (_, i) => axis + i);
    const axes = logical.map((a) => physicalAxis(v, a)).sort((a, b) => a - b);
    return [gpuValue(softmaxOver(v.tensor, axes, log), v.layout)];
  },
});

const argExtreme = (fn: (x: tf.Tensor, axis: number) => tf.Tensor): OpDef => ({
  gpu: (ctx) => {
    const v = ctx.gpu(0);
    const axis = normAxis(attrInt(ctx.node, 'axis', 0), v.tensor.rank);
    if (attrInt(ctx.node, 'select_last_index', 0) === 1) throw new RangeError('select_last_index=1');
    const p = physicalAxis(v, axis);
    const y = tf.expandDims(fn(v.tensor, p), p);
    if (attrInt(ctx.node, 'keepdims', 1) === 1) return [gpuValue(y, v.layout)];
    const logical = v.layout === 'nhwc' ? permute(y, [0, 3, 1, 2]) : y;
    return [gpuValue(tf.squeeze(logical, [axis]))];
  },
});

export const REDUCTION_OPS: Record<string, OpDef> = {
  ReduceMean: reduce((x, a, k) => tf.mean(x, a, k)),
  ReduceSum: reduce((x, a, k) => tf.sum(x, a, k), 13),
  ReduceMax: reduce((x, a, k) => tf.max(x, a, k)),
  ReduceMin: reduce((x, a, k) => tf.min(x, a, k)),
  ReduceProd: reduce((x, a, k) => tf.prod(x, a, k)),
  ReduceL2: reduce((x, a, k) => tf.sqrt(tf.sum(tf.square(x), a, k))),
  ReduceSumSquare: reduce((x, a, k) => tf.sum(tf.square(x), a, k)),
  Softmax: softmax(false),
  LogSoftmax: softmax(true),
  ArgMax: argExtreme((x, a) => tf.argMax(x, a)),
  ArgMin: argExtreme((x, a) => tf.argMin(x, a)),
};
