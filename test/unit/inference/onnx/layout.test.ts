import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, ints, node, randomData, randomTensor, sizeOf, type NodeSpec, type TensorSpec } from './support/onnx-builder';
import { expectParity } from './support/parity';
import { buildGraph } from '../../../../src/inference/onnx/model-graph';
import { decodeModel } from '../../../../src/inference/onnx/onnx-proto';
import { planGraph } from '../../../../src/inference/onnx/planner';

// Operators whose meaning depends on element order, fed by a Conv (so their input is an NHWC tensor
// inside Tessera), must give ONNX Runtime's NCHW answers.

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const X = [2, 3, 5, 7];
const feed = () => ({ x: { dims: X, data: randomData(sizeOf(X), 11) } });

/** x → Conv 3x3 (6 channels, pads 1) → "c" → the given nodes → "y". */
function afterConv(nodes: NodeSpec[], initializers: Record<string, TensorSpec> = {}, opset = 17) {
  return buildModel({
    opset,
    inputs: [{ name: 'x', shape: X }],
    outputs: [{ name: 'y' }],
    nodes: [node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }), ...nodes],
    initializers: { w: randomTensor([6, 3, 3, 3], 2), b: randomTensor([6], 3), ...initializers },
  });
}

describe('layout-sensitive operators after a convolution', () => {
  it.each<[string, NodeSpec[], Record<string, TensorSpec>?]>([
    ['Flatten → Gemm (PyTorch element order)', [node('Flatten', ['c'], ['f']), node('Gemm', ['f', 'g', 'gb'], ['y'], { transB: 1 })], { g: randomTensor([4, 6 * 35], 4, 0.1), gb: randomTensor([4], 5) }],
    ['Reshape (0, -1)', [node('Reshape', ['c', 's'], ['y'])], { s: ints([0, -1]) }],
    ['Reshape to 5-D', [node('Reshape', ['c', 's'], ['y'])], { s: ints([2, 2, 3, 5, 7]) }],
    ['Transpose (0,2,3,1)', [node('Transpose', ['c'], ['y'], { perm: [0, 2, 3, 1] })]],
    ['Transpose (1,0,3,2)', [node('Transpose', ['c'], ['y'], { perm: [1, 0, 3, 2] })]],
    ['Concat with the NCHW input, axis 1', [node('Concat', ['c', 'x'], ['y'], { axis: 1 })]],
    ['Concat on axis 3', [node('Concat', ['c', 'c'], ['y'], { axis: 3 })]],
    ['Concat with a constant (C,H,W) broadcast first', [node('Add', ['c', 'k'], ['a']), node('Concat', ['a', 'c'], ['y'], { axis: -3 })], { k: randomTensor([6, 5, 7], 9) }],
    ['Split on channels (input sizes)', [node('Split', ['c', 'sp'], ['y', 'z'], { axis: 1 })], { sp: ints([2, 4]) }],
    ['Slice channels and width, negative step', [node('Slice', ['c', 'st', 'en', 'ax', 'stp'], ['y'])], { st: ints([4, -1]), en: ints([0, -100]), ax: ints([1, 3]), stp: ints([-2, -2]) }],
    ['Gather a channel', [node('Gather', ['c', 'i'], ['y'], { axis: 1 })], { i: ints([-2], []) }],
    ['Softmax on channels (opset 13)', [node('Softmax', ['c'], ['y'], { axis: 1 })]],
    ['LogSoftmax on width', [node('LogSoftmax', ['c'], ['y'], { axis: 3 })]],
    ['ReduceMean on channels, keepdims 0', [node('ReduceMean', ['c'], ['y'], { keepdims: 0, axes: [1] })]],
    ['ReduceSum on H, W', [node('ReduceSum', ['c', 'ax'], ['y'])], { ax: ints([2, 3]) }],
    ['ReduceMax on N keepdims 0', [node('ReduceMax', ['c'], ['y'], { keepdims: 0, axes: [0] })]],
    ['ReduceMin over all axes', [node('ReduceMin', ['c'], ['y'])]],
    ['ArgMax on channels', [node('ArgMax', ['c'], ['a'], { axis: 1, keepdims: 0 }), node('Cast', ['a'], ['y'], { to: 1 })]],
    ['Squeeze after a channel slice', [node('Slice', ['c', 'st', 'en', 'ax'], ['s']), node('Squeeze', ['s', 'ax'], ['y'])], { st: ints([2]), en: ints([3]), ax: ints([1]) }],
    ['Mul by a per-channel (C,1,1) constant, then output', [node('Mul', ['c', 'k'], ['y'])], { k: randomTensor([6, 1, 1], 8) }],
    ['Add of two NHWC values and the NCHW-derived one', [node('Conv', ['x', 'w2'], ['d'], { pads: [1, 1, 1, 1] }), node('Add', ['c', 'd'], ['y'])], { w2: randomTensor([6, 3, 3, 3], 12) }],
    ['PRelu with a per-channel slope', [node('PRelu', ['c', 'k'], ['y'])], { k: randomTensor([6, 1, 1], 8) }],
    ['Pad reflect on H, W', [node('Pad', ['c', 'p'], ['y'], { mode: 'reflect' })], { p: ints([0, 0, 1, 2, 0, 0, 2, 1]) }],
    ['Pad edge and constant', [node('Pad', ['c', 'p'], ['e'], { mode: 'edge' }), node('Pad', ['e', 'p', 'v'], ['y'])], { p: ints([0, 1, 1, 2, 0, 0, 2, 1]), v: { dims: [], data: [0.5] } }],
    ['Pad negative (crop)', [node('Pad', ['c', 'p'], ['y'])], { p: ints([0, -1, 1, -2, 0, 0, -2, 1]) }],
  ])('%s', async (_, nodes, inits) => {
    const model = afterConv(nodes, inits);
    const outputs = nodes.some((n) => n.outputs.includes('z'));
    if (!outputs) {
      await expectParity(model, feed(), { nhwc: true });
    } else {
      const bytes = buildModel({
        inputs: [{ name: 'x', shape: X }],
        outputs: [{ name: 'y' }, { name: 'z' }],
        nodes: [node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }), ...nodes],
        initializers: { w: randomTensor([6, 3, 3, 3], 2), b: randomTensor([6], 3), ...inits },
      });
      await expectParity(bytes, feed(), { nhwc: true });
    }
  });

  it('Softmax before opset 13 flattens from the axis on', async () => {
    await expectParity(afterConv([node('Softmax', ['c'], ['y'], { axis: 1 })], {}, 11), feed(), { nhwc: true });
    await expectParity(afterConv([node('LogSoftmax', ['c'], ['y'], { axis: 2 })], {}, 12), feed(), { nhwc: true });
  });

  it('opset 18: Reduce* axes as an input, Split num_outputs', async () => {
    const bytes = buildModel({
      opset: 18,
      inputs: [{ name: 'x', shape: X }],
      outputs: [{ name: 'y' }, { name: 'z' }, { name: 'u' }],
      nodes: [
        node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }),
        node('ReduceMean', ['c', 'ax'], ['y'], { keepdims: 0 }),
        node('Split', ['c'], ['z', 'u'], { axis: 1, num_outputs: 2 }),
      ],
      initializers: { w: randomTensor([6, 3, 3, 3], 2), b: randomTensor([6], 3), ax: ints([1, 2]) },
    });
    await expectParity(bytes, feed(), { nhwc: true });
  });

  it('Split by attribute before opset 13, Unsqueeze/Squeeze by attribute, ReduceSum by attribute', async () => {
    const bytes = buildModel({
      opset: 12,
      inputs: [{ name: 'x', shape: X }],
      outputs: [{ name: 'y' }, { name: 'z' }],
      nodes: [
        node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }),
        node('Split', ['c'], ['s1', 's2'], { axis: 1, split: [1, 5] }),
        node('Squeeze', ['s1'], ['q'], { axes: [1] }),
        node('Unsqueeze', ['q'], ['y'], { axes: [0] }),
        node('ReduceSum', ['s2'], ['z'], { axes: [1, -1], keepdims: 1 }),
      ],
      initializers: { w: randomTensor([6, 3, 3, 3], 2), b: randomTensor([6], 3) },
    });
    await expectParity(bytes, feed(), { nhwc: true });
  });
});

