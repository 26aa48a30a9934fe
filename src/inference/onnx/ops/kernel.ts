import type * as tf from '@tensorflow/tfjs';
import type { CpuTensor } from '../cpu-tensor';
import type { OnnxGraph, OnnxNode } from '../model-graph';

/**
 * What an operator implementation looks like. Every operator has a `gpu` kernel built from TF.js ops (it
 * runs on whichever TF.js backend is active); the ones that take part in shape arithmetic also have a
 * `cpu` kernel on plain typed arrays, used when all their inputs are known on the CPU.
 */

/**
 * Memory order of a 4-D activation. Values always have ONNX's logical shape (N, C, H, W); `nhwc` means the
 * TF.js tensor holds it as (N, H, W, C). Tensors of any other rank are always in logical order (`nchw`).
 */
export type Layout = 'nchw' | 'nhwc';

export interface GpuValue {
  readonly kind: 'gpu';
  readonly tensor: tf.Tensor;
  readonly layout: Layout;
}

export interface CpuValue {
  readonly kind: 'cpu';
  readonly cpu: CpuTensor;
}

export type Value = GpuValue | CpuValue;

/** An activation that a convolution applies itself (TF.js fused kernels), set by the planner. */
export type FusedActivation = { kind: 'relu' } | { kind: 'leakyrelu'; alpha: number } | { kind: 'sigmoid' };

export interface KernelContext {
  readonly node: OnnxNode;
  readonly opset: number;
  /** What the operator's `prepare` returned at load, if anything. */
  readonly prepared: unknown;
  readonly fused?: FusedActivation;
  /** Whether input i is given (optional inputs may be missing or named ""). */
  has(i: number): boolean;
  value(i: number): Value;
  /** Input i as a tensor; a CPU value is uploaded (once at load when it is a constant). */
  gpu(i: number): GpuValue;
  /** Input i as CPU data; refused when it is only known on the GPU (a data-dependent shape). */
  cpu(i: number): CpuTensor;
}

export interface Prepared {
  /** Tensors uploaded at load; the model owns them and disposes them in dispose(). */
  readonly tensors: tf.Tensor[];
  readonly state: unknown;
  /** Inputs the prepared state replaces, so the planner need not upload them as they are. */
  readonly replaces: readonly number[];
}

export interface OpDef {
  /** Inputs read as arguments on the CPU (shapes, axes, pads, sizes, scales), never uploaded. */
  readonly cpuArgs?: readonly number[];
  /** Evaluates the node when all inputs are CPU values; folded at load when they are all constants. */
  cpu?(inputs: readonly (CpuTensor | undefined)[], node: OnnxNode, opset: number): CpuTensor[];
  gpu(ctx: KernelContext): Value[];
  /** A load-time look at attributes: returns what is unsupported about this use, if anything. */
  check?(node: OnnxNode, graph: OnnxGraph): string | undefined;
  /** Load-time work on constant inputs (weights laid out for NHWC, folded batch norm), uploaded once. */
  prepare?(node: OnnxNode, consts: readonly (CpuTensor | undefined)[], opset: number): Prepared | undefined;
}

export function gpuValue(tensor: tf.Tensor, layout: Layout = 'nchw'): GpuValue {
  return { kind: 'gpu', tensor, layout: tensor.rank === 4 ? layout : 'nchw' };
}

export function cpuValue(cpu: CpuTensor): CpuValue {
  return { kind: 'cpu', cpu };
}
