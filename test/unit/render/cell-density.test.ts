import { expect, test } from 'vitest';
import { addTileCells, createCellStore } from '../../../src/analysis/cells/cell-store';
import { ownedAreaMm2 } from '../../../src/analysis';
import { colorAt } from '../../../src/render/colormaps';
import { heatmapRect } from '../../../src/render/heatmap-raster';
import { cellDensityLegend, cellTileValues, lymphocyteRatioMode, niceCeil, renderCellDensity } from '../../../src/render/cell-density';
import { smallGrid } from '../../support/small-store';

const CLASSES = ['lymphocyte', 'tumour', 'stromal'];

/**
 * The small grid (4 x 3 tiles of 100 px, stride 50 px at 0.5 µm/px): an inner tile owns a 25 µm square,
 * 1/1600 mm², so one cell there is 1600 cells per mm²; edge tiles also own the 25 px margin out to their
 * edge: tile 0 (a corner) 37.5 µm square (1/711.1 mm²), tile 1 37.5 x 25 µm (1/1066.7 mm²). Tile 0: 3 lymphocytes, 1 tumour cell; tile 1: 2 tumour cells and a
 * stromal one; tile 5: analysed, no cells; tile 6: 1 stromal cell only; the rest not analysed.
 */
function store() {
  const s = createCellStore(CLASSES, 12, 4);
  const add = (tile: number, classes: number[]) => addTileCells(s, tile, { x: classes.map((_, i) => 1030 + i), y: classes.map(() => 2030), classIndex: classes, score: classes.map(() => 0.9) });
  add(1, [1, 1, 2]); // tiles arrive out of order (view first): the index still finds them
  add(0, [0, 0, 0, 1]);
  add(5, []);
  add(6, [2]);
  return s;
}

test('tiles of the small grid own 1/1600 mm² inside, more at the edges', () => {
  const g = smallGrid();
  expect([ownedAreaMm2(g, 5), ownedAreaMm2(g, 0), ownedAreaMm2(g, 1)].map((a) => 1 / a)).toEqual([1600, expect.closeTo(6400 / 9, 6), expect.closeTo(3200 / 3, 6)]);
});

test('density: cells of a class per mm² of the area the tile owns; tiles not analysed have none (NaN)', () => {
  const v = cellTileValues(store(), smallGrid(), { kind: 'density', classIndex: 0, colormap: 'viridis' });
  expect(v[0]).toBeCloseTo((3 * 6400) / 9, 2);
  expect(v[1]).toBe(0);
  expect(v[5]).toBe(0);
  expect(v[6]).toBe(0);
  for (const t of [2, 3, 4, 7, 8, 9, 10, 11]) expect(v[t], `tile ${t}`).toBeNaN();
  const all = cellTileValues(store(), smallGrid(), { kind: 'density', classIndex: null, colormap: 'viridis' });
  expect([all[0], all[1], all[5], all[6]]).toEqual([expect.closeTo((4 * 6400) / 9, 2), expect.closeTo(3 * 3200 / 3, 2), 0, 1600]);
});

test('lymphocyte ratio: lymphocytes ÷ (lymphocytes + tumour cells); undefined (NaN) without either', () => {
  const mode = lymphocyteRatioMode(CLASSES)!;
  expect(mode).toMatchObject({ kind: 'ratio', of: 0, against: [1] });
  const v = cellTileValues(store(), smallGrid(), mode);
  expect(v[0]).toBeCloseTo(0.75, 6);
  expect(v[1]).toBe(0);
  expect(v[5]).toBeNaN(); // no cells
  expect(v[6]).toBeNaN(); // stromal only
  expect(lymphocyteRatioMode(['nucleus', 'background'])).toBeNull();
  expect(lymphocyteRatioMode(['Tumor', 'Lymphocytes'])).toMatchObject({ of: 1, against: [0] });
});

test('the raster is cols x rows over the heatmap lattice, colour-mapped over 0 to a round maximum', () => {
  const grid = smallGrid();
  const pic = renderCellDensity(store(), grid, { kind: 'density', classIndex: null, colormap: 'magma' });
  expect(pic.rect0).toEqual(heatmapRect(grid));
  expect([pic.image.width, pic.image.height]).toEqual([4, 3]);
  expect(pic.range).toEqual([0, 5000]); // highest tile 3200 per mm² (tile 1) → 5000
  const px = (t: number) => [...pic.image.data.subarray(t * 4, t * 4 + 4)];
  expect(px(1)).toEqual([...colorAt('magma', 3200 / 5000), 255]);
  expect(px(6)).toEqual([...colorAt('magma', 1600 / 5000), 255]);
  expect(px(5)).toEqual([...colorAt('magma', 0), 255]);
  expect(px(2)).toEqual([0, 0, 0, 0]);
  const ratio = renderCellDensity(store(), grid, lymphocyteRatioMode(CLASSES, 'viridis')!);
  expect(ratio.range).toEqual([0, 1]);
  expect([...ratio.image.data.subarray(0, 4)]).toEqual([...colorAt('viridis', 0.75), 255]);
  expect(ratio.image.data[5 * 4 + 3]).toBe(0);
});

test('niceCeil and the legend', () => {
  expect([niceCeil(6400), niceCeil(1), niceCeil(0.3), niceCeil(2100), niceCeil(0)]).toEqual([10000, 1, 0.5, 2500, 1]);
  const legend = cellDensityLegend(CLASSES, { kind: 'density', classIndex: 0, colormap: 'viridis' }, [0, 5000]);
  expect(legend.title).toBe('lymphocyte cells per mm²');
  expect(legend.kind === 'ramp' && legend.ticks.map((t) => t.label)).toEqual(['0', '1250', '2500', '3750', '5000']);
});

test('a class the cells do not have is refused in plain words', () => {
  expect(() => cellTileValues(store(), smallGrid(), { kind: 'density', classIndex: 3, colormap: 'viridis' })).toThrow(/3 classes; there is no class 3/);
});
