import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { analysisKey, imageSlide, outlineContains, planSlideAnalysis, regionFigures, restoreAnalysis, savedSettings, snapshotAnalysis, startSlideAnalysis, TileState, type CellStore, type RegionShape, type SlideAnalysisSettings } from '../../../src/analysis';
import { filesFromMap, localPredictor, openModel, switchBackend, type Model } from '../../../src/inference';
import type { Slide } from '../../../src/slide';
import { openSlideFile } from '../../../src/slide/node';
import { pointwiseModel } from '../../support/cells/pointwise-model';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { tesseraJson, tinyLayersModel } from '../inference/helpers';

// A whole run inside shapes, in Node: the tiles it analyses are its region's, its settings (shapes
// included) are saved so a resumed run is the same run, and with a detection model it finds every cell
// inside the outline that a run over the whole image finds.

const SLIDE = fixture('slides', 'CMU-1-Small-Region.svs');
const IMAGE = fixture('patches', 'brca-m2c', 'images', 'TCGA-A7-A13G-01Z-00-DX2_14501_11501_1000_1000_0.9824.png');
const canRun = HAVE_FIXTURES && existsSync(SLIDE) && existsSync(IMAGE);

/** A small fast model making tiles of 64 level-0 px on CMU-1 (0.499 µm/px). */
async function tinyModel(): Promise<Model> {
  const files = await tinyLayersModel({ size: [32, 32], channels: 3, classes: 3 });
  return openModel(filesFromMap({ ...files, 'tessera.json': tesseraJson({ input: { size: [32, 32], spacingUmPx: 0.998 } }) }));
}

const done = (state: Uint8Array) => Array.from(state.keys()).filter((t) => state[t] === TileState.done);

describe.skipIf(!canRun)(`a run inside shapes${canRun ? '' : ` (${SKIP_REASON})`}`, () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await switchBackend('wasm', { order: ['wasm', 'cpu'] });
  });

  it('classification on CMU-1-Small-Region: analyses exactly the tiles centred in an ellipse or a polygon; saved with its shapes, restored, nothing left to run', async () => {
    const slide = await openSlideFile(SLIDE);
    const model = await tinyModel();
    const shapes: RegionShape[] = [
      { id: 'e', shape: { type: 'ellipse', x: 700.5, y: 1200.5, width: 260, height: 180 } },
      { id: 'p', shape: { type: 'polygon', polygons: [[[[1300, 1000], [1500, 1050], [1420, 1260]]]] } },
    ];
    const settings: Partial<SlideAnalysisSettings> = { detectTissue: false, batchSize: 8, shapes };
    const plan = await planSlideAnalysis(slide, model, settings);
    expect(plan.grid.size0).toBe(64);
    const run = startSlideAnalysis(slide, localPredictor(model), plan, { ...settings, first: { x: 1300, y: 1000, width: 300, height: 300 } });
    expect((await run.finished).status).toBe('completed');
    // Tiles centred inside either shape, found here from the grid alone.
    const { grid } = plan;
    const expected: number[] = [];
    for (let t = 0; t < grid.cols * grid.rows; t++) {
      const cx = (t % grid.cols) * 64 + 32;
      const cy = Math.floor(t / grid.cols) * 64 + 32;
      if (((cx - 830.5) / 130) ** 2 + ((cy - 1290.5) / 90) ** 2 <= 1 || outlineContains(shapes[1].shape, cx, cy)) expected.push(t);
    }
    expect(expected.length).toBeGreaterThan(10);
    expect(done(plan.store.state)).toEqual(expected);
    // The view first: the polygon's tiles (in the view) before the ellipse's.
    const inPolygon = new Set(plan.region!.tiles[1]);
    expect(Array.from(run.order.slice(0, inPolygon.size)).every((t) => inPolygon.has(t))).toBe(true);
    const figures = regionFigures(plan);
    expect(figures.map((f) => f.tilesAnalysed)).toEqual(plan.region!.tiles.map((t) => t.length));

    // Saved: the key and settings hold the shapes; a new plan restored from it has nothing left to run.
    const meta = { slideFingerprint: 'f'.repeat(64), slideName: 'CMU-1-Small-Region.svs', modelKey: 'm'.repeat(64), modelName: 'tiny', settings: savedSettings(settings) };
    expect(meta.settings.shapes).toEqual(shapes);
    const saved = snapshotAnalysis(plan, meta);
    expect(saved.key).toBe(analysisKey(meta.slideFingerprint, meta.modelKey, meta.settings));
    expect(savedSettings({ detectTissue: false })).not.toHaveProperty('shapes');
    // The key names the shapes by a hash: short, and another outline gives another key.
    expect(saved.key.length).toBeLessThan(300);
    const moved = savedSettings({ ...settings, shapes: [shapes[0], { id: 'p', shape: { type: 'polygon', polygons: [[[[1300, 1000], [1500, 1050], [1420, 1261]]]] } }] });
    expect(analysisKey(meta.slideFingerprint, meta.modelKey, moved)).not.toBe(saved.key);
    const again = await planSlideAnalysis(slide, model, { ...saved.settings, batchSize: 8 });
    restoreAnalysis(again, saved);
    const resumed = startSlideAnalysis(slide, localPredictor(model), again, { ...saved.settings });
    expect(resumed.order.length).toBe(0);
    await resumed.finished;
    expect(regionFigures(again)).toEqual(figures);
    model.dispose();
  });

  it('detection (a pointwise model) on a BRCA-M2C image: the cells inside an ellipse are those a run over the whole image finds inside it', async () => {
    const { data, info } = await sharp(IMAGE).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const slide: Slide = imageSlide({ width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }, { mpp: 0.5 });
    const model = await pointwiseModel(96);
    const ellipse: RegionShape = { id: 'e', shape: { type: 'ellipse', x: 301.5, y: 255.5, width: 330, height: 250 } };
    const inside = (cells: CellStore) =>
      Array.from({ length: cells.count }, (_, i) => i)
        .filter((i) => outlineContains(ellipse.shape, cells.x[i], cells.y[i]))
        .map((i) => `${cells.x[i]} ${cells.y[i]} ${cells.classIndex[i]} ${cells.score[i]}`)
        .sort();
    const whole = await planSlideAnalysis(slide, model, { detectTissue: false });
    await startSlideAnalysis(slide, localPredictor(model), whole, { detectTissue: false }).finished;
    const settings = { detectTissue: false, shapes: [ellipse] };
    const plan = await planSlideAnalysis(slide, model, settings);
    await startSlideAnalysis(slide, localPredictor(model), plan, settings).finished;
    const expected = inside(whole.cells!);
    expect(expected.length).toBeGreaterThan(30);
    expect(inside(plan.cells!)).toEqual(expected);
    // Fewer tiles than the whole image; more than those centred inside (cells near the outline).
    const n = done(plan.store.state).length;
    expect(n).toBeLessThan(whole.grid.cols * whole.grid.rows);
    const [fig] = regionFigures(plan);
    expect(fig.cells!.total).toBe(expected.length);
    const perClass = [0, 1, 2].map((c) => expected.filter((l) => Number(l.split(' ')[2]) === c).length);
    expect(fig.cells!.counts).toEqual(perClass);
    expect(fig.areaMm2).toBeCloseTo((Math.PI * 165 * 125 * 0.25) / 1e6, 9);
  });
});
if (!canRun) it.skip(SKIP_REASON, () => {});
