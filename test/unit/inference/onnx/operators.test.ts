import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { BOOL, buildModel, float, floats, ints, node, randomData, randomTensor, sizeOf, type AttrValue, type NodeSpec, type TensorSpec } from './support/onnx-builder';
import { expectParity, type Feed } from './support/parity';

// Operators on small graphs, each against ONNX Runtime on the same bytes.

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const A = [2, 3, 4];
const input = (dims: number[], seed: number, scale = 2): Feed => ({ dims, data: randomData(sizeOf(dims), seed, scale) });

function model(nodes: NodeSpec[], inputs: Record<string, number[]>, inits: Record<string, TensorSpec> = {}, opset = 17, outputs = ['y']) {
  return buildModel({
    opset,
    inputs: Object.entries(inputs).map(([name, shape]) => ({ name, shape })),
    outputs: outputs.map((name) => ({ name })),
    nodes,
    initializers: inits,
  });
}

describe('unary operators', () => {
  it.each<[string, Record<string, AttrValue>?]>([
    ['Relu'], ['LeakyRelu', { alpha: float(0.2) }], ['LeakyRelu'], ['Sigmoid'], ['Tanh'], ['Erf'], ['Exp'], ['Neg'], ['Abs'],
    ['Floor'], ['Ceil'], ['Softplus'], ['Elu', { alpha: float(0.5) }], ['Elu'], ['Selu'], ['HardSigmoid'], ['HardSwish'], ['Sin'], ['Cos'],
    ['Identity'], ['Dropout'],
  ])('%s %j', async (op, attrs) => {
    await expectParity(model([node(op, ['x'], ['y'], attrs)], { x: A }), { x: input(A, 1) });
  });

  it.each(['Sqrt', 'Log', 'Reciprocal'])('%s (positive input)', async (op) => {
    const data = randomData(24, 2).map((v) => Math.abs(v) + 0.1);
    await expectParity(model([node(op, ['x'], ['y'])], { x: A }), { x: { dims: A, data } });
  });

  it.each<[string, number, string[], Record<string, TensorSpec>]>([
    ['min and max inputs', 13, ['x', 'lo', 'hi'], { lo: { dims: [], data: [-0.5] }, hi: { dims: [], data: [0.7] } }],
    ['only max', 11, ['x', '', 'hi'], { hi: { dims: [], data: [0.7] } }],
    ['relu6', 17, ['x', 'lo', 'hi'], { lo: { dims: [], data: [0] }, hi: { dims: [], data: [6] } }],
    ['no bounds', 17, ['x'], {}],
  ])('Clip, %s', async (_, opset, inputs, inits) => {
    await expectParity(model([node('Clip', inputs, ['y'])], { x: A }, inits, opset), { x: input(A, 3, 8) });
  });
});

describe('broadcasting operators', () => {
  it.each(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Sum', 'Mean', 'PRelu'])('%s of two inputs, (2,3,4) and (3,1)', async (op) => {
    await expectParity(model([node(op, ['a', 'b'], ['y'])], { a: A, b: [3, 1] }), { a: input(A, 1), b: input([3, 1], 2) });
  });

  it('Pow with a tensor exponent and with constant 2 and 0.5', async () => {
    const pos = { dims: A, data: randomData(24, 4).map((v) => Math.abs(v) + 0.1) };
    await expectParity(model([node('Pow', ['a', 'b'], ['y'])], { a: A, b: [4] }), { a: pos, b: input([4], 5) });
    for (const e of [2, 0.5, 3]) {
      await expectParity(model([node('Pow', ['a', 'e'], ['y'])], { a: A }, { e: { dims: [], data: [e] } }), { a: pos });
    }
    // Negative bases with an integer exponent (PyTorch's x ** 2 in LayerNorm decompositions).
    await expectParity(model([node('Pow', ['a', 'e'], ['y'])], { a: A }, { e: { dims: [], data: [2] } }), { a: input(A, 6) });
  });

  it('Equal, Less, Greater, Not, And, Or and Where, and Cast of booleans', async () => {
    const nodes = [
      node('Less', ['a', 'b'], ['lt']),
      node('Greater', ['a', 'zero'], ['gt']),
      node('And', ['lt', 'gt'], ['both']),
      node('Not', ['both'], ['nb']),
      node('Or', ['nb', 'eq'], ['any']),
      node('Equal', ['a', 'a'], ['eq']),
      node('Where', ['any', 'a', 'b'], ['w']),
      node('Cast', ['gt'], ['g'], { to: 1 }),
      node('Add', ['w', 'g'], ['y']),
    ];
    const order = [nodes[5], ...nodes.slice(0, 5), ...nodes.slice(6)];
    await expectParity(model(order, { a: A, b: [4] }, { zero: { dims: [], data: [0] } }), { a: input(A, 1), b: input([4], 2) });
  });

  it('Where with a constant boolean mask (as exported for attention masks)', async () => {
    const mask: TensorSpec = { dims: [3, 4], data: Array.from({ length: 12 }, (_, i) => i % 3 === 0 ? 1 : 0), type: BOOL };
    await expectParity(model([node('Where', ['m', 'a', 'k'], ['y'])], { a: A }, { m: mask, k: { dims: [], data: [-1e4] } }), { a: input(A, 1) });
  });

  it('Cast float → int64 → float truncates toward zero', async () => {
    await expectParity(model([node('Cast', ['a'], ['i'], { to: 7 }), node('Cast', ['i'], ['y'], { to: 1 })], { a: A }), { a: input(A, 7, 5) });
  });
});

