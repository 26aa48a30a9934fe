import * as tf from '@tensorflow/tfjs';
import { TesseraError } from '../../core';
import { ONNX_DTYPES, tfDtype } from './cpu-tensor';
import type { GraphValueInfo, OnnxGraph } from './model-graph';
import { gpuValue, type GpuValue, type Layout } from './ops/kernel';

/**
 * The edges of a run: the caller's tensors checked against the graph's inputs (names, rank, fixed
 * dimensions, dtype) and bound as values; a 4-D input may come as NCHW (ONNX's own order) or NHWC
 * (what TF.js preprocessing produces), and NHWC is used as it is, without a transpose.
 */

const fmt = (s: readonly (number | string)[]) => `[${s.join(', ')}]`;

function checkShape(graph: OnnxGraph, spec: GraphValueInfo, logical: number[], layout: Layout): void {
  if (!spec.shape.length) return;
  const mismatch =
    spec.shape.length !== logical.length ||
    spec.shape.some((d, i) => typeof d === 'number' && d > 0 && d !== logical[i]);
  if (!mismatch) return;
  const fixedBatch = typeof spec.shape[0] === 'number' && spec.shape[0] !== logical[0];
  if (fixedBatch && spec.shape.slice(1).every((d, i) => typeof d !== 'number' || d <= 0 || d === logical[i + 1])) {
    throw new TesseraError(
      'invalid-argument',
      `${graph.fileName} was exported for batches of exactly ${spec.shape[0]} image${spec.shape[0] === 1 ? '' : 's'} ` +
        `(input "${spec.name}"), but was given ${logical[0]}: run it with that batch size, or export it again with ` +
        `torch.onnx.export(..., dynamic_axes={"${spec.name}": {0: "batch"}}).`,
      `batch ${logical[0]} vs fixed ${spec.shape[0]}`,
    );
  }
  const order = spec.shape.length === 4 ? ' (N, C, H, W)' : '';
  const given = layout === 'nhwc' && logical.length === 4 ? ` given as NHWC ${fmt([logical[0], logical[2], logical[3], logical[1]])}` : '';
  throw new TesseraError(
    'invalid-argument',
    `Input "${spec.name}" of ${graph.fileName} should have shape ${fmt(spec.shape)}${order}, but the image ` +
      `batch has shape ${fmt(logical)}${given}: check the model's input size and channels in its manifest.`,
    `input shape ${fmt(logical)} vs ${fmt(spec.shape)}`,
  );
}

/** Binds the caller's tensors; call inside the run's tf.tidy (a dtype cast may create a tensor). */
export function bindInputs(
  graph: OnnxGraph,
  inputs: Record<string, tf.Tensor>,
  inputLayout: Layout,
): Map<string, GpuValue> {
  const expected = graph.inputs.map((v) => v.name);
  const extra = Object.keys(inputs).filter((k) => !expected.includes(k));
  const missing = expected.filter((k) => !inputs[k]);
  if (missing.length || extra.length) {
    throw new TesseraError(
      'invalid-argument',
      `${graph.fileName} takes the input${expected.length > 1 ? 's' : ''} ${expected.map((n) => `"${n}"`).join(', ')}, ` +
        `but was given ${Object.keys(inputs).map((n) => `"${n}"`).join(', ') || 'none'}.`,
      `missing ${missing.join(', ')}; unexpected ${extra.join(', ')}`,
    );
  }
  const bound = new Map<string, GpuValue>();
  for (const spec of graph.inputs) {
    let t = inputs[spec.name];
    if (t.isDisposed) throw new TesseraError('invalid-argument', `Input "${spec.name}" was disposed before the run.`);
    const layout: Layout = t.rank === 4 ? inputLayout : 'nchw';
    const s = t.shape;
    checkShape(graph, spec, layout === 'nhwc' ? ([s[0], s[3], s[1], s[2]] as number[]) : [...s], layout);
    const want = tfDtype(ONNX_DTYPES[spec.elemType] ?? 'float32');
    if (t.dtype !== want) t = tf.cast(t, want);
    bound.set(spec.name, gpuValue(t, layout));
  }
  return bound;
}

export function describeValues(values: readonly GraphValueInfo[]): { name: string; shape: (number | string)[] }[] {
  return values.map((v) => ({ name: v.name, shape: [...v.shape] }));
}
