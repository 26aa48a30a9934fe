import * as tf from '@tensorflow/tfjs';
import { attrInt } from '../attributes';
import { makeCpu, type CpuTensor } from '../cpu-tensor';
import { nhwc } from '../layout';
import { transposeCpu } from './cpu-arrays';
import { gpuValue, type FusedActivation, type KernelContext, type OpDef, type Prepared } from './kernel';
import { check2d, explicitPadding, kernelShape, window2d } from './spatial';

/**
 * Conv on NHWC activations. At load, the OIHW weights are laid out once as TF.js wants them: HWIO for
 * ordinary and grouped convolutions, (H, W, C, multiplier) for depthwise ones, and the bias uploaded.
 * Bias and a following Relu/LeakyRelu/Sigmoid (fused by the planner) run inside TF.js's fused kernel.
 */

interface ConvWeights {
  kind: 'dense' | 'depthwise' | 'grouped';
  /** One filter, or one per group. */
  filters: tf.Tensor4D[];
  bias?: tf.Tensor1D;
  kernel: [number, number];
}

/** OIHW (one group's slice) → HWIO. */
function hwio(w: CpuTensor, from: number, count: number): CpuTensor {
  const [, i, h, ww] = w.shape;
  const part = makeCpu(w.dtype, [count, i, h, ww], w.data.subarray(from * i * h * ww, (from + count) * i * h * ww));
  return transposeCpu(part, [2, 3, 1, 0]);
}

/** (M, 1, H, W) with M = C·multiplier → (H, W, C, multiplier), TF.js's depthwise filter. */
function depthwiseFilter(w: CpuTensor, channels: number): CpuTensor {
  const [m, , h, ww] = w.shape;
  const mult = m / channels;
  return transposeCpu(makeCpu(w.dtype, [channels, mult, h, ww], w.data), [2, 3, 0, 1]);
}

function layOut(w: CpuTensor, group: number): { kind: ConvWeights['kind']; filters: CpuTensor[] } {
  const [m, i] = w.shape;
  if (group === 1) return { kind: 'dense', filters: [hwio(w, 0, m)] };
  if (i === 1) return { kind: 'depthwise', filters: [depthwiseFilter(w, group)] };
  const per = m / group;
  return { kind: 'grouped', filters: Array.from({ length: group }, (_, g) => hwio(w, g * per, per)) };
}

const upload = (t: CpuTensor) => tf.tensor(t.data as Float32Array, [...t.shape], 'float32');

function prepareConv(node: Parameters<NonNullable<OpDef['prepare']>>[0], consts: readonly (CpuTensor | undefined)[]): Prepared | undefined {
  const w = consts[1];
  if (!w || w.shape.length !== 4) return undefined;
  const { kind, filters } = layOut(w, attrInt(node, 'group', 1));
  const weights: ConvWeights = {
    kind,
    filters: filters.map((f) => upload(f) as tf.Tensor4D),
    bias: consts[2] ? (upload(consts[2]) as tf.Tensor1D) : undefined,
    kernel: kernelShape(node, w.shape)!,
  };
  const replaces = node.inputs[2] && !consts[2] ? [1] : [1, 2];
  return { tensors: [...weights.filters, ...(weights.bias ? [weights.bias] : [])], state: weights, replaces };
}

/** Weights that were not constants at load (rare): laid out now, on the GPU. */
function runtimeWeights(ctx: KernelContext): ConvWeights {
  const w = ctx.gpu(1).tensor as tf.Tensor4D;
  const group = attrInt(ctx.node, 'group', 1);
  const kernel = kernelShape(ctx.node, w.shape)!;
  const [m, i, h, ww] = w.shape;
  let kind: ConvWeights['kind'] = 'dense';
  let filters: tf.Tensor4D[];
  if (group === 1) filters = [tf.transpose(w, [2, 3, 1, 0])];
  else if (i === 1) {
    kind = 'depthwise';
    filters = [tf.transpose(tf.reshape(w, [group, m / group, h, ww]), [2, 3, 0, 1])];
  } else {
    kind = 'grouped';
    filters = tf.split(w, group, 0).map((p) => tf.transpose(p, [2, 3, 1, 0]) as tf.Tensor4D);
  }
  return { kind, filters, kernel };
}

function biasAndActivation(y: tf.Tensor4D, bias: tf.Tensor | undefined, act: FusedActivation | undefined): tf.Tensor4D {
  let out: tf.Tensor4D = bias ? tf.add(y, bias) : y;
  if (act?.kind === 'relu') out = tf.relu(out);
  else if (act?.kind === 'leakyrelu') out = tf.leakyRelu(out, act.alpha);
  else if (act?.kind === 'sigmoid') out = tf.sigmoid(out);
  return out;
}

function conv(ctx: KernelContext) {
  const x = nhwc(ctx.gpu(0));
  const weights = (ctx.prepared as ConvWeights | undefined) ?? runtimeWeights(ctx);
  const bias = weights.bias ?? (ctx.has(2) ? ctx.gpu(2).tensor : undefined);
  const win = window2d(ctx.node, x.shape[1], x.shape[2], weights.kernel);
  const pad = explicitPadding(win);
  // TF.js convolutions take strides or dilations, not both: convolve densely, then subsample.
  const both = win.strides.some((s) => s > 1) && win.dilations.some((d) => d > 1);
  const strides: [number, number] = both ? [1, 1] : win.strides;
  const act = ctx.fused;
  const fusedArgs = {
    strides,
    dilations: win.dilations,
    dataFormat: 'NHWC' as const,
    bias,
    activation: act?.kind ?? ('linear' as const),
    leakyreluAlpha: act?.kind === 'leakyrelu' ? act.alpha : undefined,
  };
  let y: tf.Tensor4D;
  if (weights.kind === 'dense') {
    y = tf.fused.conv2d({ x, filter: weights.filters[0], pad, ...fusedArgs });
  } else if (weights.kind === 'depthwise') {
    // TF.js's fused depthwise kernel takes one padding for all sides; asymmetric pads run unfused.
    const p = win.pads;
    if (p.every((v) => v === p[0])) {
      y = tf.fused.depthwiseConv2d({ x, filter: weights.filters[0], pad: p[0], ...fusedArgs });
    } else {
      y = tf.depthwiseConv2d(x, weights.filters[0], strides, pad, 'NHWC', win.dilations);
      y = biasAndActivation(y, bias, act);
    }
  } else {
    const parts = tf.split(x, weights.filters.length, 3) as tf.Tensor4D[];
    const ys = parts.map((p, g) => tf.conv2d(p, weights.filters[g], strides, pad, 'NHWC', win.dilations));
    y = biasAndActivation(tf.concat(ys, 3), bias, act);
  }
  if (both) {
    const [sh, sw] = win.strides;
    y = tf.stridedSlice(y, [0, 0, 0, 0], y.shape, [1, sh, sw, 1]) as tf.Tensor4D;
  }
  return [gpuValue(y, 'nhwc')];
}

export const CONV_OPS: Record<string, OpDef> = {
  Conv: {
    gpu: conv,
    prepare: (node, consts) => prepareConv(node, consts),
    check: (node, graph) => {
      const w = graph.initializers.get(node.inputs[1]);
      if (w && w.shape.length !== 4) return `has a ${w.shape.length - 2}-D kernel (only 2-D images are supported)`;
      return check2d(node, w?.shape);
    },
  },
};

export { biasAndActivation, upload };
