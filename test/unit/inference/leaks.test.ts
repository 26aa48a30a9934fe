import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesFromMap, openModel, predict, type Model } from '../../../src/inference';
import { tesseraJson, testImage, tinyGraphModel, tinyLayersModel, useCpu } from './helpers';

// DESIGN.md decision 5: every tensor is disposed. 500 batched predictions through every path
// (layers, graph and ONNX models, raw outputs, padding, resizing, every channel mode, per-tile Macenko).
const models: Model[] = [];
beforeAll(async () => {
  await useCpu();
  const layers = await tinyLayersModel({ size: [8, 8], channels: 3, classes: 3 });
  const cmyk = await tinyLayersModel({ size: [8, 8], channels: 4, classes: 2, activation: 'sigmoid' });
  const he = await tinyLayersModel({ size: [8, 8], channels: 2, classes: 3, task: 'segmentation' });
  const graph = tinyGraphModel([8, 8], 3).files;
  const onnx = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/onnx/glomeruli-cnn/model.onnx'));
  models.push(
    await openModel(filesFromMap({ ...layers, 'tessera.json': tesseraJson({}) })),
    await openModel(filesFromMap({ ...layers, 'tessera.json': tesseraJson({ input: { channels: 'grey' } }) })),
    await openModel(filesFromMap({ ...layers, 'tessera.json': tesseraJson({ input: { channels: 'bgr' } }) })),
    await openModel(filesFromMap({ ...cmyk, 'tessera.json': tesseraJson({ input: { channels: 'cmyk' }, output: { activation: 'sigmoid', classes: ['a', 'b'] } }) })),
    await openModel(filesFromMap({ ...he, 'tessera.json': tesseraJson({ task: 'segmentation', input: { channels: 'he-macenko', scale: 1, stain: { estimate: 'tile', beta: 0.05 } } }) })),
    await openModel(filesFromMap({ ...graph, 'tessera.json': tesseraJson({ format: 'tfjs-graph' }) })),
    await openModel(filesFromMap({ 'model.onnx': new Uint8Array(onnx), 'tessera.json': tesseraJson({ format: 'onnx', weights: 'model.onnx', input: { size: [64, 64], channels: 'cmyk' }, output: { activation: 'sigmoid', classes: ['a', 'b'] } }) })),
  );
});
afterAll(() => models.forEach((m) => m.dispose()));

describe('no leaks', () => {
  it('tf.memory().numTensors is unchanged after 500 batched predictions', async () => {
    const images = [testImage(8, 8, 'rgb', 1), testImage(8, 8, 'rgba', 2), testImage(10, 12, 'grey', 3), testImage(8, 8, 'cmyk', 4), testImage(6, 6, 'rgb', 5)];
    const start = tf.memory();
    for (let i = 0; i < 500; i++) {
      const model = models[i % models.length];
      const out = await predict(model, images.slice(0, 1 + (i % images.length)), { batchSize: 4, raw: i % 2 === 0 });
      expect(out).toHaveLength(1 + (i % images.length));
    }
    const end = tf.memory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBytes).toBe(start.numBytes);
    expect(end.numDataBuffers).toBe(start.numDataBuffers);
  });
});
