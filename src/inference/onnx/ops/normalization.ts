import * as tf from '@tensorflow/tfjs';
import { attrFloat, attrInt } from '../attributes';
import { makeCpu, normAxis, type CpuTensor } from '../cpu-tensor';
import { nchw } from '../layout';
import { gpuValue, type GpuValue, type KernelContext, type OpDef, type Prepared } from './kernel';

/**
 * BatchNormalization (inference form) becomes one multiply-add per channel, folded at load:
 * scale = γ / √(var + ε), shift = β − mean·scale. LayerNormalization and InstanceNormalization compute
 * their statistics with TF.js ops.
 */

interface Affine {
  scale: tf.Tensor1D;
  shift: tf.Tensor1D;
}

function foldBatchNorm(consts: readonly (CpuTensor | undefined)[], eps: number): { scale: number[]; shift: number[] } | undefined {
  const [, g, b, m, v] = consts;
  if (!g || !b || !m || !v) return undefined;
  const scale = Array.from(g.data, (gi, i) => gi / Math.sqrt(v.data[i] + eps));
  const shift = Array.from(b.data, (bi, i) => bi - m.data[i] * scale[i]);
  return { scale, shift };
}

/** A per-channel vector shaped to broadcast against a value (channels last in NHWC, axis 1 otherwise). */
function perChannel(t: tf.Tensor, v: GpuValue): tf.Tensor {
  if (v.layout === 'nhwc' || v.tensor.rank <= 2) return t;
  return tf.reshape(t, [-1, ...new Array<number>(v.tensor.rank - 2).fill(1)]);
}

function batchNorm(ctx: KernelContext) {
  const v = ctx.gpu(0);
  let affine = ctx.prepared as Affine | undefined;
  if (!affine) {
    const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
    const [g, b, m, variance] = [1, 2, 3, 4].map((i) => ctx.gpu(i).tensor);
    const scale = tf.div(g, tf.sqrt(tf.add(variance, eps))) as tf.Tensor1D;
    affine = { scale, shift: tf.sub(b, tf.mul(m, scale)) as tf.Tensor1D };
  }
  const y = tf.add(tf.mul(v.tensor, perChannel(affine.scale, v)), perChannel(affine.shift, v));
  return [gpuValue(y, v.layout)];
}

function layerNorm(ctx: KernelContext) {
  const x = nchw(ctx.gpu(0));
  const axis = normAxis(attrInt(ctx.node, 'axis', -1), x.rank);
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const axes = x.shape.map((_, i) => i).slice(axis);
  const { mean, variance } = tf.moments(x, axes, true);
  const invStd = tf.rsqrt(tf.add(variance, eps));
  let y = tf.mul(tf.sub(x, mean), invStd);
  y = tf.mul(y, ctx.gpu(1).tensor);
  if (ctx.has(2)) y = tf.add(y, ctx.gpu(2).tensor);
  return [gpuValue(y), gpuValue(mean), gpuValue(invStd)].slice(0, Math.max(1, ctx.node.outputs.length));
}

function instanceNorm(ctx: KernelContext) {
  const v = ctx.gpu(0);
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const axes = v.layout === 'nhwc' ? [1, 2] : v.tensor.shape.map((_, i) => i).slice(2);
  const { mean, variance } = tf.moments(v.tensor, axes, true);
  const y = tf.mul(tf.sub(v.tensor, mean), tf.rsqrt(tf.add(variance, eps)));
  const scale = perChannel(ctx.gpu(1).tensor, v);
  const bias = perChannel(ctx.gpu(2).tensor, v);
  return [gpuValue(tf.add(tf.mul(y, scale), bias), v.layout)];
}

export const NORMALIZATION_OPS: Record<string, OpDef> = {
  BatchNormalization: {
    gpu: batchNorm,
    prepare: (node, consts): Prepared | undefined => {
      const folded = foldBatchNorm(consts, attrFloat(node, 'epsilon', 1e-5));
      if (!folded) return undefined;
      const n = folded.scale.length;
      const scale = tf.tensor1d(makeCpu('float32', [n], folded.scale).data as Float32Array);
      const shift = tf.tensor1d(makeCpu('float32', [n], folded.shift).data as Float32Array);
      return { tensors: [scale, shift], state: { scale, shift } satisfies Affine, replaces: [1, 2, 3, 4] };
    },
    check: (node) => (node.outputs.filter((o) => o).length > 1 ? 'is in training mode (running statistics as outputs)' : undefined),
  },
  LayerNormalization: { gpu: layerNorm },
  InstanceNormalization: { gpu: instanceNorm },
};
