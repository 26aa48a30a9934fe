import * as tf from '@tensorflow/tfjs';
import { tfDtype, type CpuTensor } from './cpu-tensor';
import type { OnnxGraph, OnnxNode } from './model-graph';
import { unsupportedUsage } from './onnx-errors';
import { gpuValue, type FusedActivation, type GpuValue, type OpDef, type Prepared } from './ops/kernel';
import { OPS } from './ops/registry';
import { attrFloat } from './attributes';

/**
 * Turns a validated graph into an execution plan, once, at load:
 * 1. Constant folding: nodes with a CPU kernel whose inputs are all constants are evaluated now.
 * 2. Placement: a node runs on the CPU when its inputs are all CPU values (constants, or values
 *    derived from an input's shape through Shape/Size); otherwise with TF.js ops.
 * 3. Fusion: Conv/ConvTranspose/Gemm followed by its only reader, a Relu/LeakyRelu/Sigmoid, become one step.
 * 4. Weights: each operator's `prepare` lays its constant weights out (OIHW → HWIO...) and uploads them;
 *    other constants that feed TF.js kernels are uploaded as they are. All of it is owned by the model.
 * 5. Lifetimes: after each step, the values it read for the last time are released.
 */

export interface Step {
  readonly node: OnnxNode;
  readonly op: OpDef;
  readonly onCpu: boolean;
  outputs: readonly string[];
  fused?: FusedActivation;
  prepared?: Prepared;
  /** Values read for the last time by this step (or produced by it and never read). */
  release: string[];
}

export interface Plan {
  readonly graph: OnnxGraph;
  readonly steps: readonly Step[];
  readonly constants: ReadonlyMap<string, CpuTensor>;
  readonly uploads: ReadonlyMap<string, GpuValue>;
  /** Every tensor uploaded at load; disposed by the model's dispose(). */
  readonly owned: readonly tf.Tensor[];
}

/** A CPU value as a TF.js tensor (int64 → int32, float64 → float32, bool → bool). */
export function toTensor(t: CpuTensor): tf.Tensor {
  const dtype = tfDtype(t.dtype);
  const shape = [...t.shape];
  if (dtype === 'float32') return tf.tensor(t.data instanceof Float32Array ? t.data : Float32Array.from(t.data), shape, dtype);
  if (dtype === 'bool') return tf.tensor(Uint8Array.from(t.data), shape, 'bool');
  return tf.tensor(Int32Array.from(t.data, (v) => Math.min(Math.max(v, -2147483648), 2147483647)), shape, 'int32');
}

const present = (node: OnnxNode) => node.inputs.filter((n) => n);

function fold(node: OnnxNode, op: OpDef, constants: Map<string, CpuTensor>, opset: number): void {
  let outs: CpuTensor[];
  try {
    outs = op.cpu!(node.inputs.map((n) => (n ? constants.get(n) : undefined)), node, opset);
  } catch (e) {
    throw unsupportedUsage(node, `cannot be computed at load (${e instanceof Error ? e.message : String(e)})`);
  }
  node.outputs.forEach((name, i) => name && outs[i] && constants.set(name, outs[i]));
}

const FUSABLE = new Set(['Conv', 'ConvTranspose', 'Gemm']);

function activationOf(node: OnnxNode): FusedActivation | undefined {
  if (node.opType === 'Relu') return { kind: 'relu' };
  if (node.opType === 'Sigmoid') return { kind: 'sigmoid' };
  if (node.opType === 'LeakyRelu') return { kind: 'leakyrelu', alpha: attrFloat(node, 'alpha', 0.01) };
  return undefined;
}

function fuseActivations(steps: Step[], graphOutputs: Set<string>): Step[] {
  const readers = new Map<string, Step[]>();
  for (const s of steps) for (const n of present(s.node)) readers.set(n, [...(readers.get(n) ?? []), s]);
  const removed = new Set<Step>();
  for (const s of steps) {
    if (s.onCpu || !FUSABLE.has(s.node.opType) || s.outputs.length !== 1) continue;
    const out = s.outputs[0];
    const r = readers.get(out) ?? [];
    if (r.length !== 1 || graphOutputs.has(out) || r[0].onCpu) continue;
    const act = activationOf(r[0].node);
    if (!act) continue;
    s.fused = act;
    s.outputs = r[0].outputs;
    removed.add(r[0]);
  }
  return steps.filter((s) => !removed.has(s));
}

function lifetimes(steps: Step[], graphOutputs: Set<string>): void {
  const last = new Map<string, Step>();
  for (const s of steps) {
    for (const n of present(s.node)) last.set(n, s);
    for (const o of s.outputs) if (o) last.set(o, s);
  }
  for (const [name, s] of last) if (!graphOutputs.has(name)) s.release.push(name);
}

/**
 * Large constants live on as their uploaded (or prepared) tensors only, so the CPU copy of the weights
 * can be garbage-collected; the ones a CPU kernel or a CPU argument may read are kept.
 */
function dropUploadedWeights(steps: Step[], constants: Map<string, CpuTensor>, uploads: Map<string, GpuValue>, outputs: Set<string>): void {
  const readOnCpu = new Set(outputs);
  for (const s of steps) {
    s.node.inputs.forEach((name, i) => {
      if (s.onCpu || s.op.cpuArgs?.includes(i) || (!uploads.has(name) && !s.prepared?.replaces.includes(i))) readOnCpu.add(name);
    });
  }
  for (const [name, t] of constants) if (t.data.length > 1024 && !readOnCpu.has(name)) constants.delete(name);
}

export function planGraph(graph: OnnxGraph): Plan {
  const constants = new Map(graph.initializers);
  const onCpuValues = new Set(constants.keys());
  let steps: Step[] = [];
  for (const node of graph.nodes) {
    const op = OPS.get(node.opType)!;
    const inputs = present(node);
    if (op.cpu && inputs.every((n) => constants.has(n))) {
      fold(node, op, constants, graph.opset);
      node.outputs.forEach((o) => o && onCpuValues.add(o));
      continue;
    }
    const onCpu = !!op.cpu && inputs.every((n) => onCpuValues.has(n));
    if (onCpu || node.opType === 'Shape' || node.opType === 'Size') node.outputs.forEach((o) => o && onCpuValues.add(o));
    steps.push({ node, op, onCpu, outputs: node.outputs, release: [] });
  }
  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  steps = fuseActivations(steps, graphOutputs);

  const owned: tf.Tensor[] = [];
  const uploads = new Map<string, GpuValue>();
  try {
    for (const s of steps) {
      if (s.onCpu) continue;
      const consts = s.node.inputs.map((n) => (n ? constants.get(n) : undefined));
      s.prepared = s.op.prepare?.(s.node, consts, graph.opset);
      if (s.prepared) owned.push(...s.prepared.tensors);
      s.node.inputs.forEach((name, i) => {
        if (!name || uploads.has(name) || !constants.has(name)) return;
        if (s.op.cpuArgs?.includes(i) || s.prepared?.replaces.includes(i)) return;
        if (s.node.opType === 'Shape' || s.node.opType === 'Size') return;
        const t = toTensor(constants.get(name)!);
        owned.push(t);
        uploads.set(name, gpuValue(t));
      });
    }
  } catch (e) {
    owned.forEach((t) => t.dispose());
    throw e;
  }
  lifetimes(steps, graphOutputs);
  dropUploadedWeights(steps, constants, uploads, graphOutputs);
  // The plan keeps the constants it needs itself; the graph's own copy of the initializers is let go.
  return { graph: { ...graph, initializers: new Map() }, steps, constants, uploads, owned };
}
