import { maxAbsDiff } from '../../support/arrays';
export { maxAbsDiff } from '../../support/arrays';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { switchBackend } from '../../../src/inference/backend';

/** TF.js on its CPU backend, quietly (its "use tfjs-node" banner is not for us). */
export async function useCpu(): Promise<void> {
  tf.env().set('PROD', true);
  await switchBackend('cpu');
}

/** Runs fn and checks that it leaves no tensor behind. */
export async function expectNoLeak<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  expect(tf.memory().numTensors, 'tensors left behind').toBe(before);
  return out;
}

export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  const diff = maxAbsDiff(actual, expected);
  expect(diff, `max |difference| ${diff} > ${tolerance}\nactual ${Array.from(actual).join(', ')}\nexpected ${Array.from(expected).join(', ')}`).toBeLessThanOrEqual(tolerance);
}


export interface TinyModelSpec {
  size: [number, number];
  channels: number;
  classes: number;
  /** The last layer's own activation. */
  activation?: 'softmax' | 'sigmoid' | 'linear';
  task?: 'classification' | 'segmentation';
  seed?: number;
}

/**
 * A small TF.js layers model written the way tensorflowjs_converter writes one: model.json plus one
 * weights shard. Seeded weights, so runs are repeatable.
 */
export async function tinyLayersModel(spec: TinyModelSpec): Promise<Record<string, Uint8Array>> {
  const { size, channels, classes, activation = 'softmax', task = 'classification', seed = 7 } = spec;
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [size[0], size[1], channels], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), biasInitializer: 'ones' }));
  if (task === 'classification') {
    model.add(tf.layers.globalAveragePooling2d({}));
    model.add(tf.layers.dense({ units: classes, activation, kernelInitializer: init(2) }));
  } else {
    model.add(tf.layers.conv2d({ filters: classes, kernelSize: 1, activation, kernelInitializer: init(2) }));
  }
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers (Tessera test)',
    convertedBy: null,
    modelTopology: saved!.modelTopology,
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: saved!.weightSpecs }],
  };
  return {
    'model.json': new TextEncoder().encode(JSON.stringify(modelJson)),
    'group1-shard1of1.bin': new Uint8Array(saved!.weightData as ArrayBuffer),
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const float = { type: 'DT_FLOAT' };

/**
 * A small TF.js graph model written by hand as tensorflowjs_converter writes a GraphDef: input
 * [-1, h, w, 3] → 1 x 1 Conv2D → BiasAdd → Mean over height and width → Softmax → Identity.
 * Returns the files and the weights, to compute the expected output independently.
 */
export function tinyGraphModel(size: [number, number], classes: number): { files: Record<string, Uint8Array>; kernel: Float32Array; bias: Float32Array } {
  const kernel = Float32Array.from({ length: 3 * classes }, (_, i) => Math.sin(i + 1) / 3);
  const bias = Float32Array.from({ length: classes }, (_, i) => 0.1 * (i - 1));
  const node = [
    { name: 'image', op: 'Placeholder', attr: { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: String(size[0]) }, { size: String(size[1]) }, { size: '3' }] } } } },
    { name: 'kernel', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '1' }, { size: '1' }, { size: '3' }, { size: String(classes) }] } } } } },
    { name: 'bias', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: String(classes) }] } } } } },
    { name: 'axes', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] } } } } },
    { name: 'conv', op: 'Conv2D', input: ['image', 'kernel'], attr: { T: float, strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') }, dilations: { list: { i: ['1', '1', '1', '1'] } } } },
    { name: 'logits_map', op: 'BiasAdd', input: ['conv', 'bias'], attr: { T: float, data_format: { s: b64('NHWC') } } },
    { name: 'logits', op: 'Mean', input: ['logits_map', 'axes'], attr: { T: float, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
    { name: 'probabilities', op: 'Softmax', input: ['logits'], attr: { T: float } },
    { name: 'output', op: 'Identity', input: ['probabilities'], attr: { T: float } },
  ];
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'hand-written (Tessera test)',
    convertedBy: null,
    modelTopology: { node, library: {}, versions: { producer: 1 } },
    weightsManifest: [{
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'kernel', shape: [1, 1, 3, classes], dtype: 'float32' },
        { name: 'bias', shape: [classes], dtype: 'float32' },
        { name: 'axes', shape: [2], dtype: 'int32' },
      ],
    }],
  };
  const bin = new Uint8Array(kernel.byteLength + bias.byteLength + 8);
  bin.set(new Uint8Array(kernel.buffer), 0);
  bin.set(new Uint8Array(bias.buffer), kernel.byteLength);
  bin.set(new Uint8Array(Int32Array.from([1, 2]).buffer), kernel.byteLength + bias.byteLength);
  return { files: { 'model.json': new TextEncoder().encode(JSON.stringify(modelJson)), 'group1-shard1of1.bin': bin }, kernel, bias };
}

/** A tessera.json for a test model, with overrides. */
export function tesseraJson(over: Record<string, unknown> & { input?: Record<string, unknown>; output?: Record<string, unknown> }): Uint8Array {
  const { input, output, ...rest } = over;
  const manifest = {
    name: 'test model',
    task: 'classification',
    format: 'tfjs-layers',
    weights: 'model.json',
    ...rest,
    input: { size: [8, 8], channels: 'rgb', ...input },
    output: { activation: 'softmax', classes: ['a', 'b', 'c'], ...output },
  };
  return new TextEncoder().encode(JSON.stringify(manifest));
}

/** A deterministic test image. */
export function testImage(width: number, height: number, format: 'rgb' | 'rgba' | 'grey' | 'cmyk' = 'rgb', seed = 1) {
  const n = { rgb: 3, rgba: 4, grey: 1, cmyk: 4 }[format];
  const data = new Uint8Array(width * height * n);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s >>> 16) & 255;
  }
  return { width, height, data, format };
}
