import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { filesFromMap, loadModel, openModel, readManifest, validateManifest, type Manifest } from '../../../src/inference';
import { expectClose, expectNoLeak, tesseraJson, tinyGraphModel, tinyLayersModel, useCpu, values } from './helpers';

beforeAll(useCpu);

const batchOf = (n: number, h: number, w: number, c: number, seed = 1) => tf.tidy(() => tf.randomUniform([n, h, w, c], 0, 1, 'float32', seed)) as tf.Tensor4D;

describe('TF.js layers models', () => {
  it('loads through tessera.json; predict applies the manifest\'s softmax once, predictRaw gives the logits', async () => {
    const files = await tinyLayersModel({ size: [8, 8], channels: 3, classes: 3 });
    const reference = await tf.loadLayersModel(tf.io.fromMemory(JSON.parse(new TextDecoder().decode(files['model.json'])).modelTopology, JSON.parse(new TextDecoder().decode(files['model.json'])).weightsManifest[0].weights, files['group1-shard1of1.bin'].slice().buffer));
    const model = await openModel(filesFromMap({ ...files, 'tessera.json': tesseraJson({}) }));
    expect(model.inputShape).toEqual([8, 8, 3]);
    expect(model.rawLayout).toBe('nhwc');
    expect(model.strippedActivation).toBe('softmax');
    await expectNoLeak(() => {
      const x = batchOf(2, 8, 8, 3);
      const p = model.predict(x);
      const raw = model.predictRaw(x);
      const own = reference.predict(x) as tf.Tensor;
      expect(p.shape).toEqual([2, 3]);
      // The model's own softmax output, and softmax of the raw logits.
      expectClose(values(p), values(own), 1e-6);
      const soft = tf.softmax(raw);
      expectClose(values(soft), values(p), 1e-6);
      expect(Math.abs(values(raw).reduce((a, b) => a + b, 0) - 2)).toBeGreaterThan(1e-3);
      tf.dispose([x, p, raw, own, soft]);
    });
    reference.dispose();
    model.dispose();
  });

  it('binary sigmoid: one logit, two classes, probabilities [1 - p, p]', async () => {
    const files = await tinyLayersModel({ size: [8, 8], channels: 3, classes: 1, activation: 'sigmoid' });
    const model = await openModel(filesFromMap({ ...files, 'tessera.json': tesseraJson({ output: { activation: 'sigmoid', classes: ['benign', 'tumour'] } }) }));
    expect(model.strippedActivation).toBe('sigmoid');
    await expectNoLeak(() => tf.tidy(() => {
      const x = batchOf(3, 8, 8, 3, 5);
      const p = model.predict(x);
      expect(p.shape).toEqual([3, 2]);
      const probs = values(p);
      values(model.predictRaw(x)).forEach((l, i) => {
        const q = 1 / (1 + Math.exp(-l));
        expectClose([probs[2 * i], probs[2 * i + 1]], [1 - q, q], 1e-6);
      });
    }));
    model.dispose();
  });

  it('segmentation: a classes-last map per image', async () => {
    const files = await tinyLayersModel({ size: [8, 8], channels: 3, classes: 3, task: 'segmentation' });
    const model = await openModel(filesFromMap({ ...files, 'tessera.json': tesseraJson({ task: 'segmentation' }) }));
    await expectNoLeak(() => {
      const x = batchOf(2, 8, 8, 3);
      const p = model.predict(x);
      expect(p.shape).toEqual([2, 8, 8, 3]);
      const sums = tf.sum(p, -1);
      expectClose(values(sums), new Array(128).fill(1), 1e-5);
      tf.dispose([x, p, sums]);
    });
    model.dispose();
  });

  it('keeps an activation the manifest does not ask for (activation "none": the output is already probabilities)', async () => {
    const files = await tinyLayersModel({ size: [8, 8], channels: 3, classes: 3 });
    const model = await openModel(filesFromMap({ ...files, 'tessera.json': tesseraJson({ output: { activation: 'none' } }) }));
    expect(model.strippedActivation).toBeNull();
    tf.tidy(() => {
      const p = model.predict(batchOf(1, 8, 8, 3));
      expectClose([values(p).reduce((a, b) => a + b, 0)], [1], 1e-6);
    });
    model.dispose();
  });
});

