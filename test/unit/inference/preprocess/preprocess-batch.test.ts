import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_STAIN_MATRIX, validateManifest } from '../../../../src/inference';
import { estimateStainMatrix } from '../../../../src/inference/stain';
import { preprocessBatch } from '../../../../src/inference/preprocess-batch';
import { stainConcentrations } from '../../../../src/inference/preprocess/stain-concentrations';
import { expectClose, expectNoLeak, testImage, useCpu, values } from '../helpers';

beforeAll(useCpu);

const manifest = (input: Record<string, unknown>) => validateManifest({ format: 'onnx', input: { size: [2, 2], ...input }, output: { classes: ['a', 'b'] } });

describe('preprocessBatch', () => {
  it('pads to the batch size with zeros, normalises, and takes RGBA, grey and CMYK images alike', async () => {
    const m = manifest({ scale: 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    const rgba = { width: 2, height: 2, format: 'rgba' as const, data: Uint8Array.from([255, 0, 255, 9, 0, 0, 0, 9, 255, 255, 255, 9, 51, 102, 153, 9]) };
    const grey = { width: 2, height: 2, format: 'grey' as const, data: Uint8Array.from([0, 255, 0, 255]) };
    const cmyk = { width: 2, height: 2, format: 'cmyk' as const, data: Uint8Array.from([255, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0]) };
    await expectNoLeak(async () => {
      const b = await preprocessBatch([rgba, grey, cmyk], m, { batchSize: 4 });
      expect(b.shape).toEqual([4, 2, 2, 3]);
      const v = values(b);
      const n = (x: number) => (x / 255 - 0.5) / 0.5;
      expectClose(v.slice(0, 12), [255, 0, 255, 0, 0, 0, 255, 255, 255, 51, 102, 153].map(n), 1e-6);
      expectClose(v.slice(12, 24), [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255].map(n), 1e-6);
      // CMYK (255, 0, 0, 0) is cyan: RGB (0, 255, 255); K = 255 is black.
      expectClose(v.slice(24, 36), [0, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 255].map(n), 1e-6);
      // The padding: black pixels, normalised like the rest (so the normalisation also sees one shape).
      expect(v.slice(36)).toEqual(new Array(12).fill(n(0)));
      b.dispose();
    });
  });

  it('resizes images of another size, and leaves images at the input size untouched', async () => {
    const m = manifest({ scale: 1 });
    const small = { width: 1, height: 1, format: 'rgb' as const, data: Uint8Array.from([10, 20, 30]) };
    const exact = testImage(2, 2, 'rgb');
    await expectNoLeak(async () => {
      const b = await preprocessBatch([small, exact], m, { batchSize: 2 });
      const v = values(b);
      expect(v.slice(0, 12)).toEqual([10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30]);
      expect(v.slice(12)).toEqual(Array.from(exact.data));
      b.dispose();
    });
  });

  it('gives he-macenko models two stain channels: fixed matrix, per-image estimate, or the slide\'s matrix', async () => {
    const image = testImage(16, 16, 'rgb', 3);
    const fixed = validateManifest({ format: 'onnx', input: { size: [16, 16], channels: 'he-macenko', scale: 1, stain: { estimate: 'fixed' } }, output: { classes: ['a', 'b'] } });
    const tile = validateManifest({ format: 'onnx', input: { size: [16, 16], channels: 'he-macenko', scale: 1, stain: { estimate: 'tile', beta: 0 } }, output: { classes: ['a', 'b'] } });
    const slideMatrix = { h: [0.6, 0.7, 0.4] as [number, number, number], e: [0.2, 0.8, 0.6] as [number, number, number] };
    const expected = (matrix: typeof slideMatrix) => tf.tidy(() => values(stainConcentrations(tf.tensor3d(Float32Array.from(image.data), [16, 16, 3]), matrix, 240)));
    await expectNoLeak(async () => {
      const a = await preprocessBatch([image], fixed, { batchSize: 1 });
      expect(a.shape).toEqual([1, 16, 16, 2]);
      expectClose(values(a), expected(REFERENCE_STAIN_MATRIX), 1e-6);
      const estimated = estimateStainMatrix(image.data, 3, tile.input.stain!)!;
      const b = await preprocessBatch([image], tile, { batchSize: 1 });
      expectClose(values(b), expected(estimated), 1e-6);
      const c = await preprocessBatch([image], tile, { batchSize: 1, stainMatrix: slideMatrix });
      expectClose(values(c), expected(slideMatrix), 1e-6);
      tf.dispose([a, b, c]);
    });
  });

  it('refuses an empty batch or one larger than the batch size', async () => {
    const m = manifest({});
    await expect(preprocessBatch([], m, { batchSize: 2 })).rejects.toThrow(/1 to 2 images/);
    await expect(preprocessBatch([testImage(2, 2), testImage(2, 2), testImage(2, 2)], m, { batchSize: 2 })).rejects.toThrow(/got 3/);
  });
});
