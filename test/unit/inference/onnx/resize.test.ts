import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxModel } from '../../../../src/inference/onnx';
import { buildModel, ints, node, randomData, randomTensor, sizeOf, type AttrValue, type TensorSpec } from './support/onnx-builder';
import { expectParity, maxAbsDiff, runOrt } from './support/parity';

// Resize in every coordinate and nearest mode PyTorch (and others) export, against ONNX Runtime, fed
// directly (NCHW → NHWC inside) and after a Conv (NHWC already).

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const X = [1, 2, 5, 7];
const feed = () => ({ x: { dims: X, data: randomData(sizeOf(X), 3, 2) } });

function resizeModel(attrs: Record<string, AttrValue>, by: { scales?: number[]; sizes?: number[] }, opset = 13, afterConv = false) {
  const inits: Record<string, TensorSpec> = {};
  const inputs = [afterConv ? 'c' : 'x', '', by.scales ? 'scales' : '', ...(by.sizes ? ['sizes'] : [])];
  if (opset === 11) inputs[1] = 'roi';
  if (opset === 11) inits.roi = { dims: [0], data: [] };
  if (by.scales) inits.scales = { dims: [4], data: by.scales };
  else if (opset === 11) { inputs[2] = 'noscales'; inits.noscales = { dims: [0], data: [] }; }
  if (by.sizes) inits.sizes = ints(by.sizes);
  const nodes = [node('Resize', inputs, ['y'], attrs)];
  if (afterConv) {
    nodes.unshift(node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }));
    inits.w = randomTensor([2, 2, 3, 3], 5);
  }
  return buildModel({ opset, inputs: [{ name: 'x', shape: X }], outputs: [{ name: 'y' }], nodes, initializers: inits });
}

const nearestModes = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];
const coordModes = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'];
const scalings: [string, { scales?: number[]; sizes?: number[] }][] = [
  ['scales x2', { scales: [1, 1, 2, 2] }],
  ['scales (1.5, 0.6)', { scales: [1, 1, 1.5, 0.6] }],
  ['sizes (12, 3)', { sizes: [1, 2, 12, 3] }],
  ['sizes (4, 21)', { sizes: [1, 2, 4, 21] }],
];

describe('Resize nearest', () => {
  for (const [label, by] of scalings) {
    it.each(coordModes.flatMap((c) => nearestModes.map((n) => [c, n])))(`${label}, %s, %s`, async (coord, nearest) => {
      await expectParity(resizeModel({ mode: 'nearest', coordinate_transformation_mode: coord, nearest_mode: nearest }, by), feed(), { nhwc: true });
    });
  }
});

describe('Resize linear', () => {
  for (const [label, by] of scalings) {
    it.each(coordModes.filter((c) => c !== 'tf_half_pixel_for_nn'))(`${label}, %s`, async (coord) => {
      await expectParity(resizeModel({ mode: 'linear', coordinate_transformation_mode: coord }, by), feed(), { nhwc: true });
    });
  }
});

describe('Resize as PyTorch exports it', () => {
  it.each<[string, Record<string, AttrValue>, { scales?: number[]; sizes?: number[] }, number]>([
    ['nn.Upsample(scale_factor=2) opset 11', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, { scales: [1, 1, 2, 2] }, 11],
    ['bilinear align_corners=False opset 11', { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, { scales: [1, 1, 2, 2] }, 11],
    ['bilinear align_corners=True, size', { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, { sizes: [1, 2, 10, 14] }, 13],
    ['interpolate(size) nearest', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, { sizes: [1, 2, 10, 14] }, 17],
    ['nearest x4 after a Conv', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, { scales: [1, 1, 4, 4] }, 17],
  ])('%s', async (label, attrs, by, opset) => {
    await expectParity(resizeModel(attrs, by, opset, label.includes('Conv')), feed(), { nhwc: true });
  });

  it('opset 18 with an axes attribute', async () => {
    const bytes = buildModel({
      opset: 18,
      inputs: [{ name: 'x', shape: X }],
      outputs: [{ name: 'y' }],
      nodes: [node('Resize', ['x', '', 's'], ['y'], { mode: 'linear', axes: [2, 3] })],
      initializers: { s: { dims: [2], data: [2, 3] } },
    });
    await expectParity(bytes, feed(), { nhwc: true });
  });

  it('Upsample (opset 9 semantics) equals Resize asymmetric/floor', async () => {
    const ref = await runOrt(resizeModel({ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, { scales: [1, 1, 2, 3] }), feed());
    const up = buildModel({
      opset: 11,
      inputs: [{ name: 'x', shape: X }],
      outputs: [{ name: 'y' }],
      nodes: [node('Upsample', ['x', 's'], ['y'], { mode: 'nearest' })],
      initializers: { s: { dims: [4], data: [1, 1, 2, 3] } },
    });
    const m = await loadOnnxModel(up);
    const x = tf.tensor(feed().x.data, X);
    const y = m.run({ x }).y;
    expect(y.shape).toEqual(ref.y.dims);
    expect(maxAbsDiff(y.dataSync(), ref.y.data)).toBe(0);
    tf.dispose([x, y]);
    m.dispose();
  });
});
