import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countStates } from '../../../src/analysis/results/result-store';
import type { AnalysisRun } from '../../../src/analysis/run/analysis-run';
import { planSlideAnalysis, startSlideAnalysis } from '../../../src/analysis/slide-analysis';
import { filesFromMap, localPredictor, openModel, switchBackend, type Model } from '../../../src/inference';
import type { Slide } from '../../../src/slide';
import { openSlideFile } from '../../../src/slide/node';
import { forcedGc } from '../../support/forced-gc';
import { LARGE_SLIDE_SIZE, LARGE_SLIDE_SKIP_REASON, largeSlide } from '../../support/large-slide';
import { tesseraJson, tinyLayersModel } from '../inference/helpers';

// Issue 4, "bounded memory": over a whole-slide run of thousands of tiles on the 1.2-gigapixel slide,
// tf.memory().numTensors stays flat and the heap does not grow with the tile count.
//
// The model: a small TF.js layers model (tinyLayersModel), 32 x 32 px patches at 5 µm/px. On the slide's
// 0.499 µm/px (the TIFF states it) a tile is round(32 * 5 / 0.499) = 321 level-0 px, so the grid is 103 x 110
// = 11,330 tiles, of which tissue detection (on, with its defaults, as a user runs it) keeps about 4,200. Tiles
// are read from level 3 (downsample 8, 3.99 µm/px: the coarsest level at least as fine as 5 µm/px) as
// 40 x 40 px regions and resized to 32 x 32 by preprocessing, so the reading, resizing and batching of a real
// run are all exercised. 8 µm/px (tiles of 513 px, read from level 4) would have been faster still, but its
// grid keeps only about 1,650 tissue tiles: fewer than the 2,000 the issue asks for.
const PATCH = 32;
const MODEL_MPP = 5;
const BATCH = 8;
/** One tile's pixels as the run reads them (a 40 x 40 RGBA region): the least a leak of per-tile pixels costs. */
const TILE_PIXEL_BYTES = 40 * 40 * 4;
/** Growth allowed per analysed tile between the 25% sample and the end: a tenth of one tile's pixels. */
const BYTES_PER_TILE_ALLOWED = TILE_PIXEL_BYTES / 10;

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

/**
 * The slide, counting the decoded tiles its tile cache now holds. The slide keeps decoded tiles in an LRU
 * (src/slide/region-reader.ts, 192 MB) that by design fills up as a run reaches new rows of file tiles: every
 * 256 x 256 tile of level 3 (and of level 5, read for the tissue mask) ends up there, about 87 MB over this run,
 * well under the cap, so nothing is evicted. That memory is bounded by the cache, not by the tile count, and
 * it is counted out of the off-heap figures here: each tile a finished read covered is one cached
 * tileWidth x tileHeight x 4-byte tile. Also counts the reads in flight, so samples wait until there are none.
 */
function countingCachedTiles(slide: Slide): { slide: Slide; cachedBytes(): number; reading(): number } {
  const cached = new Map<string, number>();
  let reading = 0;
  const counted: Slide = {
    ...slide,
    info: slide.info,
    readRegion(level, x, y, width, height, signal) {
      reading++;
      return slide.readRegion(level, x, y, width, height, signal).then(
        (image) => {
          reading--;
          const { tileWidth: tw, tileHeight: th } = slide.info.levels[level];
          for (let ty = Math.floor(y / th); ty <= Math.floor((y + height - 1) / th); ty++) {
            for (let tx = Math.floor(x / tw); tx <= Math.floor((x + width - 1) / tw); tx++) cached.set(`${level}/${tx}/${ty}`, tw * th * 4);
          }
          return image;
        },
        (e: unknown) => {
          reading--;
          throw e;
        },
      );
    },
  };
  return { slide: counted, cachedBytes: () => [...cached.values()].reduce((a, b) => a + b, 0), reading: () => reading };
}

interface MemorySample {
  /** Tiles analysed when sampled. */
  tiles: number;
  tensors: number;
  /** V8's JS heap in use, after a full GC. */
  heap: number;
  /** Memory outside the JS heap that V8 knows of (ArrayBuffers, Node Buffers: pixels), after a full GC. */
  external: number;
  /** Of which the slide's decoded-tile cache holds (see countingCachedTiles). */
  cached: number;
  /** The WebAssembly memory of TF.js's wasm backend (where its tensors live), or null on another backend. */
  wasm: number | null;
}