describe('shape arithmetic runs on the CPU', () => {
  // PyTorch's x.view(x.size(0), -1) after a convolution.
  const viewModel = () =>
    afterConv([
      node('Shape', ['c'], ['shape']),
      node('Gather', ['shape', 'zero'], ['n'], { axis: 0 }),
      node('Unsqueeze', ['n', 'zeroAxis'], ['n1']),
      node('Concat', ['n1', 'minus1'], ['target'], { axis: 0 }),
      node('Reshape', ['c', 'target'], ['y']),
    ], { zero: ints([0], []), zeroAxis: ints([0]), minus1: ints([-1]) });

  it('Shape → Gather → Unsqueeze → Concat → Reshape matches ONNX Runtime', async () => {
    await expectParity(viewModel(), feed(), { nhwc: true });
  });

  it('plans those nodes on the CPU and folds constant subgraphs at load', () => {
    const plan = planGraph(buildGraph(decodeModel(viewModel(), 'view.onnx'), 'view.onnx'));
    const placement = plan.steps.map((s) => `${s.node.opType}:${s.onCpu ? 'cpu' : 'tfjs'}`);
    expect(placement).toEqual(['Conv:tfjs', 'Shape:tfjs', 'Gather:cpu', 'Unsqueeze:cpu', 'Concat:cpu', 'Reshape:tfjs']);
    // Shape's TF.js kernel reads only the tensor's shape; its output is CPU data.
    expect(plan.uploads.has('zero')).toBe(false);
    plan.owned.forEach((t) => t.dispose());
  });

  it('fuses a Relu into the Conv before it', () => {
    const plan = planGraph(buildGraph(decodeModel(afterConv([node('Relu', ['c'], ['y'])]), 'r.onnx'), 'r.onnx'));
    expect(plan.steps.map((s) => s.node.opType)).toEqual(['Conv']);
    expect(plan.steps[0].fused).toEqual({ kind: 'relu' });
    expect(plan.steps[0].outputs).toEqual(['y']);
    plan.owned.forEach((t) => t.dispose());
  });
});
