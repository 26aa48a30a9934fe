import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { buildModel, float, node, randomData, randomTensor, sizeOf, type AttrValue } from './support/onnx-builder';
import { expectParity } from './support/parity';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const X = [2, 4, 9, 11];
const feed = (dims = X, seed = 7) => ({ x: { dims, data: randomData(sizeOf(dims), seed) } });

/** One Conv node (weights/bias as initializers) followed by nothing or by an activation. */
function convModel(attrs: Record<string, AttrValue>, w: number[], opts: { bias?: boolean; then?: string; op?: string; x?: number[] } = {}) {
  const op = opts.op ?? 'Conv';
  const inputs = ['x', 'w', ...(opts.bias === false ? [] : ['b'])];
  const outC = op === 'Conv' ? w[0] : w[1] * ((attrs.group as number) ?? 1);
  const nodes = [node(op, inputs, [opts.then ? 'c' : 'y'], attrs)];
  if (opts.then) nodes.push(node(opts.then, ['c'], ['y']));
  return buildModel({
    inputs: [{ name: 'x', shape: opts.x ?? X }],
    outputs: [{ name: 'y' }],
    nodes,
    initializers: { w: randomTensor(w, 3, 0.5), ...(opts.bias === false ? {} : { b: randomTensor([outC], 5) }) },
  });
}

describe('Conv against ONNX Runtime', () => {
  it.each<[string, Record<string, AttrValue>, number[]]>([
    ['3x3, pads 1', { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, [6, 4, 3, 3]],
    ['asymmetric pads, stride 2', { pads: [0, 1, 2, 1], strides: [2, 2] }, [5, 4, 3, 3]],
    ['stride (2,3), 1x5 kernel', { strides: [2, 3], pads: [0, 2, 0, 2] }, [3, 4, 1, 5]],
    ['dilations 2', { dilations: [2, 2], pads: [2, 2, 2, 2] }, [4, 4, 3, 3]],
    ['dilations 2 with stride 2', { dilations: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1] }, [4, 4, 3, 3]],
    ['auto_pad SAME_UPPER, stride 2', { auto_pad: 'SAME_UPPER', strides: [2, 2] }, [4, 4, 4, 4]],
    ['auto_pad SAME_LOWER, stride 2', { auto_pad: 'SAME_LOWER', strides: [2, 2] }, [4, 4, 4, 4]],
    ['auto_pad VALID', { auto_pad: 'VALID' }, [4, 4, 3, 2]],
    ['group 2', { group: 2, pads: [1, 1, 1, 1] }, [6, 2, 3, 3]],
    ['depthwise (group = C)', { group: 4, pads: [1, 1, 1, 1] }, [4, 1, 3, 3]],
    ['depthwise with multiplier 2, asymmetric pads', { group: 4, pads: [1, 0, 0, 1] }, [8, 1, 3, 3]],
    ['depthwise stride 2', { group: 4, pads: [1, 1, 1, 1], strides: [2, 2] }, [4, 1, 3, 3]],
  ])('%s', async (_, attrs, w) => {
    await expectParity(convModel(attrs, w), feed(), { nhwc: true });
  });

  it('without bias', async () => {
    await expectParity(convModel({ pads: [1, 1, 1, 1] }, [3, 4, 3, 3], { bias: false }), feed());
  });

  it.each(['Relu', 'Sigmoid', 'LeakyRelu'])('fused with a following %s', async (act) => {
    await expectParity(convModel({ pads: [1, 1, 1, 1] }, [6, 4, 3, 3], { then: act }), feed(), { nhwc: true });
  });
});

