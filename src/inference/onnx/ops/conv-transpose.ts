import * as tf from '@tensorflow/tfjs';
import { attrInt, attrInts, attrString } from '../attributes';
import { makeCpu, type CpuTensor } from '../cpu-tensor';
import { nhwc } from '../layout';
import { biasAndActivation, upload } from './conv';
import { transposeCpu } from './cpu-arrays';
import { gpuValue, type KernelContext, type OpDef, type Prepared } from './kernel';
import { check2d } from './spatial';

/**
 * ConvTranspose (U-Net decoders) on NHWC activations. TF.js's conv2dTranspose computes the full
 * output, stride·(in−1)+kernel per side; ONNX's pads crop it and output_padding extends it with zeros
 * at the end, before the bias is added, as ONNX Runtime does.
 */

interface TransposeWeights {
  /** One (H, W, out, in) filter per group. */
  filters: tf.Tensor4D[];
  bias?: tf.Tensor1D;
  kernel: [number, number];
}

/** ONNX (C, M/g, kh, kw) → one (kh, kw, M/g, C/g) filter per group. */
function layOut(w: CpuTensor, group: number): CpuTensor[] {
  const [c, m, h, ww] = w.shape;
  const per = c / group;
  const block = per * m * h * ww;
  return Array.from({ length: group }, (_, g) =>
    transposeCpu(makeCpu(w.dtype, [per, m, h, ww], w.data.subarray(g * block, (g + 1) * block)), [2, 3, 1, 0]),
  );
}

function prepare(node: Parameters<NonNullable<OpDef['prepare']>>[0], consts: readonly (CpuTensor | undefined)[]): Prepared | undefined {
  const w = consts[1];
  if (!w || w.shape.length !== 4) return undefined;
  const state: TransposeWeights = {
    filters: layOut(w, attrInt(node, 'group', 1)).map((f) => upload(f) as tf.Tensor4D),
    bias: consts[2] ? (upload(consts[2]) as tf.Tensor1D) : undefined,
    kernel: [w.shape[2], w.shape[3]],
  };
  const replaces = node.inputs[2] && !consts[2] ? [1] : [1, 2];
  return { tensors: [...state.filters, ...(state.bias ? [state.bias] : [])], state, replaces };
}

function runtimeWeights(ctx: KernelContext): TransposeWeights {
  const w = ctx.gpu(1).tensor as tf.Tensor4D;
  const group = attrInt(ctx.node, 'group', 1);
  return {
    filters: tf.split(w, group, 0).map((p) => tf.transpose(p, [2, 3, 1, 0]) as tf.Tensor4D),
    kernel: [w.shape[2], w.shape[3]],
  };
}

/** Per side: the crop start and the output length, from pads / output_shape / auto_pad. */
function extent(ctx: KernelContext, d: number, inSize: number, k: number, s: number): { begin: number; out: number } {
  const node = ctx.node;
  const outPad = attrInts(node, 'output_padding')?.[d] ?? 0;
  const outputShape = attrInts(node, 'output_shape');
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const natural = s * (inSize - 1) + outPad + k;
  if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const out = outputShape ? outputShape[outputShape.length - 2 + d] : inSize * s;
    const total = natural - out;
    // ONNX Runtime (conv_transpose_attributes.h): SAME_UPPER puts the larger half at the start.
    const begin = autoPad === 'SAME_UPPER' ? total - Math.floor(total / 2) : Math.floor(total / 2);
    return { begin, out };
  }
  const pads = attrInts(node, 'pads', [0, 0, 0, 0]);
  const begin = autoPad === 'VALID' ? 0 : pads[d];
  const end = autoPad === 'VALID' ? 0 : pads[d + 2];
  return { begin, out: natural - begin - end };
}

function convTranspose(ctx: KernelContext) {
  const x = nhwc(ctx.gpu(0));
  const weights = (ctx.prepared as TransposeWeights | undefined) ?? runtimeWeights(ctx);
  const strides = (attrInts(ctx.node, 'strides') ?? [1, 1]) as [number, number];
  const [n, inH, inW] = x.shape;
  const [kh, kw] = weights.kernel;
  const fullH = strides[0] * (inH - 1) + kh;
  const fullW = strides[1] * (inW - 1) + kw;
  const parts = weights.filters.length > 1 ? (tf.split(x, weights.filters.length, 3) as tf.Tensor4D[]) : [x];
  const ys = parts.map((p, g) => {
    const f = weights.filters[g];
    return tf.conv2dTranspose(p, f, [n, fullH, fullW, f.shape[2]], strides, 'valid') as tf.Tensor4D;
  });
  let y: tf.Tensor4D = ys.length > 1 ? tf.concat(ys, 3) : ys[0];
  const h = extent(ctx, 0, inH, kh, strides[0]);
  const w = extent(ctx, 1, inW, kw, strides[1]);
  const grow = [Math.max(0, h.begin + h.out - fullH), Math.max(0, w.begin + w.out - fullW)];
  if (grow[0] || grow[1]) y = tf.pad(y, [[0, 0], [0, grow[0]], [0, grow[1]], [0, 0]]);
  if (h.begin || w.begin || h.out !== y.shape[1] || w.out !== y.shape[2]) {
    y = tf.slice(y, [0, h.begin, w.begin, 0], [-1, h.out, w.out, -1]);
  }
  const bias = weights.bias ?? (ctx.has(2) ? ctx.gpu(2).tensor : undefined);
  return [gpuValue(biasAndActivation(y, bias, ctx.fused), 'nhwc')];
}

export const CONV_TRANSPOSE_OPS: Record<string, OpDef> = {
  ConvTranspose: {
    gpu: convTranspose,
    prepare: (node, consts) => prepare(node, consts),
    check: (node, graph) => {
      const d = attrInts(node, 'dilations');
      if (d && d.some((v) => v !== 1)) return 'has dilations';
      const w = graph.initializers.get(node.inputs[1]);
      if (w && w.shape.length !== 4) return `has a ${w.shape.length - 2}-D kernel (only 2-D images are supported)`;
      return check2d(node, w?.shape);
    },
  },
};
