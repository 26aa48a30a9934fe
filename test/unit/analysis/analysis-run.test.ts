import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTileGrid, tileCount, tileRect, tileRegion, type TileGrid } from '../../../src/analysis/grid/tile-grid';
import { TileState, countStates, createResultStore, tileProbabilities } from '../../../src/analysis/results/result-store';
import { startAnalysis } from '../../../src/analysis/run/analysis-run';
import { classificationSink } from '../../../src/analysis/run/prediction-sink';
import { orderTiles, tilesIn } from '../../../src/analysis/run/tile-order';
import { TesseraError } from '../../../src/core/errors';
import { filesFromMap, localPredictor, openModel, predict, switchBackend, type Model } from '../../../src/inference';
import { filesFromDirectory } from '../../../src/inference/node';
import type { Slide } from '../../../src/slide';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { expectClose, tesseraJson, tinyLayersModel } from '../inference/helpers';

const SLIDE = fixture('slides', 'CMU-1-Small-Region.svs');

/** A small fast model at a µm/px that makes tiles of 64 level-0 px on CMU-1 (0.499 µm/px). */
async function tinyModel(): Promise<Model> {
  const files = await tinyLayersModel({ size: [32, 32], channels: 3, classes: 3 });
  return openModel(filesFromMap({ ...files, 'tessera.json': tesseraJson({ input: { size: [32, 32], spacingUmPx: 0.998 } }) }));
}

/** The slide, with reads of chosen tiles failing as a corrupt tile does. */
function withCorruptTiles(slide: Slide, grid: TileGrid, bad: Set<number>): Slide {
  const badRegions = new Set([...bad].map((t) => JSON.stringify(tileRegion(grid, slide.info, t))));
  return {
    ...slide,
    info: slide.info,
    readRegion: (level, x, y, width, height, signal) => {
      if (badRegions.has(JSON.stringify({ level, x, y, width, height }))) return Promise.reject(new TesseraError('corrupt-tile', 'A tile of this slide is damaged.', 'test'));
      return slide.readRegion(level, x, y, width, height, signal);
    },
  };
}

describe('tile order', () => {
  const grid = { cols: 10, rows: 10, originX: 0, originY: 0, size0: 100, stride0: 100, level: 0, levelSize: 100, patchSize: [100, 100], mpp: 0.5, mppSource: 'slide', modelMpp: 0.5 } as TileGrid;

  it('visits the tiles in view first, nearest the centre of the view first, then the rest outwards', () => {
    const order = orderTiles(grid, tilesIn(grid), { x: 460, y: 460, width: 200, height: 100 });
    const inView = new Set([44, 45, 46, 54, 55, 56]);
    expect(new Set(order.slice(0, 6))).toEqual(inView);
    expect(order[0]).toBe(55);
    const d = (t: number) => Math.hypot(tileRect(grid, t).x + 50 - 560, tileRect(grid, t).y + 50 - 510);
    for (let i = 7; i < order.length; i++) expect(d(order[i])).toBeGreaterThanOrEqual(d(order[i - 1]));
    expect(order.length).toBe(100);
  });

  it('only the tiles whose centre is in a drawn rectangle', () => {
    expect(Array.from(tilesIn(grid, { x: 0, y: 0, width: 200, height: 160 }))).toEqual([0, 1, 10, 11]);
  });
});

