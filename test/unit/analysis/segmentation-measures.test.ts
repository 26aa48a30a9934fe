import { describe, expect, it } from 'vitest';
import type { TileGrid } from '../../../src/analysis/grid/tile-grid';
import { createResultStore, setTileResult, setTileState, TileState } from '../../../src/analysis/results/result-store';
import { NUCLEAR_AREA_FRACTION, NUCLEI_PER_MM2, segmentationSink, createMaskRaster, summaryNames } from '../../../src/analysis/segmentation';
import { ownedAreaMm2, segmentationMeasures } from '../../../src/analysis/vote/segmentation-measures';
import type { Prediction } from '../../../src/inference';
import { mulberry32 } from '../../support/seeded-random';
import { smallGrid } from '../../support/small-store';

const NUCLEI_CLASSES = ['background', 'nucleus', 'boundary'];

describe('owned areas', () => {
  it('partition the grid: edge tiles own their outer margin (hand-computed on a 4 x 3 grid, 100 px tiles, stride 50)', () => {
    const grid = smallGrid(); // extent 250 x 200 px at 0.5 µm/px
    // Columns own 75, 50, 50, 75 px; rows 75, 50, 75 px.
    expect(ownedAreaMm2(grid, 0)).toBeCloseTo((75 * 75 * 0.25) / 1e6, 12);
    expect(ownedAreaMm2(grid, 5)).toBeCloseTo((50 * 50 * 0.25) / 1e6, 12);
    expect(ownedAreaMm2(grid, 11)).toBeCloseTo((75 * 75 * 0.25) / 1e6, 12);
    let sum = 0;
    for (let t = 0; t < 12; t++) sum += ownedAreaMm2(grid, t);
    expect(sum).toBeCloseTo((250 * 200 * 0.25) / 1e6, 12);
  });
});

describe('segmentationMeasures', () => {
  it('is null for a store without nuclei measures (a classification model)', () => {
    expect(segmentationMeasures(createResultStore(smallGrid(), ['a', 'b']))).toBeNull();
  });

  it('sums nuclei and nuclear area over the done tiles, per mm² of their tissue (hand-computed)', () => {
    const grid = smallGrid();
    const names = summaryNames(NUCLEI_CLASSES);
    const store = createResultStore(grid, NUCLEI_CLASSES, names);
    const m = (t: number, nuclei: number, nuclearPx: number) => {
      const area = ownedAreaMm2(grid, t); // at patch = size0 the map's pixels are level-0 pixels
      const out = new Array<number>(names.length).fill(0);
      out[names.indexOf(NUCLEI_PER_MM2)] = nuclei / area;
      out[names.indexOf(NUCLEAR_AREA_FRACTION)] = nuclearPx / (area * 4e6); // 4e6 px per mm² at 0.5 µm/px
      return out;
    };
    setTileResult(store, 0, [1, 0, 0], 0, m(0, 3, 500)); // 75 x 75 px owned
    setTileResult(store, 5, [1, 0, 0], 0, m(5, 7, 250)); // 50 x 50 px owned
    setTileState(store, 6, TileState.background);
    setTileResult(store, 11, [1, 0, 0], 0, m(11, 0, 0)); // 75 x 75 px owned, no tissue mask value
    store.tissue[0] = 0.8;
    store.tissue[5] = 0.5;
    const r = segmentationMeasures(store)!;
    const px = 0.25 / 1e6; // mm² per level-0 pixel
    expect(r.tilesAnalysed).toBe(3);
    expect(r.nuclei).toBe(10);
    expect(r.analysedMm2).toBeCloseTo((5625 + 2500 + 5625) * px, 12);
    const tissue = (Math.fround(0.8) * 5625 + 0.5 * 2500 + 5625) * px; // tissue fractions are float32
    expect(r.tissueMm2).toBeCloseTo(tissue, 12);
    expect(r.nucleiPerMm2!).toBeCloseTo(10 / tissue, 6);
    expect(r.nuclearAreaFraction!).toBeCloseTo((750 * px) / tissue, 6);
  });

  it('has no density before any tissue was analysed', () => {
    const r = segmentationMeasures(createResultStore(smallGrid(), NUCLEI_CLASSES, summaryNames(NUCLEI_CLASSES)))!;
    expect(r).toMatchObject({ tilesAnalysed: 0, nuclei: 0, nucleiPerMm2: null, nuclearAreaFraction: null });
  });

  it('counts every drawn nucleus once and its pixels once, through the segmentation sink on tiles overlapping by half', () => {
    // A 192 x 160 px class image with disks of radius 5 (a 1 px boundary rim, nucleus inside) at known places,
    // cut into 64 px tiles at stride 32: each nucleus is seen by up to four tiles and must count once.
    const grid: TileGrid = { cols: 5, rows: 4, originX: 0, originY: 0, size0: 64, stride0: 32, level: 0, levelSize: 64, patchSize: [64, 64], mpp: 0.5, mppSource: 'slide', modelMpp: 0.5 };
    const W = 192;
    const H = 160;
    const image = new Uint8Array(W * H);
    const random = mulberry32(13);
    const centres: [number, number][] = [];
    while (centres.length < 40) {
      const cx = 6 + Math.floor(random() * (W - 12));
      const cy = 6 + Math.floor(random() * (H - 12));
      if (centres.every(([x, y]) => Math.hypot(x - cx, y - cy) >= 14)) centres.push([cx, cy]);
    }
    for (const [cx, cy] of centres) {
      for (let y = cy - 5; y <= cy + 5; y++) {
        for (let x = cx - 5; x <= cx + 5; x++) {
          const d = Math.hypot(x - cx, y - cy);
          if (d < 5) image[y * W + x] = d >= 4 ? 2 : 1;
        }
      }
    }
    const nuclearPixels = image.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
    const sink = segmentationSink(grid, NUCLEI_CLASSES, createMaskRaster(grid), ['background']);
    const store = createResultStore(grid, NUCLEI_CLASSES, sink.measureNames);
    for (let t = 0; t < grid.cols * grid.rows; t++) {
      const x0 = (t % grid.cols) * grid.stride0;
      const y0 = Math.floor(t / grid.cols) * grid.stride0;
      const probabilities = new Float32Array(64 * 64 * 3);
      for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) probabilities[(y * 64 + x) * 3 + image[(y0 + y) * W + x0 + x]] = 1;
      const prediction: Prediction = { index: t, probabilities, shape: [64, 64, 3], classIndex: 0, imageSize: { width: 64, height: 64 } };
      const o = sink.accept(t, prediction);
      setTileResult(store, t, o.probabilities, o.classIndex, o.measures);
    }
    const r = segmentationMeasures(store)!;
    const areaMm2 = (W * H * 0.25) / 1e6;
    expect(r.nuclei).toBe(centres.length);
    expect(r.tissueMm2).toBeCloseTo(areaMm2, 12);
    expect(r.nucleiPerMm2!).toBeCloseTo(centres.length / areaMm2, 3);
    expect(r.nuclearAreaFraction!).toBeCloseTo(nuclearPixels / (W * H), 6);
  });
});
