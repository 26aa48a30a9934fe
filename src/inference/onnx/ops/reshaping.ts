import { checkedElements, modelLimits } from '../../limits';
import * as tf from '@tensorflow/tfjs';
import { attrInt, attrInts } from '../attributes';
import { makeCpu, sizeOf, toNumbers } from '../cpu-tensor';
import { logicalShape, nchw, permute } from '../layout';
import { CPU_KERNELS, shapeTensor } from './cpu-kernels';
import { cpuValue, gpuValue, type KernelContext, type OpDef } from './kernel';
import {
  axesOf,
  expandShape,
  flattenShape,
  reshapeTarget,
  squeezeShape,
  unsqueezeShape,
} from './shape-rules';

/**
 * Operators whose meaning depends on element order: they see their input in logical (NCHW) order, which
 * for an NHWC activation costs one transpose, or none when only size-1 axes move (e.g. the (N, C, 1, 1)
 * of a global pool before Flatten). This is what keeps PyTorch's element order through Flatten/Reshape.
 */

/** A reshape of the logical tensor to a shape computed from its logical shape. */
const reshapeBy = (target: (ctx: KernelContext, shape: number[]) => number[]): OpDef['gpu'] => (ctx) => {
  const v = ctx.gpu(0);
  return [gpuValue(tf.reshape(nchw(v), target(ctx, logicalShape(v))))];
};

/** Transpose composes with the NHWC layout, so at most one TF.js transpose runs (none for an inverse). */
function transpose(ctx: KernelContext) {
  const v = ctx.gpu(0);
  const rank = v.tensor.rank;
  const perm = attrInts(ctx.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const physical = v.layout === 'nhwc' ? perm.map((p) => [0, 3, 1, 2][p]) : perm;
  return [gpuValue(permute(v.tensor, physical))];
}

/** Operators that only ever produce shape data: they run on the CPU whatever their input. */
const onCpu = (op: string): OpDef['gpu'] => (ctx) => {
  const inputs = ctx.node.inputs.map((_, i) => (ctx.has(i) ? ctx.cpu(i) : undefined));
  return CPU_KERNELS[op](inputs, ctx.node, ctx.opset).map(cpuValue);
};

export const RESHAPING_OPS: Record<string, OpDef> = {
  Reshape: {
    cpuArgs: [1],
    gpu: reshapeBy((ctx, s) => reshapeTarget(s, toNumbers(ctx.cpu(1)), attrInt(ctx.node, 'allowzero', 0) === 1)),
  },
  Flatten: { gpu: reshapeBy((ctx, s) => flattenShape(s, attrInt(ctx.node, 'axis', 1))) },
  Squeeze: {
    cpuArgs: [1],
    gpu: reshapeBy((ctx, s) => squeezeShape(s, axesOf(ctx.node, ctx.opset, 13, ctx.has(1) ? ctx.cpu(1) : undefined))),
  },
  Unsqueeze: {
    cpuArgs: [1],
    gpu: reshapeBy((ctx, s) => unsqueezeShape(s, axesOf(ctx.node, ctx.opset, 13, ctx.has(1) ? ctx.cpu(1) : undefined) ?? [])),
  },
  Transpose: { gpu: transpose },
  Expand: {
    cpuArgs: [1],
    gpu: (ctx) => {
      const v = ctx.gpu(0);
      const x = nchw(v);
      const shape = expandShape(x.shape, toNumbers(ctx.cpu(1)));
      runtimeElements(shape, 'Expand');
      const y = x.rank < shape.length ? tf.reshape(x, [...new Array<number>(shape.length - x.rank).fill(1), ...x.shape]) : x;
      return [gpuValue(tf.broadcastTo(y, shape))];
    },
  },
  Tile: {
    cpuArgs: [1],
    gpu: (ctx) => {
      const x = nchw(ctx.gpu(0));
      const reps = toNumbers(ctx.cpu(1));
      runtimeElements(x.shape.map((d, i) => d * (reps[i] ?? 1)), 'Tile');
      return [gpuValue(tf.tile(x, reps))];
    },
  },
  Shape: {
    gpu: (ctx) => {
      const v = ctx.value(0);
      const shape = v.kind === 'cpu' ? [...v.cpu.shape] : logicalShape(v);
      return [cpuValue(shapeTensor(shape, ctx.node))];
    },
  },
  Size: {
    gpu: (ctx) => {
      const v = ctx.value(0);
      const n = v.kind === 'cpu' ? sizeOf(v.cpu.shape) : v.tensor.size;
      return [cpuValue(makeCpu('int64', [], [n]))];
    },
  },
  Constant: { gpu: onCpu('Constant') },
  ConstantOfShape: { cpuArgs: [0], gpu: onCpu('ConstantOfShape') },
  Range: { cpuArgs: [0, 1, 2], gpu: onCpu('Range') },
};

/** A shape that a constant in the file sets (Expand, Tile), refused before the GPU allocates it. */
function runtimeElements(shape: readonly number[], op: string): void {
  checkedElements(shape, modelLimits().maxTensorElements, `The output of ${op}`, 'maxTensorElements');
}