describe('ConvTranspose against ONNX Runtime', () => {
  it.each<[string, Record<string, AttrValue>, number[]]>([
    ['2x2 stride 2 (U-Net)', { strides: [2, 2] }, [4, 3, 2, 2]],
    // Kernel = strides: run as a 1 x 1 convolution and depthToSpace; with cropping pads and output_padding too.
    ['3x3 stride 3 pads (1,0,0,2) output_padding 1', { strides: [3, 3], pads: [1, 0, 0, 2], output_padding: [1, 1] }, [4, 5, 3, 3]],
    ['2x2 stride 2 with bias, 1 output channel', { strides: [2, 2] }, [4, 1, 2, 2]],
    ['3x3 stride 2 pads 1 output_padding 1', { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, [4, 3, 3, 3]],
    ['3x3 stride 1 pads 1', { pads: [1, 1, 1, 1] }, [4, 5, 3, 3]],
    ['4x4 stride 2 pads (1,0,2,1)', { strides: [2, 2], pads: [1, 0, 2, 1] }, [4, 2, 4, 4]],
    ['group 2', { strides: [2, 2], group: 2 }, [4, 3, 2, 2]],
    ['output_shape', { strides: [2, 2], output_shape: [19, 23] }, [4, 3, 3, 3]],
  ])('%s', async (_, attrs, w) => {
    await expectParity(convModel(attrs, w, { op: 'ConvTranspose' }), feed(), { nhwc: true });
  });
});

describe('pools against ONNX Runtime', () => {
  const pool = (op: string, attrs: Record<string, AttrValue>, x = X) =>
    buildModel({ inputs: [{ name: 'x', shape: x }], outputs: [{ name: 'y' }], nodes: [node(op, ['x'], ['y'], attrs)] });
  it.each<[string, string, Record<string, AttrValue>]>([
    ['MaxPool 3x3 s2 p1 (ResNet stem)', 'MaxPool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['MaxPool 2x2 s2', 'MaxPool', { kernel_shape: [2, 2], strides: [2, 2] }],
    ['MaxPool 3x3 s2 ceil_mode', 'MaxPool', { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }],
    ['MaxPool 2x2 s2 ceil_mode pads', 'MaxPool', { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1, pads: [1, 0, 1, 0] }],
    ['MaxPool SAME_UPPER', 'MaxPool', { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }],
    ['AveragePool 2x2 s2 (DenseNet)', 'AveragePool', { kernel_shape: [2, 2], strides: [2, 2] }],
    ['AveragePool pads, exclude pad', 'AveragePool', { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] }],
    ['AveragePool pads, count_include_pad', 'AveragePool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }],
    ['AveragePool ceil_mode', 'AveragePool', { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }],
    ['AveragePool ceil_mode count_include_pad', 'AveragePool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 }],
  ])('%s', async (_, op, attrs) => {
    await expectParity(pool(op, attrs), feed(), { nhwc: true });
  });

  it.each(['GlobalAveragePool', 'GlobalMaxPool'])('%s', async (op) => {
    await expectParity(pool(op, {}), feed(), { nhwc: true });
  });
});

describe('BatchNormalization and InstanceNormalization against ONNX Runtime', () => {
  it('BatchNormalization on 4-D and 2-D inputs', async () => {
    for (const x of [X, [3, 4]]) {
      const bytes = buildModel({
        inputs: [{ name: 'x', shape: x }],
        outputs: [{ name: 'y' }],
        nodes: [node('BatchNormalization', ['x', 'g', 'b', 'm', 'v'], ['y'], { epsilon: float(1e-3) })],
        initializers: {
          g: randomTensor([4], 1),
          b: randomTensor([4], 2),
          m: randomTensor([4], 3),
          v: { dims: [4], data: [0.5, 1, 2, 0.1] },
        },
      });
      await expectParity(bytes, feed(x), { nhwc: true });
    }
  });

  it('InstanceNormalization', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: X }],
      outputs: [{ name: 'y' }],
      nodes: [node('Conv', ['x', 'w'], ['c']), node('InstanceNormalization', ['c', 's', 'b'], ['y'])],
      initializers: { w: randomTensor([4, 4, 1, 1], 4), s: randomTensor([4], 1), b: randomTensor([4], 2) },
    });
    await expectParity(bytes, feed(), { nhwc: true });
  });
});
