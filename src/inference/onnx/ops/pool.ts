import * as tf from '@tensorflow/tfjs';
import { attrInt, attrInts } from '../attributes';
import { nhwc } from '../layout';
import { gpuValue, type KernelContext, type OpDef } from './kernel';
import { check2d, explicitPadding, kernelShape, window2d } from './spatial';

/**
 * Pooling on NHWC activations. TF.js pools with explicit padding skip the padded cells (max ignores them,
 * average divides by the cells inside the image), which is ONNX's MaxPool and AveragePool with
 * count_include_pad=0, ceil_mode included. count_include_pad=1 pads with zeros first, so those zeros count.
 */

function maxPool(ctx: KernelContext) {
  const x = nhwc(ctx.gpu(0));
  const win = window2d(ctx.node, x.shape[1], x.shape[2], kernelShape(ctx.node)!);
  return [gpuValue(tf.maxPool(x, win.kernel, win.strides, explicitPadding(win)), 'nhwc')];
}

function averagePool(ctx: KernelContext) {
  let x = nhwc(ctx.gpu(0));
  const win = window2d(ctx.node, x.shape[1], x.shape[2], kernelShape(ctx.node)!);
  const given = attrInts(ctx.node, 'pads', [0, 0, 0, 0]);
  let pad = explicitPadding(win);
  if (attrInt(ctx.node, 'count_include_pad', 0) === 1 && given.some((p) => p > 0)) {
    // The explicit pads count as cells; only ceil_mode's extra cells do not (as in ONNX Runtime).
    const [t, l, b, r] = [given[0], given[1], given[2], given[3]];
    x = tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]]);
    pad = [[0, 0], [0, win.pads[1] - b], [0, win.pads[3] - r], [0, 0]];
  }
  return [gpuValue(tf.avgPool(x, win.kernel, win.strides, pad), 'nhwc')];
}

/** Global pools reduce every axis after the channels: (N, C, ...) → (N, C, 1, ...). */
const globalPool = (reduce: (x: tf.Tensor, axes: number[]) => tf.Tensor): OpDef => ({
  gpu: (ctx) => {
    const v = ctx.gpu(0);
    if (v.layout === 'nhwc') return [gpuValue(reduce(v.tensor, [1, 2]), 'nhwc')];
    const axes = v.tensor.shape.map((_, i) => i).slice(2);
    return [gpuValue(reduce(v.tensor, axes))];
  },
});

function checkPool(node: Parameters<NonNullable<OpDef['check']>>[0]): string | undefined {
  const d = attrInts(node, 'dilations');
  if (d && d.some((v) => v !== 1)) return 'has dilations';
  if (node.outputs[1]) return 'returns the indices of the maxima';
  if (!kernelShape(node)) return 'has no 2-D kernel_shape';
  return check2d(node);
}

export const POOL_OPS: Record<string, OpDef> = {
  MaxPool: { gpu: maxPool, check: checkPool },
  AveragePool: { gpu: averagePool, check: checkPool },
  GlobalAveragePool: globalPool((x, axes) => tf.mean(x, axes, true)),
  GlobalMaxPool: globalPool((x, axes) => tf.max(x, axes, true)),
};
