import { describe, expect, it } from 'vitest';
import { addTileCells, cellMeasureNames, cellSummary, createCellStore, createResultStore, detectionSink, lymphocyteClass, setTileResult, setTileState, tileCellDensity, TileState, tumourClass, type TileGrid } from '../../../src/analysis';
import type { SlideInfo } from '../../../src/slide';

// 2 x 2 tiles of 100 level-0 px, no overlap, 0.5 µm/px: each tile owns 50 x 50 µm = 0.0025 mm².
const GRID: TileGrid = { cols: 2, rows: 2, originX: 0, originY: 0, size0: 100, stride0: 100, level: 0, levelSize: 100, patchSize: [100, 100], mpp: 0.5, mppSource: 'slide', modelMpp: 0.5 };
const CLASSES = ['Lymphocyte', 'Tumour', 'stromal'];

/** Cells of the given classes at a point inside the tile (positions do not matter to the summary). */
const cellsOf = (classes: number[]) => ({ x: classes.map(() => 10), y: classes.map(() => 10), classIndex: classes, score: classes.map(() => 0.9) });

function fixture(tissue: number[] | null) {
  const store = createResultStore(GRID, CLASSES, cellMeasureNames(CLASSES));
  const cells = createCellStore(CLASSES, 4);
  // Tile 0: 3 lymphocytes, 1 tumour cell. Tile 1: 2 tumour, 4 stromal. Tile 2: background. Tile 3: in flight.
  addTileCells(cells, 0, cellsOf([0, 0, 0, 1]));
  addTileCells(cells, 1, cellsOf([1, 1, 2, 2, 2, 2]));
  addTileCells(cells, 3, cellsOf([0, 0]));
  const a = 0.0025;
  setTileResult(store, 0, [0.75, 0.25, 0], 0, [3, 1, 0, 3 / a, 1 / a, 0]);
  setTileResult(store, 1, [0, 1 / 3, 2 / 3], 2, [0, 2, 4, 0, 2 / a, 4 / a]);
  setTileState(store, 2, TileState.background);
  if (tissue) store.tissue.set(tissue);
  return { store, cells };
}

describe('cellSummary', () => {
  it('counts, densities over analysed tissue, percentages and the lymphocyte ratio, by hand', () => {
    const { store, cells } = fixture([0.5, 1, 0.1, 0.8]);
    const s = cellSummary(store, cells);
    expect(s.tilesAnalysed).toBe(2);
    expect(s.analysedMm2).toBeCloseTo(0.005, 12);
    expect(s.tissueMm2).toBeCloseTo(0.00375, 12); // 0.0025 x 0.5 + 0.0025 x 1
    expect(s.counts).toEqual([3, 3, 4]); // tile 3 is not done: its cells do not count
    expect(s.total).toBe(10);
    expect(s.perMm2[0]).toBeCloseTo(800, 6);
    expect(s.perMm2[1]).toBeCloseTo(800, 6);
    expect(s.perMm2[2]).toBeCloseTo(4 / 0.00375, 6);
    expect(s.totalPerMm2).toBeCloseTo(10 / 0.00375, 6);
    expect(s.percent).toEqual([30, 30, 40]);
    expect(s.lymphocyteClass).toBe(0);
    expect(s.tumourClass).toBe(1);
    expect(s.lymphocyteRatio).toBe(0.5);
  });

  it('without a tissue mask the owned area is the tissue', () => {
    const { store, cells } = fixture(null);
    const s = cellSummary(store, cells);
    expect(s.tissueMm2).toBeCloseTo(0.005, 12);
    expect(s.perMm2[2]).toBeCloseTo(800, 6);
  });

  it('nothing analysed: no densities, no percentages, no ratio', () => {
    const store = createResultStore(GRID, CLASSES, cellMeasureNames(CLASSES));
    const s = cellSummary(store, createCellStore(CLASSES, 4));
    expect(s).toMatchObject({ tilesAnalysed: 0, total: 0, counts: [0, 0, 0], perMm2: [null, null, null], totalPerMm2: null, percent: [null, null, null], lymphocyteRatio: null });
  });

  it('the ratio needs both classes by name and some of their cells', () => {
    expect(lymphocyteClass(['tumor', 'LYMPHOCYTES'])).toBe(1);
    expect(tumourClass(['lymphocyte', 'Tumor cells'])).toBe(1);
    expect(tumourClass(['lymphocyte', 'epithelium'])).toBe(-1);
    const names = ['lymphocyte', 'other'];
    const store = createResultStore(GRID, names, cellMeasureNames(names));
    const cells = createCellStore(names, 4);
    addTileCells(cells, 0, cellsOf([0, 1]));
    setTileResult(store, 0, [0.5, 0.5], 0, [1, 1, 400, 400]);
    expect(cellSummary(store, cells).lymphocyteRatio).toBeNull();
    const { store: s2, cells: c2 } = fixture(null);
    c2.classIndex.fill(2, 0, c2.count); // all stromal: 0 lymphocytes + 0 tumour cells
    expect(cellSummary(s2, c2).lymphocyteRatio).toBeNull();
  });
});

