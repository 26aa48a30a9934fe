import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { planSlideAnalysis, startSlideAnalysis, tileRect, TileState, type SlideAnalysisPlan } from '../../../src/analysis';
import { cellMeasureNames, detectionOverlap0 } from '../../../src/analysis/cells/detection-sink';
import { imageSlide, type RgbaPixels } from '../../../src/analysis/cells/image-slide';
import { localPredictor, switchBackend } from '../../../src/inference';
import { pointwiseModel } from '../../support/cells/pointwise-model';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

const IMAGE = fixture('patches', 'brca-m2c', 'images', 'TCGA-A7-A0DB-01Z-00-DX1_168501_13501_1000_1000_0.986.png');
const canRun = HAVE_FIXTURES && existsSync(IMAGE);
/** The tiled runs' model input, pixels (at 0.5 µm/px, the image's own scale: tiles of 96 image pixels). */
const TILE = 96;
/** 3 µm at 0.5 µm/px. */
const MIN_DISTANCE_PX = 6;

async function rgba(path: string): Promise<RgbaPixels> {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function crop(image: RgbaPixels, side: number): RgbaPixels {
  const data = new Uint8Array(side * side * 4);
  for (let y = 0; y < side; y++) data.set(image.data.subarray(y * image.width * 4, (y * image.width + side) * 4), y * side * 4);
  return { width: side, height: side, data };
}

interface Cell {
  x: number;
  y: number;
  c: number;
  s: number;
}

/** Plans and runs the model over the image as a slide at its own scale; the cells in raster order of their centres. */
async function run(image: RgbaPixels, size: number, overlap: number): Promise<{ plan: SlideAnalysisPlan; cells: Cell[] }> {
  const model = await pointwiseModel(size);
  const slide = imageSlide(image, { mpp: 0.5 });
  const settings = { overlap, detectTissue: false, batchSize: 4 };
  const plan = await planSlideAnalysis(slide, model, settings);
  const outcome = await startSlideAnalysis(slide, localPredictor(model), plan, settings).finished;
  model.dispose();
  expect(outcome.status).toBe('completed');
  const store = plan.cells!;
  const cells = Array.from({ length: store.count }, (_, i) => ({ x: store.x[i], y: store.y[i], c: store.classIndex[i], s: store.score[i] }));
  cells.sort((a, b) => a.y - b.y || a.x - b.x);
  return { plan, cells };
}

describe.skipIf(!canRun)(`detection over tiles: the cells of one whole-image run${canRun ? '' : ` (${SKIP_REASON})`}`, () => {
  let image: RgbaPixels;
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await switchBackend('wasm', { order: ['wasm', 'cpu'] });
    image = await rgba(IMAGE);
  });

  for (const overlap of [0, 0.25, 0.5]) {
    it(`overlap ${overlap}: the same cells (position, class, score) as one run over the whole image`, async () => {
      // The grid the tiled run gets on the whole image; the image cropped to the extent its tiles cover.
      const probe = await planSlideAnalysis(imageSlide(image, { mpp: 0.5 }), await pointwiseModel(TILE), { overlap, detectTissue: false });
      const side = TILE + (probe.grid.cols - 1) * probe.grid.stride0;
      const part = crop(image, side);
      const tiled = await run(part, TILE, overlap);
      const whole = await run(part, side, 0);
      expect(tiled.plan.grid.cols).toBeGreaterThanOrEqual(4);
      expect(whole.plan.grid.cols).toBe(1);
      // The user's overlap, raised to what seamless cells need (2 x (6 + 16) px at the model's scale).
      expect(tiled.plan.grid.size0 - tiled.plan.grid.stride0).toBe(Math.max(Math.round(overlap * TILE), 44));
      expect(whole.cells.length).toBeGreaterThan(300);
      expect(new Set(whole.cells.map((c) => c.c)).size).toBe(3);
      expect(tiled.cells.length).toBe(whole.cells.length);
      tiled.cells.forEach((t, i) => {
        const w = whole.cells[i];
        expect(Math.abs(t.x - w.x)).toBeLessThanOrEqual(1e-3);
        expect(Math.abs(t.y - w.y)).toBeLessThanOrEqual(1e-3);
        expect(t.c).toBe(w.c);
        expect(Math.abs(t.s - w.s)).toBeLessThanOrEqual(1e-6);
      });
    });
  }

  it('no two cells of a tiled run are closer than the minimum distance; tile measures count the cells each tile owns', async () => {
    const { plan, cells } = await run(image, TILE, 0);
    let closest = Infinity;
    for (let i = 0; i < cells.length; i++) {
      for (let j = i + 1; j < cells.length && cells[j].y - cells[i].y <= MIN_DISTANCE_PX; j++) closest = Math.min(closest, Math.hypot(cells[i].x - cells[j].x, cells[i].y - cells[j].y));
    }
    expect(closest).toBeGreaterThan(MIN_DISTANCE_PX);
    const { store, grid } = plan;
    const k = 3;
    const m = store.measureNames.length;
    expect(store.measureNames).toEqual(cellMeasureNames(['lymphocyte', 'tumour', 'stromal']));
    expect(store.measureNames).toEqual(['cells_lymphocyte', 'cells_tumour', 'cells_stromal', 'cells_per_mm2_lymphocyte', 'cells_per_mm2_tumour', 'cells_per_mm2_stromal']);
    let total = 0;
    for (let t = 0; t < grid.cols * grid.rows; t++) {
      expect(store.state[t]).toBe(TileState.done);
      const counts = [0, 1, 2].map((c) => store.measures[t * m + c]);
      const n = counts.reduce((a, b) => a + b, 0);
      expect(n).toBe(plan.cells!.tileCount[t]);
      total += n;
      // Each kept cell lies in its tile, and the probabilities are class shares.
      const r = tileRect(grid, t);
      for (let i = plan.cells!.tileStart[t]; i < plan.cells!.tileStart[t] + n; i++) {
        expect(plan.cells!.x[i]).toBeGreaterThanOrEqual(r.x);
        expect(plan.cells!.x[i]).toBeLessThan(r.x + r.width);
      }
      if (n) for (let c = 0; c < k; c++) expect(store.probabilities[t * k + c]).toBeCloseTo(counts[c] / n, 6);
    }
    expect(total).toBe(cells.length);
  });

  it('the least overlap for seamless cells: 2 x (radius + 16 model px), in level-0 px', async () => {
    const model = await pointwiseModel(TILE);
    // At 0.25 µm/px the model's 0.5 µm/px tile is twice as many level-0 pixels, and so is the overlap.
    expect(detectionOverlap0(model.manifest, { size0: 2 * TILE, patchSize: [TILE, TILE] })).toBe(88);
    expect(detectionOverlap0(model.manifest, { size0: TILE, patchSize: [TILE, TILE] })).toBe(44);
    model.dispose();
  });
});
if (!canRun) it.skip(SKIP_REASON, () => {});