function wasmMemoryBytes(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.length ?? null;
}

describe.skipIf(LARGE_SLIDE_SKIP_REASON !== null)('bounded memory over a whole-slide run (issue 4)', () => {
  let slide: Slide;
  let model: Model;
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await switchBackend('wasm', { order: ['wasm', 'cpu'] });
    slide = await openSlideFile(await largeSlide()); // made here (about 20 s) when it is not cached yet
    const files = await tinyLayersModel({ size: [PATCH, PATCH], channels: 3, classes: 3 });
    model = await openModel(filesFromMap({ ...files, 'tessera.json': tesseraJson({ input: { size: [PATCH, PATCH], spacingUmPx: MODEL_MPP } }) }));
  }, 300_000);
  afterAll(async () => {
    model?.dispose();
    await slide?.close();
  });

  it('thousands of tissue tiles on the 1.2-gigapixel slide: tensors stay flat, the heap does not grow with the tile count', { timeout: 180_000 }, async () => {
    expect([slide.info.levels[0].width, slide.info.levels[0].height]).toEqual(LARGE_SLIDE_SIZE);
    expect(slide.info.mppX).toBeCloseTo(0.499, 3);
    const gc = forcedGc();
    const counting = countingCachedTiles(slide);

    // Memory is sampled with the run paused (AnalysisRun.pause, as the user's pause button does), once the
    // reads in flight have finished, after a full GC: then only what the run holds on to is left. A second
    // GC a moment after the first lets V8 finish freeing the ArrayBuffers the first one found dead (it frees
    // their memory off the main thread), so `external` no longer counts them. Sampling inside the hook
    // without pausing would catch up to 16 reads ahead and a batch in flight, which is noise, not growth.
    async function sample(tiles: number): Promise<MemorySample> {
      while (counting.reading() > 0) await sleep(5);
      gc();
      await sleep(10);
      gc();
      const m = process.memoryUsage();
      return { tiles, tensors: tf.memory().numTensors, heap: m.heapUsed, external: m.external, cached: counting.cachedBytes(), wasm: wasmMemoryBytes() };
    }

    const t0 = performance.now();
    const plan = await planSlideAnalysis(counting.slide, model, { batchSize: BATCH });
    const planSeconds = (performance.now() - t0) / 1000;
    expect(plan.tissue, 'tissue detection is on').not.toBeNull();
    expect(plan.grid).toMatchObject({ cols: 103, rows: 110, size0: 321, level: 3, levelSize: 40 });
    expect(TILE_PIXEL_BYTES).toBe(plan.grid.levelSize ** 2 * 4);

    const tensorsBefore = tf.memory().numTensors; // the model's weights
    const tensorsAtBatch: number[] = [];
    const samples: MemorySample[] = [];
    let sampling: Promise<void> = Promise.resolve();
    let nextSampleAt = 0;
    const t1 = performance.now();
    const run: AnalysisRun = startSlideAnalysis(counting.slide, localPredictor(model), plan, { batchSize: BATCH }, {
      onProgress(p) {
        // After every batch: what TF.js holds between batches.
        tensorsAtBatch.push(tf.memory().numTensors);
        const n = p.done + p.failed;
        // Memory every 5% of the run (the end is sampled once the run has finished).
        if (n < nextSampleAt || n >= p.total) return;
        while (nextSampleAt <= n) nextSampleAt += p.total / 20;
        run.pause();
        sampling = sample(p.done).then((s) => {
          samples.push(s);
          run.resume();
        });
      },
    });
    const outcome = await run.finished;
    await sampling;
    const wallSeconds = (performance.now() - t1) / 1000;
    const end = await sample(outcome.progress.done);
    const tensorsAfter = tf.memory().numTensors;

    // The run: whole slide, tissue only, every tile analysed.
    const states = countStates(plan.store);
    expect(outcome.status, outcome.error?.message).toBe('completed');
    expect(outcome.progress.failed).toBe(0);
    expect(outcome.progress.done).toBe(outcome.progress.total);
    expect(outcome.progress.done).toBeGreaterThanOrEqual(2000);
    expect(states.done).toBe(outcome.progress.done);
    expect(states.background).toBeGreaterThan(0);
    expect(states.done + states.background).toBe(plan.grid.cols * plan.grid.rows);

    const quarter = samples.find((s) => s.tiles >= outcome.progress.total / 4)!;
    const between = end.tiles - quarter.tiles;
    const heapGrowth = end.heap - quarter.heap;
    const offHeap = (s: MemorySample) => s.external - s.cached;
    const offHeapGrowth = offHeap(end) - offHeap(quarter);
    const seconds = outcome.progress.elapsedSeconds; // the run's own clock leaves out the pauses for sampling
    const wasm = [...new Set(samples.map((s) => s.wasm))];
    console.log(
      [
        `bounded memory: ${outcome.progress.done} tiles analysed (${states.background} background of ${plan.grid.cols * plan.grid.rows}), ` +
          `${PATCH} px at ${MODEL_MPP} µm/px = ${plan.grid.size0} level-0 px read at level ${plan.grid.level} as ${plan.grid.levelSize} px, batch ${BATCH}, backend ${tf.getBackend()}`,
        `  time: plan (tissue, grid) ${planSeconds.toFixed(2)} s; run ${seconds.toFixed(2)} s = ${(outcome.progress.done / seconds).toFixed(0)} tiles/s ` +
          `(${wallSeconds.toFixed(2)} s wall with ${samples.length} pauses to sample)`,
        `  numTensors: ${tensorsBefore} before, min ${Math.min(...tensorsAtBatch)} / max ${Math.max(...tensorsAtBatch)} over ${tensorsAtBatch.length} batches, ${tensorsAfter} after`,
        `  JS heap (after GC): ${mb(quarter.heap)} at ${quarter.tiles} tiles, ${mb(end.heap)} at ${end.tiles} (growth ${mb(heapGrowth)} = ${(heapGrowth / between).toFixed(1)} B/tile; ` +
          `min ${mb(Math.min(...samples.map((s) => s.heap)))}, max ${mb(Math.max(...samples.map((s) => s.heap)))} over ${samples.length} samples)`,
        `  off-heap (external after GC, less the slide's tile cache): ${mb(offHeap(quarter))} at ${quarter.tiles} tiles, ${mb(offHeap(end))} at ${end.tiles} (growth ${mb(offHeapGrowth)}); ` +
          `tile cache ${mb(quarter.cached)} -> ${mb(end.cached)}; rss ${mb(process.memoryUsage().rss)}`,
        `  wasm memory: ${wasm.map((w) => (w == null ? 'n/a' : mb(w))).join(', ')}; allowed growth ${BYTES_PER_TILE_ALLOWED} B/tile x ${between} tiles = ${mb(BYTES_PER_TILE_ALLOWED * between)}`,
        ...samples.map((s) => `    ${s.tiles} tiles: ${s.tensors} tensors, heap ${mb(s.heap)}, off-heap ${mb(offHeap(s))}, cache ${mb(s.cached)}`),
      ].join('\n'),
    );

    // Tensors: the same after every batch, and nothing beyond the model's own weights is left behind.
    expect(tensorsAtBatch.length).toBeGreaterThanOrEqual(outcome.progress.done / BATCH);
    expect(tensorsAtBatch.every((n) => n === tensorsAtBatch[0]), `numTensors after each batch: ${[...new Set(tensorsAtBatch)].join(', ')}`).toBe(true);
    expect(tensorsAtBatch[0]).toBe(tensorsBefore);
    expect(tensorsAfter).toBe(tensorsBefore);
    // The wasm backend's memory (grown once for the first batch) does not grow either.
    expect(wasm.length, `wasm memory sizes seen: ${wasm.join(', ')}`).toBe(1);

    // Heap: from a quarter of the run to its end (over 3,000 tiles), neither the JS heap nor the memory
    // outside it grows by a tenth of what keeping one tile's pixels per tile would cost. (The result store's
    // typed arrays are allocated once, before the first tile.)
    expect(samples.length).toBeGreaterThanOrEqual(15);
    expect(between).toBeGreaterThan(outcome.progress.done / 2);
    expect(heapGrowth, 'JS heap growth from 25% of the tiles to the end').toBeLessThan(BYTES_PER_TILE_ALLOWED * between);
    expect(offHeapGrowth, 'growth outside the JS heap (less the tile cache) from 25% of the tiles to the end').toBeLessThan(BYTES_PER_TILE_ALLOWED * between);
    expect(end.cached, 'the tile cache never had to evict, so counting it out is exact').toBeLessThan(192 * 1024 * 1024);
  });
});
if (LARGE_SLIDE_SKIP_REASON) it.skip(`bounded memory over a whole-slide run: ${LARGE_SLIDE_SKIP_REASON}; skipped`, () => {});