describe('tileCellDensity', () => {
  it('per tile cells per mm² from the measures, NaN where not analysed', () => {
    const { store } = fixture(null);
    const all = Array.from(tileCellDensity(store, null));
    expect(all[0]).toBeCloseTo(1600, 3);
    expect(all[1]).toBeCloseTo(2400, 3);
    expect(all.slice(2).every(Number.isNaN)).toBe(true);
    expect(tileCellDensity(store, 2)[1]).toBeCloseTo(1600, 3);
    expect(() => tileCellDensity(store, 3)).toThrow(/no class 3/);
    expect(() => tileCellDensity(createResultStore(GRID, CLASSES), 0)).toThrow(/not a detection model/);
  });

  it('agrees with what detectionSink measured (edge tiles own out to their edge)', () => {
    // 3 x 1 tiles of 100 px overlapping by 40: tile 0 owns x 0-80, tile 1 80-140, tile 2 140-220; 100 px tall.
    const grid: TileGrid = { ...GRID, cols: 3, rows: 1, stride0: 60 };
    const info = { levels: [{ width: 220, height: 100, downsample: 1 }] } as unknown as SlideInfo;
    const cells = createCellStore(CLASSES, 3);
    const sink = detectionSink(grid, info, cells);
    const store = createResultStore(grid, CLASSES, sink.measureNames);
    // Image pixels = level-0 pixels here; tile 1 spans x 60-160 and owns 80-140.
    const prediction = (xs: number[], cls: number[]) => ({ index: 0, probabilities: new Float32Array(3), shape: [3], classIndex: 0, imageSize: { width: 100, height: 100 }, cells: { x: Float32Array.from(xs), y: Float32Array.from(xs, () => 50), classIndex: Uint8Array.from(cls), score: Float32Array.from(xs, () => 0.9) } });
    for (const [t, p] of [[0, prediction([10, 69.5, 75], [0, 1, 1])], [1, prediction([5, 20.5, 79.5, 90], [1, 0, 2, 2])]] as const) {
      const out = sink.accept(t, p);
      setTileResult(store, t, out.probabilities, out.classIndex, out.measures);
    }
    // Tile 0 keeps all three; tile 1 keeps 80.5 and 139.5 (65 is tile 0's, 150 tile 2's).
    expect(Array.from(cells.x.subarray(0, cells.count))).toEqual([10, 69.5, 75, 80.5, 139.5]);
    expect(Array.from(cells.classIndex.subarray(0, cells.count))).toEqual([0, 1, 1, 0, 2]);
    expect(Array.from(cells.tileCount)).toEqual([3, 2, 0]);
    expect(Array.from(store.measures.subarray(0, 3))).toEqual([1, 2, 0]);
    const mm2 = (w: number) => (w * 100 * 0.25) / 1e6;
    expect(tileCellDensity(store, null)[0]).toBeCloseTo(3 / mm2(80), 2);
    expect(tileCellDensity(store, 2)[1]).toBeCloseTo(1 / mm2(60), 2);
    expect(Array.from(store.probabilities.subarray(3, 6))).toEqual([0.5, 0, 0.5]);
  });
});
