import * as tf from '@tensorflow/tfjs';
import { attrInt, attrInts, attrString } from '../attributes';
import { toNumbers } from '../cpu-tensor';
import { logicalShape, nhwc } from '../layout';
import { gpuValue, type KernelContext, type OpDef } from './kernel';

/**
 * Resize (and the older Upsample) of the two spatial axes of a 4-D activation, in NHWC.
 *
 * For each output row and column the source coordinate is computed on the CPU exactly as the ONNX spec
 * writes it (coordinate_transformation_mode, nearest_mode), so every mode PyTorch exports is followed
 * to the letter: nearest is a gather of source rows then columns, linear a weighted sum of two gathers
 * per axis. Where TF.js's own resize computes the same thing (scale 2ᵏ, matching coordinate rules), it
 * is used instead, in a single kernel.
 */

interface AxisPlan {
  readonly inSize: number;
  readonly outSize: number;
  /** ONNX's scale for the axis: the given one, or out/in when sizes were given. */
  readonly scale: number;
}

/**
 * The source coordinate of output index x, in float32 arithmetic step by step as ONNX Runtime computes
 * it (upsamplebase.h): with a scale such as 0.6, 3 / 0.6f is 5 in float32 but 4.9999998 in float64,
 * and nearest-neighbour picks a different row.
 */
function sourceCoord(mode: string, x: number, a: AxisPlan): number {
  const f = Math.fround;
  const { inSize, outSize } = a;
  const scale = f(a.scale);
  switch (mode) {
    case 'half_pixel': return f(f(f(x + 0.5) / scale) - 0.5);
    case 'pytorch_half_pixel': return outSize > 1 ? f(f(f(x + 0.5) / scale) - 0.5) : 0;
    case 'align_corners': return outSize === 1 ? 0 : f(f(x * (inSize - 1)) / (outSize - 1));
    case 'asymmetric': return f(x / scale);
    case 'tf_half_pixel_for_nn': return f(f(x + 0.5) / scale);
    default: throw new RangeError(`coordinate_transformation_mode "${mode}"`);
  }
}

function nearest(mode: string, c: number): number {
  switch (mode) {
    case 'round_prefer_floor': return Number.isInteger(c - 0.5) ? Math.floor(c) : Math.round(c);
    case 'round_prefer_ceil': return Math.round(c);
    case 'floor': return Math.floor(c);
    case 'ceil': return Math.ceil(c);
    default: throw new RangeError(`nearest_mode "${mode}"`);
  }
}

const clampIdx = (i: number, n: number) => Math.min(Math.max(i, 0), n - 1);

/**
 * TF.js's resize kernels compute these coordinates with in/out as the scale. Linear resizing is smooth,
 * so float rounding there is harmless; nearest picks an index, so it needs a ratio exact in float32 (2ᵏ).
 */
function tfFastPath(linear: boolean, coord: string, nearestMode: string, axes: AxisPlan[]): { align: boolean; half: boolean } | undefined {
  if (axes.some((a) => a.outSize <= 1 || a.inSize <= 1)) return undefined;
  const scaleIsRatio = axes.every((a) => Math.abs(a.scale * a.inSize - a.outSize) < 1e-5 * a.outSize);
  if (linear) {
    if (coord === 'align_corners') return { align: true, half: false };
    if (!scaleIsRatio) return undefined;
    if (coord === 'half_pixel' || coord === 'pytorch_half_pixel') return { align: false, half: true };
    if (coord === 'asymmetric') return { align: false, half: false };
    return undefined;
  }
  const pow2 = axes.every((a) => Number.isInteger(Math.log2(a.outSize / a.inSize)));
  // TF nearest without half-pixel centres is floor(x·in/out): ONNX asymmetric + floor (PyTorch's export).
  if (scaleIsRatio && pow2 && coord === 'asymmetric' && nearestMode === 'floor') return { align: false, half: false };
  return undefined;
}

