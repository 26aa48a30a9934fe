import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesFromMap, openModel, predict, predictBatches, validatePredictOptions, type Model } from '../../../src/inference';
import { preprocessBatch } from '../../../src/inference/preprocess-batch';
import { expectClose, expectNoLeak, tesseraJson, testImage, tinyLayersModel, useCpu, values } from './helpers';

let model: Model;
beforeAll(async () => {
  await useCpu();
  const files = await tinyLayersModel({ size: [8, 8], channels: 3, classes: 3 });
  model = await openModel(filesFromMap({ ...files, 'tessera.json': tesseraJson({ input: { size: [8, 8], scale: 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } }) }));
});
afterAll(() => model.dispose());

/** One image alone, through the same preprocessing, without batching. */
async function alone(image: ReturnType<typeof testImage>): Promise<number[]> {
  const x = await preprocessBatch([image], model.manifest, { batchSize: 1 });
  const p = model.predict(x);
  const v = values(p);
  tf.dispose([x, p]);
  return v;
}

describe('predict', () => {
  it('gives one prediction per image, in order, the same as one image at a time, across padded batches', async () => {
    const images = [testImage(8, 8, 'rgb', 1), testImage(8, 8, 'rgba', 2), testImage(12, 10, 'rgb', 3), testImage(8, 8, 'grey', 4), testImage(8, 8, 'cmyk', 5)];
    const results = await expectNoLeak(() => predict(model, images, { batchSize: 2, raw: true }));
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    for (const [i, r] of results.entries()) {
      expect(r.shape).toEqual([3]);
      const expected = await alone(images[i]);
      expectClose(r.probabilities, expected, 1e-6);
      expect(r.classIndex).toBe(expected.indexOf(Math.max(...expected)));
      expect(r.rawShape).toEqual([3]);
      const soft = Array.from(r.raw!).map((v) => Math.exp(v));
      expectClose(r.probabilities, soft.map((v) => v / soft.reduce((a, b) => a + b, 0)), 1e-6);
    }
  });

  it('yields batch by batch from an async source of images', async () => {
    async function* source() {
      for (let i = 0; i < 5; i++) yield testImage(8, 8, 'rgb', i + 10);
    }
    const sizes: number[] = [];
    for await (const batch of predictBatches(model, source(), { batchSize: 3 })) sizes.push(batch.length);
    expect(sizes).toEqual([3, 2]);
  });

  it('pulls the next batch\'s images while this batch runs', async () => {
    const log: string[] = [];
    async function* source() {
      for (let i = 0; i < 4; i++) {
        log.push(`decode ${i}`);
        yield testImage(8, 8, 'rgb', i);
      }
    }
    for await (const batch of predictBatches(model, source(), { batchSize: 2 })) log.push(`result ${batch[0].index}`);
    // Images 2 and 3 are decoded before the first batch's result comes out.
    expect(log.indexOf('decode 3')).toBeLessThan(log.indexOf('result 0'));
  });

  it('stops when aborted, and refuses a bad batch size', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(predict(model, [testImage(8, 8)], { signal: ac.signal })).rejects.toThrow('The operation was cancelled.');
    expect(() => validatePredictOptions({ batchSize: 0 })).toThrow(/batchSize must be a whole number from 1 to 1024, got 0/);
    expect(await predict(model, [])).toEqual([]);
  });

  it('gives segmentation models a map per image and the class most pixels have', async () => {
    const files = await tinyLayersModel({ size: [8, 8], channels: 3, classes: 3, task: 'segmentation' });
    const seg = await openModel(filesFromMap({ ...files, 'tessera.json': tesseraJson({ task: 'segmentation' }) }));
    const [r] = await expectNoLeak(() => predict(seg, [testImage(8, 8)], { batchSize: 4 }));
    expect(r.shape).toEqual([8, 8, 3]);
    expect(r.probabilities).toHaveLength(192);
    const counts = [0, 0, 0];
    for (let i = 0; i < 64; i++) {
      const px = Array.from(r.probabilities.subarray(i * 3, i * 3 + 3));
      counts[px.indexOf(Math.max(...px))]++;
    }
    expect(r.classIndex).toBe(counts.indexOf(Math.max(...counts)));
    seg.dispose();
  });
});