describe('less common operators', () => {
  it('Mod (fmod 1 on floats), Round, GreaterOrEqual, LessOrEqual, ArgMin, Size', async () => {
    const nodes = [
      node('Mod', ['a', 'b'], ['m'], { fmod: 1 }),
      node('Round', ['a'], ['r']),
      node('GreaterOrEqual', ['a', 'b'], ['ge']),
      node('LessOrEqual', ['a', 'b'], ['le']),
      node('Cast', ['ge'], ['gef'], { to: 1 }),
      node('Cast', ['le'], ['lef'], { to: 1 }),
      node('Sum', ['m', 'r', 'gef', 'lef'], ['y']),
      node('ArgMin', ['a'], ['am'], { axis: 2 }),
      node('Cast', ['am'], ['z'], { to: 1 }),
      node('Size', ['a'], ['n']),
      node('Cast', ['n'], ['u'], { to: 1 }),
    ];
    const data = randomData(24, 9, 4).map((v, i) => (i % 5 === 0 ? Math.round(v) + 0.5 : v));
    await expectParity(model(nodes, { a: A, b: [4] }, {}, 17, ['y', 'z', 'u']), { a: { dims: A, data }, b: { dims: [4], data: [1.5, -2, 0.7, -0.3] } });
  });

  it.each(['ReduceProd', 'ReduceL2', 'ReduceSumSquare', 'ReduceMin', 'ReduceMax'])('%s over axis 1', async (op) => {
    await expectParity(model([node(op, ['a'], ['y'], { axes: [1] })], { a: A }), { a: input(A, 4, 1.5) });
  });
});

describe('Gemm and MatMul', () => {
  it.each<[string, Record<string, AttrValue>, number[], number[], number[]]>([
    ['plain', {}, [3, 5], [5, 4], [4]],
    ['transB (a Linear layer)', { transB: 1 }, [3, 5], [4, 5], [4]],
    ['transA, alpha, beta, C (1,N)', { transA: 1, alpha: float(0.5), beta: float(2) }, [5, 3], [5, 4], [1, 4]],
    ['C (M,N)', { beta: float(0.3) }, [3, 5], [5, 4], [3, 4]],
  ])('Gemm %s', async (_, attrs, a, b, c) => {
    await expectParity(model([node('Gemm', ['a', 'b', 'c'], ['y'], attrs)], { a }, { b: randomTensor(b, 3), c: randomTensor(c, 4) }), { a: input(a, 1) });
  });

  it('Gemm with B and C as inputs, no C, and Relu fused after', async () => {
    await expectParity(model([node('Gemm', ['a', 'b', 'c'], ['y'], { transB: 1, alpha: float(2) })], { a: [3, 5], b: [4, 5], c: [4] }), {
      a: input([3, 5], 1), b: input([4, 5], 2), c: input([4], 3),
    });
    await expectParity(model([node('Gemm', ['a', 'b'], ['g']), node('Relu', ['g'], ['y'])], { a: [3, 5] }, { b: randomTensor([5, 4], 3) }), { a: input([3, 5], 1) });
  });

  it.each<[string, number[], number[], boolean]>([
    ['3-D × 2-D weight', [2, 3, 5], [5, 4], true],
    ['4-D × 4-D (attention)', [2, 3, 4, 5], [2, 3, 5, 6], false],
    ['broadcast batch (2,1) × (1,3)', [2, 1, 4, 5], [1, 3, 5, 2], false],
    ['3-D × 4-D', [3, 4, 5], [2, 1, 5, 2], false],
    ['1-D × 2-D', [5], [5, 3], false],
    ['2-D × 1-D', [3, 5], [5], false],
    ['1-D × 1-D', [5], [5], false],
  ])('MatMul %s', async (_, a, b, constB) => {
    const bytes = constB
      ? model([node('MatMul', ['a', 'b'], ['y'])], { a }, { b: randomTensor(b, 4) })
      : model([node('MatMul', ['a', 'b'], ['y'])], { a, b });
    await expectParity(bytes, constB ? { a: input(a, 1) } : { a: input(a, 1), b: input(b, 2) });
  });
});