function resizeAxis(x: tf.Tensor4D, axis: 1 | 2, a: AxisPlan, linear: boolean, coord: string, nearestMode: string): tf.Tensor4D {
  if (a.inSize === a.outSize && coord !== 'tf_half_pixel_for_nn' && (a.scale === 1 || coord === 'align_corners')) return x;
  const src = Array.from({ length: a.outSize }, (_, i) => sourceCoord(coord, i, a));
  if (!linear) {
    const idx = Int32Array.from(src, (c) => clampIdx(nearest(nearestMode, c), a.inSize));
    return tf.gather(x, tf.tensor1d(idx, 'int32'), axis);
  }
  const c = src.map((v) => Math.min(Math.max(v, 0), a.inSize - 1));
  const i0 = Int32Array.from(c, Math.floor);
  const i1 = Int32Array.from(i0, (i) => Math.min(i + 1, a.inSize - 1));
  const w1 = Float32Array.from(c, (v, i) => v - i0[i]);
  const shape = axis === 1 ? [1, a.outSize, 1, 1] : [1, 1, a.outSize, 1];
  const g0 = tf.gather(x, tf.tensor1d(i0, 'int32'), axis);
  const g1 = tf.gather(x, tf.tensor1d(i1, 'int32'), axis);
  return tf.add(g0, tf.mul(tf.sub(g1, g0), tf.tensor(w1, shape)));
}

/** Output sizes and scales of the logical (N, C, H, W) axes from scales or sizes. */
function plan(ctx: KernelContext, shape: number[], scalesIn: number, sizesIn: number): AxisPlan[] {
  const opt = (i: number) => (ctx.has(i) ? toNumbers(ctx.cpu(i)) : []);
  const axes = attrInts(ctx.node, 'axes')?.map((a) => (a < 0 ? a + 4 : a)) ?? [0, 1, 2, 3];
  const scales = opt(scalesIn);
  const sizes = sizesIn >= 0 ? opt(sizesIn) : [];
  const full = shape.map((d) => ({ inSize: d, outSize: d, scale: 1 }));
  axes.forEach((ax, k) => {
    const d = shape[ax];
    if (sizes.length) full[ax] = { inSize: d, outSize: sizes[k], scale: Math.fround(sizes[k] / d) };
    else if (scales.length) full[ax] = { inSize: d, outSize: Math.floor(Math.fround(d * Math.fround(scales[k]))), scale: Math.fround(scales[k]) };
  });
  return full;
}

function resizeWith(ctx: KernelContext, scalesIn: number, sizesIn: number, upsample: boolean) {
  const v = ctx.gpu(0);
  const shape = logicalShape(v);
  if (shape.length !== 4) throw new RangeError(`Resize of a ${shape.length}-D tensor (only 4-D images)`);
  const [n, c, h, w] = plan(ctx, shape, scalesIn, sizesIn);
  if (n.outSize !== n.inSize || c.outSize !== c.inSize) throw new RangeError('Resize of the batch or channel axis');
  const mode = attrString(ctx.node, 'mode', 'nearest');
  const linear = mode === 'linear' || mode === 'bilinear';
  const coord = upsample ? 'asymmetric' : attrString(ctx.node, 'coordinate_transformation_mode', 'half_pixel');
  const nearestMode = upsample ? 'floor' : attrString(ctx.node, 'nearest_mode', 'round_prefer_floor');
  const x = nhwc(v);
  const fast = tfFastPath(linear, coord, nearestMode, [h, w]);
  if (fast) {
    const size: [number, number] = [h.outSize, w.outSize];
    const y = linear
      ? tf.image.resizeBilinear(x, size, fast.align, fast.half)
      : tf.image.resizeNearestNeighbor(x, size, fast.align, fast.half);
    return [gpuValue(y, 'nhwc')];
  }
  const y = resizeAxis(resizeAxis(x, 1, h, linear, coord, nearestMode), 2, w, linear, coord, nearestMode);
  return [gpuValue(y === v.tensor ? y.clone() : y, 'nhwc')];
}

function checkResize(node: Parameters<NonNullable<OpDef['check']>>[0]): string | undefined {
  const mode = attrString(node, 'mode', 'nearest');
  if (!['nearest', 'linear', 'bilinear'].includes(mode)) return `uses mode "${mode}" (nearest and linear are supported)`;
  const coord = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
  if (coord === 'tf_crop_and_resize') return 'uses tf_crop_and_resize';
  if (attrInt(node, 'antialias', 0) === 1) return 'uses antialiasing';
  const policy = attrString(node, 'keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch') return `uses keep_aspect_ratio_policy "${policy}"`;
  return undefined;
}

export const RESIZE_OPS: Record<string, OpDef> = {
  Resize: {
    cpuArgs: [1, 2, 3],
    gpu: (ctx) => resizeWith(ctx, 2, 3, false),
    check: checkResize,
  },
  Upsample: {
    cpuArgs: [1],
    gpu: (ctx) => resizeWith(ctx, 1, -1, true),
    check: checkResize,
  },
};
