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
  /**
   * When the kernel is square and equal to the strides (a U-Net's 2 x 2, stride 2 up-sampling), output
   * patches do not overlap: the transposed convolution is a 1 x 1 convolution to k·k·M channels followed
   * by a depth-to-space rearrangement, which the backends run much faster than conv2dTranspose (on
   * WebAssembly, Conv2DBackpropInput took a third of the cell model's time). (1, 1, C, k·k·M), channels (i, j, m).
   */
  pointwise?: { filter: tf.Tensor4D; block: number };
}

/**
 * depthToSpace (NHWC, channels (i, j, m)) as reshape, transpose, reshape: tf.depthToSpace gives the same
 * values but WebAssembly's kernel took 870 ms where the transpose takes 50 (4 x 128 x 128 x 64).
 * [n, H, W, k·k·M] → [n·H, W, k, k·M] → [n·H, k, W, k·M] → [n, H·k, W·k, M].
 */
function spaceFromDepth(y: tf.Tensor4D, k: number): tf.Tensor4D {
  const [n, h, w, depth] = y.shape;
  const m = depth / (k * k);
  return tf.reshape(tf.transpose(tf.reshape(y, [n * h, w, k, k * m]), [0, 2, 1, 3]), [n, h * k, w * k, m]);
}

/** ONNX (C, M, k, k) → (1, 1, C, k·k·M) with output channel (i·k + j)·M + m, as spaceFromDepth reads it. */
function pointwiseFilter(w: CpuTensor): CpuTensor {
  const [c, m, k] = w.shape;
  const out = new Float32Array(c * k * k * m);
  for (let ci = 0; ci < c; ci++) {
    for (let mi = 0; mi < m; mi++) {
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out[ci * k * k * m + (i * k + j) * m + mi] = w.data[((ci * m + mi) * k + i) * k + j];
    }
  }
  return makeCpu('float32', [1, 1, c, k * k * m], out);
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
  const group = attrInt(node, 'group', 1);
  const [kh, kw] = [w.shape[2], w.shape[3]];
  const strides = attrInts(node, 'strides') ?? [1, 1];
  const nonOverlapping = group === 1 && kh === kw && strides[0] === kh && strides[1] === kw && kh > 1 && w.dtype === 'float32';
  const state: TransposeWeights = {
    filters: nonOverlapping ? [] : layOut(w, group).map((f) => upload(f) as tf.Tensor4D),
    bias: consts[2] ? (upload(consts[2]) as tf.Tensor1D) : undefined,
    kernel: [kh, kw],
    pointwise: nonOverlapping ? { filter: upload(pointwiseFilter(w)) as tf.Tensor4D, block: kh } : undefined,
  };
  const replaces = node.inputs[2] && !consts[2] ? [1] : [1, 2];
  return { tensors: [...state.filters, ...(state.pointwise ? [state.pointwise.filter] : []), ...(state.bias ? [state.bias] : [])], state, replaces };
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
  let y: tf.Tensor4D;
  if (weights.pointwise) {
    y = spaceFromDepth(tf.conv2d(x, weights.pointwise.filter, 1, 'valid'), weights.pointwise.block);
  } else {
    const parts = weights.filters.length > 1 ? (tf.split(x, weights.filters.length, 3) as tf.Tensor4D[]) : [x];
    const ys = parts.map((p, g) => {
      const f = weights.filters[g];
      return tf.conv2dTranspose(p, f, [n, fullH, fullW, f.shape[2]], strides, 'valid') as tf.Tensor4D;
    });
    y = ys.length > 1 ? tf.concat(ys, 3) : ys[0];
  }
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