describe.skipIf(!HAVE_FIXTURES)(`analysis runs on a real slide${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  let slide: Slide;
  let tiny: Model;
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await switchBackend('wasm', { order: ['wasm', 'cpu'] });
    slide = await openSlideFile(SLIDE);
    tiny = await tinyModel();
  });
  afterAll(async () => {
    tiny?.dispose();
    await slide?.close();
  });

  it('ICIAR 2018 over CMU-1: every grid tile holds what the model gives that region read alone (within 1e-4)', { timeout: 300_000 }, async () => {
    const model = await openModel(await filesFromDirectory(fixture('models', 'iciar18-breast-tfjs')));
    try {
      const grid = makeTileGrid(slide.info, 0.42, [128, 128], { overlap: 0 });
      // 0.42 µm/px on a 0.499 µm/px slide: 108 level-0 px per tile, read from level 0 and resized up.
      expect(grid.size0).toBe(108);
      expect(grid.level).toBe(0);
      const store = createResultStore(grid, model.manifest.output.classes.map((c) => c.name));
      const region = { x: 8 * 108, y: 12 * 108, width: 4 * 108, height: 3 * 108 };
      const run = startAnalysis(slide, localPredictor(model), store, classificationSink, { region, batchSize: 4 });
      const outcome = await run.finished;
      expect(outcome.status).toBe('completed');
      expect(outcome.progress.done).toBe(12);
      expect(countStates(store).done).toBe(12);
      for (const tile of [run.order[0], run.order[5], run.order[11]]) {
        const r = tileRegion(grid, slide.info, tile);
        const img = await slide.readRegion(r.level, r.x, r.y, r.width, r.height);
        const [alone] = await predict(model, [{ ...img, format: 'rgba' }], { batchSize: 1 });
        expectClose(tileProbabilities(store, tile), alone.probabilities, 1e-4);
        expect(store.classIndex[tile]).toBe(alone.classIndex);
      }
    } finally {
      model.dispose();
    }
  });

  it('a corrupt tile is marked failed and the run goes on', async () => {
    const grid = makeTileGrid(slide.info, 0.998, [32, 32], { overlap: 0 });
    const store = createResultStore(grid, ['a', 'b', 'c']);
    const region = { x: 0, y: 0, width: 64 * 5, height: 64 * 2 };
    const run = startAnalysis(withCorruptTiles(slide, grid, new Set([2, grid.cols + 3])), localPredictor(tiny), store, classificationSink, { region, batchSize: 4 });
    const outcome = await run.finished;
    expect(outcome.status).toBe('completed');
    expect(outcome.progress).toMatchObject({ done: 8, failed: 2, total: 10 });
    expect(store.state[2]).toBe(TileState.failed);
    expect(store.state[grid.cols + 3]).toBe(TileState.failed);
    expect(store.state[1]).toBe(TileState.done);
  });

  it('a file that can no longer be read stops the run with a message, keeping what was done', async () => {
    const grid = makeTileGrid(slide.info, 0.998, [32, 32], { overlap: 0 });
    const store = createResultStore(grid, ['a', 'b', 'c']);
    const all = new Set(Array.from({ length: tileCount(grid) }, (_, i) => i).filter((t) => t >= 8));
    const run = startAnalysis(withCorruptTiles(slide, grid, all), localPredictor(tiny), store, classificationSink, { batchSize: 4 });
    const outcome = await run.finished;
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toMatch(/50 tiles in a row could not be read/);
    expect(countStates(store).done).toBe(8);
  });

  it('pauses, resumes and cancels; a cancelled run keeps its results; tiles in view come first', async () => {
    const grid = makeTileGrid(slide.info, 0.998, [32, 32], { overlap: 0 });
    const store = createResultStore(grid, ['a', 'b', 'c']);
    const view = { x: 1000, y: 1500, width: 200, height: 150 };
    const seen: number[] = [];
    const run = startAnalysis(slide, localPredictor(tiny), store, classificationSink, { batchSize: 4, first: view, onTiles: (t) => seen.push(...t) });
    while (run.progress().done < 8) await new Promise((r) => setTimeout(r, 5));
    run.pause();
    expect(run.status()).toBe('paused');
    await new Promise((r) => setTimeout(r, 100));
    const whilePaused = run.progress().done;
    await new Promise((r) => setTimeout(r, 300));
    // At most the batch already on its way finishes after a pause.
    expect(run.progress().done).toBeLessThanOrEqual(whilePaused + 4);
    run.resume();
    while (run.progress().done < 24) await new Promise((r) => setTimeout(r, 5));
    run.cancel();
    const outcome = await run.finished;
    expect(outcome.status).toBe('cancelled');
    const done = countStates(store).done;
    expect(done).toBeGreaterThanOrEqual(24);
    expect(done).toBeLessThan(tileCount(grid));
    // The first tiles to arrive are the ones in view.
    const inView = Array.from(tilesIn(grid)).filter((t) => {
      const r = tileRect(grid, t);
      return r.x < view.x + view.width && r.x + r.width > view.x && r.y < view.y + view.height && r.y + r.height > view.y;
    });
    expect(new Set(seen.slice(0, inView.length))).toEqual(new Set(inView));

    // Resuming: a new run over the same store does only the tiles not done.
    const rest = startAnalysis(slide, localPredictor(tiny), store, classificationSink, { batchSize: 4, region: { x: 0, y: 0, width: 64 * 40, height: 64 * 10 } });
    expect(Array.from(rest.order).some((t) => seen.includes(t))).toBe(false);
    rest.cancel();
    await rest.finished;
  });

  it('skips tiles with too little tissue, marking them background', async () => {
    const grid = makeTileGrid(slide.info, 0.998, [32, 32], { overlap: 0 });
    const store = createResultStore(grid, ['a', 'b', 'c']);
    const tissue = new Float32Array(tileCount(grid)).map((_, i) => (i % 3 === 0 ? 0.9 : 0.1));
    const region = { x: 0, y: 0, width: 64 * 6, height: 64 };
    const outcome = await startAnalysis(slide, localPredictor(tiny), store, classificationSink, { region, tissue, minTissue: 0.5 }).finished;
    expect(outcome.progress.total).toBe(2);
    expect(Array.from(store.state.slice(0, 6))).toEqual([1, 2, 2, 1, 2, 2]);
    expect(store.tissue[1]).toBeCloseTo(0.1);
  });
});