describe('TF.js graph models', () => {
  it('loads a graph model, and runs the node before its Softmax for predictRaw', async () => {
    const { files, kernel, bias } = tinyGraphModel([4, 4], 3);
    const all = filesFromMap({ ...files, 'config.json': JSON.stringify({ spec_version: '1.0', class_names: ['a', 'b', 'c'], patch_size_pixels: 4, spacing_um_px: 1, transform: [{ name: 'ToTensor' }] }) });
    const manifest = await readManifest(all);
    expect(manifest.format).toBe('tfjs-graph');
    const model = await loadModel(manifest, all);
    expect(model.strippedActivation).toBe('softmax');
    await expectNoLeak(() => {
      const x = batchOf(2, 4, 4, 3, 9);
      const xs = values(x);
      // By hand: logits = mean over pixels of (pixel · kernel) + bias, then softmax.
      const expectedLogits: number[] = [];
      for (let n = 0; n < 2; n++) {
        for (let k = 0; k < 3; k++) {
          let s = 0;
          for (let p = 0; p < 16; p++) for (let c = 0; c < 3; c++) s += xs[(n * 16 + p) * 3 + c] * kernel[c * 3 + k];
          expectedLogits.push(s / 16 + bias[k]);
        }
      }
      const raw = model.predictRaw(x);
      const p = model.predict(x);
      expectClose(values(raw), expectedLogits, 1e-5);
      const soft = (l: number[]) => l.map((v) => Math.exp(v) / l.reduce((a, b) => a + Math.exp(b), 0));
      expectClose(values(p), [...soft(expectedLogits.slice(0, 3)), ...soft(expectedLogits.slice(3))], 1e-6);
      tf.dispose([x, raw, p]);
    });
    model.dispose();
  });
});

describe('refusals at load', () => {
  const base = async () => tinyLayersModel({ size: [8, 8], channels: 3, classes: 3 });
  const open = (files: Record<string, Uint8Array>, manifest: Uint8Array = tesseraJson({})) => openModel(filesFromMap({ ...files, 'tessera.json': manifest }, 'the folder tiny'));

  it('a truncated weights file, naming it and both byte counts', async () => {
    const files = await base();
    const shard = files['group1-shard1of1.bin'];
    await expect(open({ ...files, 'group1-shard1of1.bin': shard.slice(0, shard.length - 10) })).rejects.toThrow(
      new RegExp(`The weights file group1-shard1of1\\.bin is truncated: it holds ${shard.length - 10} bytes, but model\\.json's weightsManifest describes ${shard.length}`),
    );
    await expect(open({ ...files, 'group1-shard1of1.bin': new Uint8Array(shard.length + 4) })).rejects.toThrow(/is longer than its model\.json says/);
  });

  it('a model.json whose shard is missing, naming the missing file', async () => {
    const { 'group1-shard1of1.bin': _, ...files } = await base();
    await expect(open(files)).rejects.toThrow('model.json names the weights file group1-shard1of1.bin, which is missing from the folder tiny.');
  });

  it('a weights file the manifest names that is not there', async () => {
    const files = await base();
    await expect(open(files, tesseraJson({ weights: 'other.json' }))).rejects.toThrow('The manifest names other.json as the model, which is not in the folder tiny.');
  });

  it('a manifest that disagrees with its model: input size, channels, class count, task', async () => {
    const files = await base();
    const before = tf.memory().numTensors;
    await expect(open(files, tesseraJson({ input: { size: [16, 16] } }))).rejects.toThrow('test model: the manifest says input.size [16, 16] (height, width), but the model takes 8 x 8 pixels.');
    await expect(open(files, tesseraJson({ input: { channels: 'cmyk' } }))).rejects.toThrow('test model: the manifest\'s input.channels "cmyk" gives 4 channels, but the model takes 3.');
    await expect(open(files, tesseraJson({ output: { classes: ['a', 'b'] } }))).rejects.toThrow('test model: the manifest lists 2 classes (a, b), but the model gives 3 outputs per image.');
    await expect(open(files, tesseraJson({ task: 'segmentation' }))).rejects.toThrow(/the manifest says task "segmentation", but the model gives a 3 output per image/);
    const seg = await tinyLayersModel({ size: [8, 8], channels: 3, classes: 3, task: 'segmentation' });
    await expect(open(seg)).rejects.toThrow(/the manifest says task "classification", but the model gives a 8 x 8 x 3 output per image \(a segmentation map\?\)/);
    // Refused models leave nothing behind.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a graph model whose manifest lists the wrong classes (found by a run, the graph declares no output shape)', async () => {
    const { files } = tinyGraphModel([4, 4], 3);
    await expect(open(files, tesseraJson({ format: 'tfjs-graph', input: { size: [4, 4] }, output: { classes: ['a', 'b', 'c', 'd'] } }))).rejects.toThrow('test model: the manifest lists 4 classes (a, b, c, d), but the model gives 3 outputs per image.');
  });

  it('an unsupported format', async () => {
    const manifest = { ...validateManifest({ format: 'onnx', input: { size: [8, 8] }, output: { classes: ['a', 'b'] } }), format: 'pytorch' } as unknown as Manifest;
    await expect(loadModel(manifest, filesFromMap({}))).rejects.toThrow('Model format "pytorch" is not supported (formats: tfjs-layers, tfjs-graph, onnx).');
  });

  it('a model.json that is not a TF.js model', async () => {
    await expect(open({ 'model.json': new TextEncoder().encode('{"hello": 1}') })).rejects.toThrow('model.json in the folder tiny is not a TF.js model (it has no modelTopology).');
  });
});
