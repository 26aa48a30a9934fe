import * as tf from '@tensorflow/tfjs';
import { attrFloat, attrInt } from '../attributes';
import { broadcastShapes, makeCpu, sizeOf, type CpuTensor } from '../cpu-tensor';
import { nchw } from '../layout';
import { transposeCpu } from './cpu-arrays';
import { gpuValue, type KernelContext, type OpDef, type Prepared } from './kernel';

/**
 * Gemm and MatMul on tensors in logical order (a Flatten or Reshape before them has already put a
 * convolution's output back into PyTorch's element order). Constant B is laid out at load as (K, N) with
 * alpha folded in, and constant C is scaled by beta, so a run is one fused matMul + bias (+ Relu).
 */

interface GemmWeights {
  b: tf.Tensor2D;
  c?: tf.Tensor;
}

function prepareGemm(node: Parameters<NonNullable<OpDef['prepare']>>[0], consts: readonly (CpuTensor | undefined)[]): Prepared | undefined {
  const b = consts[1];
  if (!b || b.shape.length !== 2) return undefined;
  if (node.inputs[2] && !consts[2]) return undefined;
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  const kn = attrInt(node, 'transB', 0) === 1 ? transposeCpu(b, [1, 0]) : b;
  const bData = alpha === 1 ? kn.data : kn.data.map((v) => v * alpha);
  const state: GemmWeights = { b: tf.tensor2d(bData as Float32Array, [kn.shape[0], kn.shape[1]], 'float32') };
  const c = consts[2];
  if (c) state.c = tf.tensor(beta === 1 ? c.data : c.data.map((v) => v * beta), [...c.shape], 'float32');
  return { tensors: state.c ? [state.b, state.c] : [state.b], state, replaces: [1, 2] };
}

function gemm(ctx: KernelContext) {
  const a = nchw(ctx.gpu(0)) as tf.Tensor2D;
  const transposeA = attrInt(ctx.node, 'transA', 0) === 1;
  let w = ctx.prepared as GemmWeights | undefined;
  if (!w) {
    const alpha = attrFloat(ctx.node, 'alpha', 1);
    const beta = attrFloat(ctx.node, 'beta', 1);
    let b = ctx.gpu(1).tensor as tf.Tensor2D;
    if (attrInt(ctx.node, 'transB', 0) === 1) b = tf.transpose(b);
    if (alpha !== 1) b = tf.mul(b, alpha);
    const c = ctx.has(2) ? ctx.gpu(2).tensor : undefined;
    w = { b, c: c && beta !== 1 ? tf.mul(c, beta) : c };
  }
  const act = ctx.fused;
  const y = tf.fused.matMul({
    a,
    b: w.b,
    transposeA,
    bias: w.c,
    activation: act?.kind ?? 'linear',
    leakyreluAlpha: act?.kind === 'leakyrelu' ? act.alpha : undefined,
  });
  return [gpuValue(y)];
}

/** numpy.matmul: 1-D operands are promoted and the added axis removed; batch axes broadcast. */
function matmul(ctx: KernelContext) {
  let a = nchw(ctx.gpu(0));
  let b = (ctx.prepared as tf.Tensor | undefined) ?? nchw(ctx.gpu(1));
  const aVec = a.rank === 1;
  const bVec = b.rank === 1;
  if (aVec) a = tf.reshape(a, [1, a.shape[0]]);
  if (bVec) b = tf.reshape(b, [b.shape[0], 1]);
  const m = a.shape[a.rank - 2];
  const k = a.shape[a.rank - 1];
  const n = b.shape[b.rank - 1];
  let y: tf.Tensor;
  if (b.rank === 2) {
    // The common case (a Linear layer): one 2-D product over all leading axes.
    y = tf.reshape(tf.matMul(tf.reshape(a, [-1, k]), b as tf.Tensor2D), [...a.shape.slice(0, -1), n]);
  } else {
    const batchA = a.shape.slice(0, -2);
    const batchB = b.shape.slice(0, -2);
    const shape = broadcastShapes(batchA, batchB);
    const full = (t: tf.Tensor, rows: number, cols: number) =>
      tf.reshape(sizeOf(t.shape.slice(0, -2)) === sizeOf(shape) ? t : tf.broadcastTo(t, [...shape, rows, cols]), [-1, rows, cols]) as tf.Tensor3D;
    y = tf.reshape(tf.matMul(full(a, m, k), full(b, k, n)), [...shape, m, n]);
  }
  if (aVec || bVec) {
    const s = y.shape.slice();
    if (bVec) s.splice(s.length - 1, 1);
    if (aVec) s.splice(s.length - (bVec ? 1 : 2), 1);
    y = tf.reshape(y, s);
  }
  return [gpuValue(y)];
}

export const MATMUL_OPS: Record<string, OpDef> = {
  Gemm: { gpu: gemm, prepare: (node, consts) => prepareGemm(node, consts) },
  MatMul: {
    gpu: matmul,
    prepare: (_, consts): Prepared | undefined => {
      const b = consts[1];
      if (!b || b.shape.length < 2) return undefined;
      const t = tf.tensor(makeCpu('float32', b.shape, b.data).data as Float32Array, [...b.shape], 'float32');
      return { tensors: [t], state: t, replaces: [1] };
    },
  },
};
