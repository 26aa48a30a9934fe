import * as tf from '@tensorflow/tfjs';
import type { GpuValue, Layout } from './ops/kernel';

/**
 * Moving 4-D activations between ONNX's logical NCHW order and TF.js's NHWC. See the design comment at
 * the top of executor.ts for when each is used.
 */

/** Where logical axis a (of N, C, H, W) lives in an NHWC tensor. */
export const NCHW_TO_NHWC_AXIS = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

/**
 * A permutation moves no data when the axes longer than 1 keep their order (e.g. (N,C,1,1) ↔ (N,1,1,C),
 * or any tensor with batch 1 and one channel); then a reshape, which TF.js does without a copy, suffices.
 */
export function isPlainReshape(shape: readonly number[], perm: readonly number[]): boolean {
  let last = -1;
  for (const p of perm) {
    if (shape[p] === 1) continue;
    if (p < last) return false;
    last = p;
  }
  return true;
}

export function permute(t: tf.Tensor, perm: readonly number[]): tf.Tensor {
  if (perm.every((p, i) => p === i)) return t.clone();
  if (isPlainReshape(t.shape, perm)) return tf.reshape(t, perm.map((p) => t.shape[p]));
  // TF.js 4.22's WebGPU transpose shader only compiles for float32 (an int32 tensor gives a WGSL type
  // error and garbage): integer and boolean tensors go through float32, exact below 2^24.
  if (t.dtype !== 'float32') return tf.cast(tf.transpose(tf.cast(t, 'float32'), [...perm]), t.dtype);
  return tf.transpose(t, [...perm]);
}

/** The value's ONNX shape. */
export function logicalShape(v: GpuValue): number[] {
  const s = v.tensor.shape;
  return v.layout === 'nhwc' ? [s[0], s[3], s[1], s[2]] as number[] : [...s];
}

export function rankOf(v: GpuValue): number {
  return v.tensor.rank;
}

/** The value in logical (ONNX) order; may be the value's own tensor, so never dispose what this returns. */
export function nchw(v: GpuValue): tf.Tensor {
  return v.layout === 'nhwc' ? permute(v.tensor, TO_NCHW) : v.tensor;
}

/** A 4-D value as an NHWC tensor. */
export function nhwc(v: GpuValue): tf.Tensor4D {
  if (v.tensor.rank !== 4) throw new RangeError(`expected a 4-D tensor, got shape [${v.tensor.shape.join(', ')}]`);
  return (v.layout === 'nhwc' ? v.tensor : permute(v.tensor, TO_NHWC)) as tf.Tensor4D;
}

/** The physical axis of a normalised logical axis. */
export function physicalAxis(v: GpuValue, axis: number): number {
  return v.layout === 'nhwc' ? NCHW_TO_NHWC_AXIS[axis] : axis;
}

/** Logical shape → the shape of its NHWC tensor. */
export function nhwcShape(shape: readonly number[]): number[] {
  return [shape[0], shape[2], shape[3], shape[1]];
}

/**
 * Brings operands of a broadcasting (elementwise) operator into one memory order. When the result is
 * 4-D and an operand is already NHWC, all go to NHWC: a lower-rank operand is first given leading 1s
 * (numpy broadcasting) and then permuted, which for per-channel constants such as (C,1,1) is a reshape.
 * Otherwise everything is in logical order.
 */
export function alignOperands(values: readonly GpuValue[]): { tensors: tf.Tensor[]; layout: Layout } {
  const rank = Math.max(...values.map(rankOf));
  const toNhwc = rank === 4 && values.some((v) => v.layout === 'nhwc');
  if (!toNhwc) return { tensors: values.map(nchw), layout: 'nchw' };
  const tensors = values.map((v) => {
    if (v.layout === 'nhwc') return v.tensor;
    const t = v.tensor;
    const full = t.rank === 4 ? t : tf.reshape(t, [...new Array<number>(4 - t.rank).fill(1), ...t.shape]);
    return permute(full, TO_NHWC);
  });
  return { tensors, layout: 'nhwc' };
}
