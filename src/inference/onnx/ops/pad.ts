import * as tf from '@tensorflow/tfjs';
import { attrFloat, attrInts, attrString } from '../attributes';
import { normAxis, toNumbers } from '../cpu-tensor';
import { gpuValue, type KernelContext, type OpDef } from './kernel';

/**
 * Pad (constant, reflect, edge) in the value's own memory order: the logical pads are moved to the
 * physical axes. Negative pads crop first.
 */

function padsOf(ctx: KernelContext, rank: number): [number, number][] {
  const flat = ctx.opset >= 11 ? toNumbers(ctx.cpu(1)) : attrInts(ctx.node, 'pads', []);
  const axes = ctx.has(3) ? toNumbers(ctx.cpu(3)).map((a) => normAxis(a, rank)) : Array.from({ length: rank }, (_, i) => i);
  const out: [number, number][] = Array.from({ length: rank }, () => [0, 0]);
  axes.forEach((a, k) => (out[a] = [flat[k], flat[k + axes.length]]));
  return out;
}

/** Edge padding: repeat the first and last rows along each padded axis (a gather with clamped indices). */
function edgePad(x: tf.Tensor, pads: [number, number][]): tf.Tensor {
  let y = x;
  pads.forEach(([b, e], axis) => {
    if (!b && !e) return;
    const n = y.shape[axis];
    const idx = Int32Array.from({ length: n + b + e }, (_, i) => Math.min(Math.max(i - b, 0), n - 1));
    y = tf.gather(y, tf.tensor1d(idx, 'int32'), axis);
  });
  return y;
}

function pad(ctx: KernelContext) {
  const v = ctx.gpu(0);
  const rank = v.tensor.rank;
  const logical = padsOf(ctx, rank);
  const pads = v.layout === 'nhwc' ? [0, 1, 2, 3].map((p) => logical[[0, 2, 3, 1][p]]) : logical;
  let x = v.tensor;
  if (pads.some(([b, e]) => b < 0 || e < 0)) {
    const begin = pads.map(([b]) => Math.max(0, -b));
    const size = pads.map(([b, e], i) => x.shape[i] - Math.max(0, -b) - Math.max(0, -e));
    x = tf.slice(x, begin, size);
  }
  const grow = pads.map(([b, e]) => [Math.max(0, b), Math.max(0, e)] as [number, number]);
  const mode = attrString(ctx.node, 'mode', 'constant');
  let y: tf.Tensor;
  if (mode === 'reflect') y = tf.mirrorPad(x, grow, 'reflect');
  else if (mode === 'edge') y = edgePad(x, grow);
  else {
    const value = ctx.opset >= 11 ? (ctx.has(2) ? ctx.cpu(2).data[0] : 0) : attrFloat(ctx.node, 'value', 0);
    y = tf.pad(x, grow, value);
  }
  return [gpuValue(y, v.layout)];
}

export const PAD_OPS: Record<string, OpDef> = {
  Pad: {
    cpuArgs: [1, 2, 3],
    gpu: pad,
    check: (node) => {
      const mode = attrString(node, 'mode', 'constant');
      return ['constant', 'reflect', 'edge'].includes(mode) ? undefined : `uses mode "${mode}"`;
    },
  },
};