describe('normalization and softmax', () => {
  it.each([-1, 1])('LayerNormalization (opset 17), axis %i', async (axis) => {
    const shape = axis === -1 ? [4] : [3, 4];
    await expectParity(
      model([node('LayerNormalization', ['a', 's', 'b'], ['y'], { axis, epsilon: float(1e-6) })], { a: A }, { s: randomTensor(shape, 2), b: randomTensor(shape, 3) }),
      { a: input(A, 1) },
    );
  });

  it.each([[13, -1], [13, 0], [11, 1], [11, -1]])('Softmax and LogSoftmax (opset %i, axis %i) on 3-D', async (opset, axis) => {
    for (const op of ['Softmax', 'LogSoftmax']) {
      await expectParity(model([node(op, ['a'], ['y'], { axis })], { a: A }, {}, opset), { a: input(A, 1, 4) });
    }
  });
});

describe('shape operators', () => {
  it('Expand, Tile, Range and ConstantOfShape from a shape', async () => {
    const nodes = [
      node('Shape', ['a'], ['s']),
      node('ConstantOfShape', ['s'], ['ones'], { value: { dims: [1], data: [1.5] } }),
      node('Mul', ['a', 'ones'], ['m']),
      node('Expand', ['k', 's'], ['e']),
      node('Add', ['m', 'e'], ['t']),
      node('Tile', ['t', 'reps'], ['y']),
      node('Gather', ['s', 'last'], ['n']),
      node('Range', ['zero', 'n', 'one'], ['r']),
      node('Cast', ['r'], ['z'], { to: 1 }),
    ];
    const inits = { k: randomTensor([3, 1], 5), reps: ints([1, 2, 1]), last: ints([2], []), zero: ints([0], []), one: ints([1], []) };
    await expectParity(model(nodes, { a: A }, inits, 17, ['y', 'z']), { a: input(A, 1) });
  });

  it('Slice with steps, Gather with 2-D indices, Constant, Squeeze/Unsqueeze by input', async () => {
    const nodes = [
      node('Constant', [], ['st'], { value: { dims: [2], data: [0, 3], type: 7 } }),
      node('Slice', ['a', 'st', 'en', 'ax', 'sp'], ['s']),
      node('Gather', ['a', 'idx'], ['g'], { axis: 2 }),
      node('Unsqueeze', ['s', 'uax'], ['u']),
      node('Squeeze', ['u', 'uax'], ['y']),
      node('Constant', [], ['cf'], { value_floats: floats([1, 2, 3]) }),
      node('Mul', ['g', 'three'], ['z']),
    ];
    const inits = { en: ints([3, -5]), ax: ints([1, 2]), sp: ints([2, -2]), idx: ints([0, 3, -1, 1], [2, 2]), uax: ints([0, -1]), three: { dims: [], data: [3] } };
    await expectParity(model(nodes, { a: A }, inits, 17, ['y', 'z']), { a: input(A, 1) });
  });

  it('a tensor passed through Identity/Dropout outlives its first name (reference counting)', async () => {
    const nodes = [
      node('Relu', ['a'], ['r']),
      node('Identity', ['r'], ['i']),
      node('Dropout', ['i'], ['d']),
      node('Exp', ['a'], ['e']),
      node('Add', ['d', 'e'], ['s']),
      node('Mul', ['s', 'i'], ['y']),
      node('Identity', ['a'], ['z']),
    ];
    await expectParity(model(nodes, { a: A }, {}, 17, ['y', 'z', 'i']), { a: input(A, 1) });
  });

  it('Unsqueeze by attribute (opset 11) and Flatten at axis 0 and 2', async () => {
    const nodes = [node('Unsqueeze', ['a'], ['u'], { axes: [1] }), node('Flatten', ['u'], ['y'], { axis: 0 }), node('Flatten', ['a'], ['z'], { axis: 2 })];
    await expectParity(model(nodes, { a: A }, {}, 11, ['y', 'z']), { a: input(A, 1) });
  });
});
