import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { filesFromMap, loadModel, openModel, predict, validateManifest } from '../../../src/inference';
import { expectClose, expectNoLeak, testImage, useCpu, values } from './helpers';

// The ONNX branch of loadModel, on the parity fixtures in test/fixtures/onnx (random weights: numbers to
// compare, not meaningful models) against the ONNX Runtime outputs stored beside them.
const ONNX = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/onnx');

interface Fixture {
  bytes: Uint8Array;
  input: tf.Tensor4D; // NHWC
  output: Float32Array; // ONNX Runtime's, in ONNX's layout
  outputShape: number[];
}

function readFixture(name: string): Fixture {
  const meta = JSON.parse(readFileSync(join(ONNX, name, 'meta.json'), 'utf8'));
  const read = (f: string) => {
    const b = readFileSync(join(ONNX, name, f));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const [n, c, h, w] = meta.input.shape as number[];
  const input = tf.tidy(() => tf.transpose(tf.tensor4d(read(meta.input.file), [n, c, h, w]), [0, 2, 3, 1])) as tf.Tensor4D;
  return { bytes: new Uint8Array(readFileSync(join(ONNX, name, meta.model))), input, output: read(meta.outputs[0].file), outputShape: meta.outputs[0].shape };
}

beforeAll(useCpu);

describe('ONNX models through loadModel', () => {
  it('glomeruli CNN (four-channel CMYK input, one sigmoid logit): raw as ONNX Runtime gives it, [1 - p, p] after', async () => {
    const f = readFixture('glomeruli-cnn');
    const manifest = validateManifest({ name: 'glomeruli', format: 'onnx', input: { size: [64, 64], channels: 'cmyk', scale: 1 }, output: { activation: 'sigmoid', classes: ['other', 'glomerulus'] } });
    const model = await loadModel(manifest, filesFromMap({ 'model.onnx': f.bytes }));
    expect(model.rawLayout).toBe('nchw');
    expect(model.inputShape).toEqual([64, 64, 4]);
    await expectNoLeak(() => {
      const raw = model.predictRaw(f.input);
      expect(raw.shape).toEqual(f.outputShape);
      expectClose(values(raw), f.output, 1e-4);
      const p = model.predict(f.input);
      expect(p.shape).toEqual([2, 2]);
      const q = Array.from(f.output).map((l) => 1 / (1 + Math.exp(-l)));
      expectClose(values(p), q.flatMap((v) => [1 - v, v]), 1e-4);
      tf.dispose([raw, p]);
    });
    model.dispose();
    f.input.dispose();
  });

  it('U-Net (segmentation): raw in NCHW as ONNX Runtime gives it, probabilities classes last', async () => {
    const f = readFixture('unet');
    const manifest = validateManifest({ name: 'unet', task: 'segmentation', format: 'onnx', input: { size: [64, 64], scale: 1 }, output: { classes: ['background', 'nucleus', 'boundary'] } });
    const model = await loadModel(manifest, filesFromMap({ 'model.onnx': f.bytes }));
    await expectNoLeak(() => {
      const raw = model.predictRaw(f.input);
      expect(raw.shape).toEqual([2, 3, 64, 64]);
      expectClose(values(raw), f.output, 1e-4);
      const p = model.predict(f.input);
      expect(p.shape).toEqual([2, 64, 64, 3]);
      const expected = tf.tidy(() => tf.softmax(tf.transpose(tf.tensor4d(f.output, [2, 3, 64, 64]), [0, 2, 3, 1])));
      expectClose(values(p), values(expected), 1e-4);
      tf.dispose([raw, p, expected]);
    });
    // Batched predict on images, through the same branch.
    const results = await expectNoLeak(() => predict(model, [testImage(64, 64, 'rgb', 1), testImage(32, 32, 'grey', 2)], { batchSize: 2, raw: true }));
    expect(results[0].shape).toEqual([64, 64, 3]);
    expect(results[0].rawShape).toEqual([3, 64, 64]);
    model.dispose();
    f.input.dispose();
  });

  it('refuses a manifest that disagrees with the ONNX model, an unsupported operator and a truncated file', async () => {
    const f = readFixture('glomeruli-cnn');
    f.input.dispose();
    const files = filesFromMap({ 'model.onnx': f.bytes }, 'the folder glomeruli');
    const open = (input: Record<string, unknown>, output: Record<string, unknown> = {}) =>
      loadModel(validateManifest({ name: 'glomeruli', format: 'onnx', input: { size: [64, 64], channels: 'cmyk', ...input }, output: { activation: 'sigmoid', classes: ['other', 'glomerulus'], ...output } }), files);
    const before = tf.memory().numTensors;
    await expect(open({ size: [128, 128] })).rejects.toThrow('glomeruli: the manifest says input.size [128, 128] (height, width), but the model takes 64 x 64 pixels.');
    await expect(open({ channels: 'rgb' })).rejects.toThrow('glomeruli: the manifest\'s input.channels "rgb" gives 3 channels, but the model takes 4.');
    await expect(open({}, { classes: ['a', 'b', 'c'] })).rejects.toThrow('glomeruli: the manifest lists 3 classes (a, b, c), but the model gives 1 output per image.');
    expect(tf.memory().numTensors).toBe(before);
    const tessera = JSON.stringify({ format: 'onnx', weights: 'unsupported-op.onnx', input: { size: [32, 32] }, output: { classes: ['a', 'b'] } });
    await expect(openModel(filesFromMap({ 'tessera.json': tessera, 'unsupported-op.onnx': new Uint8Array(readFileSync(join(ONNX, 'broken', 'unsupported-op.onnx'))) }))).rejects.toThrow(/GridSample/);
    const truncated = JSON.stringify({ format: 'onnx', weights: 'truncated.onnx', input: { size: [64, 64], channels: 'cmyk' }, output: { activation: 'sigmoid', classes: ['a', 'b'] } });
    await expect(openModel(filesFromMap({ 'tessera.json': truncated, 'truncated.onnx': new Uint8Array(readFileSync(join(ONNX, 'broken', 'truncated.onnx'))) }))).rejects.toThrow(/truncated\.onnx/);
    await expect(openModel(filesFromMap({ 'tessera.json': truncated }, 'the folder x'))).rejects.toThrow('The manifest names the ONNX model truncated.onnx, which is not in the folder x.');
  });
});
