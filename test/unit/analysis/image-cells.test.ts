import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectCellsInImage, imageSlide, type RgbaPixels } from '../../../src/analysis';
import { localPredictor, predict, switchBackend, type DetectedCells } from '../../../src/inference';
import { pointwiseModel } from '../../support/cells/pointwise-model';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

// 504 x 503: not square, not a multiple of the tile's stride.
const IMAGE = fixture('patches', 'brca-m2c', 'images', 'TCGA-AC-A2FG-01Z-00-DX1_30501_12001_999_1000_1.008.png');
const canRun = HAVE_FIXTURES && existsSync(IMAGE);

async function rgba(path: string): Promise<RgbaPixels> {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Cells as "x y class score" lines, sorted. */
const lines = (c: DetectedCells) => Array.from(c.x, (x, i) => `${x.toFixed(3)} ${c.y[i].toFixed(3)} ${c.classIndex[i]} ${c.score[i].toFixed(6)}`).sort();

describe.skipIf(!canRun)(`detectCellsInImage${canRun ? '' : ` (${SKIP_REASON})`}`, () => {
  let image: RgbaPixels;
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await switchBackend('wasm', { order: ['wasm', 'cpu'] });
    image = await rgba(IMAGE);
  });

  it('tiles (never resizes) a whole image and finds the cells of one pass of the model over all of it', async () => {
    expect([image.width, image.height]).toEqual([504, 503]);
    const whole = await pointwiseModel([image.height, image.width]);
    const [one] = await predict(whole, [{ width: image.width, height: image.height, data: image.data, format: 'rgba' }]);
    whole.dispose();
    const tiled = await pointwiseModel(128);
    const cells = await detectCellsInImage(localPredictor(tiled), image);
    tiled.dispose();
    expect(one.cells!.x.length).toBeGreaterThan(300);
    expect(lines(cells)).toEqual(lines(one.cells!));
    // In the image's own pixels, sorted by y then x.
    for (let i = 1; i < cells.y.length; i++) expect(cells.y[i] > cells.y[i - 1] || (cells.y[i] === cells.y[i - 1] && cells.x[i] > cells.x[i - 1])).toBe(true);
    expect(Math.max(...cells.x)).toBeLessThan(image.width);
    expect(Math.max(...cells.y)).toBeLessThan(image.height);
  });

  it('an image smaller than a tile: continued by reflection, no cell outside it', async () => {
    const small = { width: 60, height: 50, data: new Uint8Array(60 * 50 * 4) };
    for (let y = 0; y < 50; y++) small.data.set(image.data.subarray((y + 200) * image.width * 4 + 800, (y + 200) * image.width * 4 + 800 + 240), y * 240);
    const model = await pointwiseModel(128);
    const cells = await detectCellsInImage(localPredictor(model), small);
    const whole = await pointwiseModel([50, 60]);
    const [one] = await predict(whole, [{ ...small, format: 'rgba' }]);
    model.dispose();
    whole.dispose();
    expect(cells.x.length).toBeGreaterThan(3);
    expect(lines(cells)).toEqual(lines(one.cells!));
  });

  it('takes RGB and grey images as decoded (the same cells as their RGBA)', async () => {
    const w = 150;
    const h = 140;
    const rgbaPart = new Uint8Array(w * h * 4);
    const rgb = new Uint8Array(w * h * 3);
    const grey = new Uint8Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const y = Math.floor(i / w);
      const src = ((y + 100) * image.width + (i % w) + 100) * 4;
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = rgbaPart[i * 4 + c] = image.data[src + c];
      rgbaPart[i * 4 + 3] = 255;
      grey[i] = image.data[src + 1];
    }
    const model = await pointwiseModel(128);
    const p = localPredictor(model);
    const fromRgba = await detectCellsInImage(p, { width: w, height: h, data: rgbaPart });
    expect(fromRgba.x.length).toBeGreaterThan(10);
    expect(lines(await detectCellsInImage(p, { width: w, height: h, data: rgb, format: 'rgb' }))).toEqual(lines(fromRgba));
    const greyAsRgba = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : grey[i >> 2]));
    expect(lines(await detectCellsInImage(p, { width: w, height: h, data: grey, format: 'grey' }))).toEqual(lines(await detectCellsInImage(p, { width: w, height: h, data: greyAsRgba })));
    await expect(detectCellsInImage(p, { width: 2, height: 2, data: new Uint8Array(16), format: 'cmyk' })).rejects.toThrow(/CMYK/);
    model.dispose();
  });

  it('reflects without repeating the edge pixel, as numpy\'s "reflect"', async () => {
    const row = { width: 3, height: 1, data: Uint8Array.from([1, 0, 0, 255, 2, 0, 0, 255, 3, 0, 0, 255]) };
    const slide = imageSlide(row, { mpp: 0.5, width: 9, height: 2 });
    const r = await slide.readRegion(0, 0, 0, 10, 2);
    // numpy.pad([1, 2, 3], (0, 6), mode='reflect') = [1 2 3 2 1 2 3 2 1]; the 10th is outside the slide.
    expect(Array.from({ length: 10 }, (_, i) => r.data[i * 4])).toEqual([1, 2, 3, 2, 1, 2, 3, 2, 1, 0]);
    expect(Array.from({ length: 10 }, (_, i) => r.data[40 + i * 4])).toEqual([1, 2, 3, 2, 1, 2, 3, 2, 1, 0]);
  });
});
if (!canRun) it.skip(SKIP_REASON, () => {});
