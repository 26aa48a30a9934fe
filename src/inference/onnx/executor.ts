import * as tf from '@tensorflow/tfjs';
import type { CpuTensor } from './cpu-tensor';
import { bindInputs } from './io';
import { nchw, nhwc } from './layout';
import { nodeFailed, unsupportedUsage } from './onnx-errors';
import { cpuValue, gpuValue, type GpuValue, type KernelContext, type Layout, type Value } from './ops/kernel';
import { toTensor, type Plan, type Step } from './planner';

/*
 * Running a plan: the layout design.
 *
 * ONNX graphs from PyTorch are NCHW; TF.js's convolutions, pools and resizes are fastest (and on
 * WebGPU/WebGL only well-tuned) in NHWC. Every value carries its ONNX (logical) shape and, if it is 4-D,
 * a layout: 'nhwc' when its TF.js tensor holds (N, H, W, C), 'nchw' when it is in logical order.
 *
 * - Producers of NHWC: Conv, ConvTranspose, MaxPool/AveragePool/global pools, Resize/Upsample take their
 *   input in NHWC (transposing it if it is not, e.g. a model input given as NCHW) and return NHWC.
 *   Their weights were laid out for NHWC once at load (OIHW → HWIO), so nothing is transposed per run.
 * - Layout-agnostic operators keep what they get: unary elementwise ops, BatchNormalization and
 *   InstanceNormalization (per-channel vectors broadcast on the last axis), Pad, Cast, Identity.
 *   Broadcasting ops bring operands to a common layout, reshaping per-channel constants to (1,1,1,C).
 * - Axis operators that keep the rank remap the axis instead of transposing: Concat, Split, Slice,
 *   Softmax/LogSoftmax, Reduce* with keepdims, ArgMax. Channel concatenation (U-Net skips, DenseNet) and
 *   a channel softmax stay in NHWC.
 * - Operators whose meaning depends on element order see logical NCHW: Flatten, Reshape, Squeeze,
 *   Unsqueeze, Expand, Tile, Gather, MatMul, Gemm, LayerNormalization, reductions that drop axes, and the
 *   graph's outputs. Transpose composes its permutation with the layout (one transpose at most).
 *   NHWC → NCHW is a free reshape when only size-1 axes move (global pool → Flatten, batch 1 with C=1).
 *   This is where PyTorch's element order is kept: Flatten → Gemm after convolutions sees exactly the
 *   (C, H, W) order the Linear layer was trained on.
 *
 * Shape arithmetic never touches the GPU: Shape/Size of a tensor yield CPU values, and the nodes that
 * read only CPU values run on plain arrays (ops/cpu-kernels.ts).
 *
 * Memory: each TF.js step runs in its own tf.tidy, and a step's output tensors are disposed right after
 * their last reader (reference-counted, since Identity-like steps pass tensors through), so peak memory
 * follows the graph's live values, not its length. The whole run is in an outer tidy as well, so an
 * error mid-graph leaks nothing. Caller's inputs and the model's weights are never disposed.
 */

export interface RunOptions {
  /** How a 4-D input tensor is laid out: ONNX's NCHW (default) or NHWC. */
  readonly inputLayout?: Layout;
  /**
   * How 4-D outputs are returned: ONNX's NCHW (default, as ONNX Runtime gives them) or NHWC, which
   * saves a segmentation head the transpose back when its consumer wants channels last.
   */
  readonly outputLayout?: Layout;
}

function cpuOnly(step: Step, i: number): never {
  throw unsupportedUsage(step.node, `needs input ${i} ("${step.node.inputs[i]}") before the run, but it is computed from tensor values`);
}

function context(plan: Plan, step: Step, lookup: (name: string) => Value | undefined): KernelContext {
  const node = step.node;
  const value = (i: number): Value => {
    const v = node.inputs[i] ? lookup(node.inputs[i]) : undefined;
    if (!v) throw new RangeError(`input ${i} ("${node.inputs[i] ?? ''}") is missing`);
    return v;
  };
  return {
    node,
    opset: plan.graph.opset,
    prepared: step.prepared?.state,
    fused: step.fused,
    has: (i) => !!node.inputs[i],
    value,
    gpu: (i) => {
      const uploaded = plan.uploads.get(node.inputs[i]);
      if (uploaded) return uploaded;
      const v = value(i);
      return v.kind === 'gpu' ? v : gpuValue(toTensor(v.cpu));
    },
    cpu: (i) => {
      const v = value(i);
      return v.kind === 'cpu' ? v.cpu : cpuOnly(step, i);
    },
  };
}

function runStep(plan: Plan, step: Step, lookup: (name: string) => Value | undefined): Value[] {
  if (step.onCpu) {
    const inputs = step.node.inputs.map((n, i): CpuTensor | undefined => {
      const v = n ? lookup(n) : undefined;
      return v && v.kind === 'cpu' ? v.cpu : v ? cpuOnly(step, i) : undefined;
    });
    return step.op.cpu!(inputs, step.node, plan.graph.opset).map(cpuValue);
  }
  const ctx = context(plan, step, lookup);
  let outs: Value[] = [];
  tf.tidy(() => {
    outs = step.op.gpu(ctx);
    return outs.flatMap((v) => (v.kind === 'gpu' ? [v.tensor] : []));
  });
  return outs;
}

export function execute(plan: Plan, inputs: Record<string, tf.Tensor>, options: RunOptions = {}): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const env = new Map<string, Value>(bindInputs(plan.graph, inputs, options.inputLayout ?? 'nchw'));
    const keep = new Set<tf.Tensor>([...Object.values(inputs), ...plan.owned]);
    env.forEach((v) => v.kind === 'gpu' && keep.add(v.tensor));
    const refs = new Map<tf.Tensor, number>();
    // Constants are CPU values first (kernels read scalars and shapes from them); ctx.gpu() takes the
    // copy uploaded at load. Large weights are kept only as their upload (planner.ts).
    const lookup = (name: string): Value | undefined => {
      const v = env.get(name);
      if (v) return v;
      const c = plan.constants.get(name);
      return c ? cpuValue(c) : plan.uploads.get(name);
    };
    for (const step of plan.steps) {
      let outs: Value[];
      try {
        outs = runStep(plan, step, lookup);
      } catch (e) {
        throw nodeFailed(step.node, e);
      }
      step.outputs.forEach((name, k) => {
        const v = outs[k];
        if (!name || !v) return;
        env.set(name, v);
        if (v.kind === 'gpu') refs.set(v.tensor, (refs.get(v.tensor) ?? 0) + 1);
      });
      for (const name of step.release) {
        const v = env.get(name);
        env.delete(name);
        if (v?.kind !== 'gpu' || !refs.has(v.tensor)) continue;
        const n = refs.get(v.tensor)! - 1;
        refs.set(v.tensor, n);
        if (n === 0 && !keep.has(v.tensor)) v.tensor.dispose();
      }
    }
    const result: Record<string, tf.Tensor> = {};
    const given = new Set<tf.Tensor>();
    for (const o of plan.graph.outputs) {
      const v = lookup(o.name)!;
      let t: tf.Tensor;
      if (v.kind === 'cpu') t = toTensor(v.cpu);
      else t = options.outputLayout === 'nhwc' && v.tensor.rank === 4 ? nhwc(v) : nchw(v);
      if (keep.has(t) || given.has(t)) t = t.clone();
      given.add(t);
      result[o.name] = t;
    }
    return result;
  });
}
