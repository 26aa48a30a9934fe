import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { IDBFactory } from 'fake-indexeddb';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnalysisDb, imageSlide, planSlideAnalysis, restoreAnalysis, savedSettings, snapshotAnalysis, startSlideAnalysis, type CellStore, type SlideAnalysisSettings } from '../../../src/analysis';
import { localPredictor, switchBackend, type Model } from '../../../src/inference';
import type { Slide } from '../../../src/slide';
import { pointwiseModel } from '../../support/cells/pointwise-model';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

const IMAGE = fixture('patches', 'brca-m2c', 'images', 'TCGA-A7-A13G-01Z-00-DX2_14501_11501_1000_1000_0.9824.png');
const canRun = HAVE_FIXTURES && existsSync(IMAGE);
const meta = { slideFingerprint: 'f'.repeat(64), slideName: 'brca.png', modelKey: 'm'.repeat(64), modelName: 'pointwise', settings: savedSettings({}) };

/** Every cell as "x y class score", in the store's order of tiles (sorted, so the order tiles ran in does not matter). */
function cellLines(cells: CellStore): string[] {
  return Array.from({ length: cells.count }, (_, i) => `${cells.x[i]} ${cells.y[i]} ${cells.classIndex[i]} ${cells.score[i]}`).sort();
}

describe.skipIf(!canRun)(`saved detection analyses keep their cells${canRun ? '' : ` (${SKIP_REASON})`}`, () => {
  let slide: Slide;
  let model: Model;
  const settings: Partial<SlideAnalysisSettings> = { detectTissue: false, batchSize: 4 };
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await switchBackend('wasm', { order: ['wasm', 'cpu'] });
    const { data, info } = await sharp(IMAGE).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    slide = imageSlide({ width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }, { mpp: 0.5 });
    model = await pointwiseModel(96);
  });

  it('a half-done run saved to IndexedDB, restored into a new plan and resumed gives the cells of one uninterrupted run', async () => {
    const full = await planSlideAnalysis(slide, model, settings);
    expect((await startSlideAnalysis(slide, localPredictor(model), full, settings).finished).status).toBe('completed');

    // The top half only, saved; a new plan restores it and runs the rest.
    const half = await planSlideAnalysis(slide, model, settings);
    const top = { x: 0, y: 0, width: slide.info.levels[0].width, height: slide.info.levels[0].height / 2 };
    await startSlideAnalysis(slide, localPredictor(model), half, { ...settings, region: top }).finished;
    expect(half.cells!.count).toBeGreaterThan(50);
    expect(half.cells!.count).toBeLessThan(full.cells!.count);
    const db = await AnalysisDb.open(new IDBFactory());
    const saved = snapshotAnalysis(half, meta);
    expect(saved.bytes).toBeGreaterThan(13 * half.cells!.count);
    await db.put(saved);
    const loaded = (await db.get(saved.key))!;
    db.close();

    const again = await planSlideAnalysis(slide, model, settings);
    restoreAnalysis(again, loaded);
    expect(cellLines(again.cells!)).toEqual(cellLines(half.cells!));
    expect(Array.from(again.cells!.tileCount)).toEqual(Array.from(half.cells!.tileCount));
    const before = again.cells!.version;
    const resumed = startSlideAnalysis(slide, localPredictor(model), again, settings);
    expect(resumed.order.length).toBe(again.grid.cols * again.grid.rows - half.store.state.filter((s) => s === 1).length);
    await resumed.finished;
    expect(again.cells!.version).toBeGreaterThan(before);
    expect(cellLines(again.cells!)).toEqual(cellLines(full.cells!));
  });

  it('a tile not done is saved without its cells (a resumed run adds them once)', async () => {
    const plan = await planSlideAnalysis(slide, model, settings);
    await startSlideAnalysis(slide, localPredictor(model), plan, settings).finished;
    const tile = plan.cells!.tileCount.findIndex((n) => n > 0);
    plan.store.state[tile] = 3; // failed, as a tile whose result did not land
    const saved = snapshotAnalysis(plan, meta);
    expect(saved.cells!.count).toBe(plan.cells!.count - plan.cells!.tileCount[tile]);
    expect(saved.cells!.tileStart[tile]).toBe(-1);
  });
});
if (!canRun) it.skip(SKIP_REASON, () => {});
