import { expect, test } from 'vitest';
import { setTileResult, setTileState, tileProbabilities, TileState } from '../../../src/analysis/results/result-store';
import { ownedRect } from '../../../src/analysis/grid/tile-grid';
import { colorAt, parseHexColor } from '../../../src/render/colormaps';
import { FAILED_RGBA, HeatmapPainter, heatmapRect, renderHeatmap } from '../../../src/render/heatmap-raster';
import type { RgbaImage } from '../../../src/core/image';
import { CLASS_COLORS, smallGrid, smallStore } from '../../support/small-store';

function cell(image: RgbaImage, index: number): number[] {
  return [...image.data.subarray(index * 4, index * 4 + 4)];
}

const CLEAR = [0, 0, 0, 0];

test('the raster is cols x rows over the owned squares: cell (col, row) covers tile row * cols + col', () => {
  const grid = smallGrid();
  // Tiles of 100 px every 50 px: each owns the 50 px square at its centre, from (1025, 2025).
  expect(heatmapRect(grid)).toEqual({ x: 1025, y: 2025, width: 200, height: 150 });
  const r = heatmapRect(grid);
  for (let i = 0; i < 12; i++) {
    const o = ownedRect(grid, i);
    expect(o.x).toBe(r.x + (i % 4) * 50);
    expect(o.y).toBe(r.y + Math.floor(i / 4) * 50);
  }
  const image = renderHeatmap(smallStore(), { kind: 'argmax', classColors: CLASS_COLORS });
  expect([image.width, image.height, image.data.length]).toEqual([4, 3, 48]);
});

test("probability: a finished tile's cell is colorAt(map, its probability); others clear or marked", () => {
  const store = smallStore();
  const image = renderHeatmap(store, { kind: 'probability', classIndex: 2, colormap: 'viridis' });
  for (const i of [0, 1, 4]) expect(cell(image, i), `tile ${i}`).toEqual([...colorAt('viridis', tileProbabilities(store, i)[2]), 255]);
  // The stored (float32) 0.7 is a hair under 0.7: entry 178, not the 179 that 0.7 * 255 = 178.5 would round to.
  expect(cell(image, 0)).toEqual([...colorAt('viridis', 178 / 255), 255]);
  expect(cell(image, 4)).toEqual([...colorAt('viridis', 0), 255]);
  expect(cell(image, 2), 'background').toEqual(CLEAR);
  expect(cell(image, 3), 'failed').toEqual(FAILED_RGBA);
  expect(cell(image, 5), 'pending').toEqual(CLEAR);
  expect(cell(image, 11), 'pending').toEqual(CLEAR);
});

test('probability with a range stretches it over the colour map (values outside clamp)', () => {
  const store = smallStore();
  const image = renderHeatmap(store, { kind: 'probability', classIndex: 0, colormap: 'magma', range: [0.2, 0.6] });
  expect(cell(image, 0)).toEqual([...colorAt('magma', 0), 255]); // 0.1 < 0.2
  expect(cell(image, 1)).toEqual([...colorAt('magma', 1), 255]); // 0.6
  setTileResult(store, 6, [0.3, 0.3, 0.4], 2);
  expect(cell(renderHeatmap(store, { kind: 'probability', classIndex: 0, colormap: 'magma', range: [0.2, 0.6] }), 6)).toEqual([...colorAt('magma', 0.25), 255]);
});

test('argmax: class colours from the manifest', () => {
  const image = renderHeatmap(smallStore(), { kind: 'argmax', classColors: CLASS_COLORS });
  expect(cell(image, 0)).toEqual([...parseHexColor('#c0392b'), 255]);
  expect(cell(image, 1)).toEqual([...parseHexColor('#3b8f4a'), 255]);
  expect(cell(image, 4)).toEqual([...parseHexColor('#4a7fbf'), 255]);
  expect(cell(image, 2)).toEqual(CLEAR);
  expect(cell(image, 3)).toEqual(FAILED_RGBA);
  expect(cell(image, 7)).toEqual(CLEAR);
});

test('measure: a segmentation summary over its range', () => {
  const image = renderHeatmap(smallStore(), { kind: 'measure', name: 'nucleus_fraction', colormap: 'turbo', range: [0, 1] });
  expect(cell(image, 0)).toEqual([...colorAt('turbo', 0.25), 255]);
  expect(cell(image, 1)).toEqual([...colorAt('turbo', 0.5), 255]);
  expect(cell(image, 4)).toEqual([...colorAt('turbo', 1), 255]);
  expect(cell(image, 2)).toEqual(CLEAR);
});

test('tissue: the tissue colour with the tissue fraction as alpha, wherever it was measured', () => {
  const image = renderHeatmap(smallStore(), { kind: 'tissue', color: '#00ff00' });
  expect(cell(image, 0)).toEqual([0, 255, 0, Math.round(Math.fround(0.9) * 255)]);
  expect(cell(image, 2), 'background tiles show their little tissue').toEqual([0, 255, 0, Math.round(Math.fround(0.05) * 255)]);
  expect(cell(image, 3), 'failed').toEqual(FAILED_RGBA);
  expect(cell(image, 5), 'pending but measured').toEqual([0, 255, 0, 128]);
  expect(cell(image, 6), 'not measured (NaN)').toEqual(CLEAR);
});

test('NaN results are clear, not a colour', () => {
  const store = smallStore();
  setTileResult(store, 7, [Number.NaN, 0, 0], 0);
  expect(cell(renderHeatmap(store, { kind: 'probability', classIndex: 0, colormap: 'viridis' }), 7)).toEqual(CLEAR);
});

test('bad modes are refused with a reason', () => {
  const store = smallStore();
  expect(() => renderHeatmap(store, { kind: 'probability', classIndex: 3, colormap: 'viridis' })).toThrow(/3 classes; there is no class 3/);
  expect(() => renderHeatmap(store, { kind: 'measure', name: 'area', colormap: 'viridis', range: [0, 1] })).toThrow(/no "area"/);
  expect(() => renderHeatmap(store, { kind: 'measure', name: 'nucleus_fraction', colormap: 'viridis', range: [1, 1] })).toThrow(/lower to a higher/);
  expect(() => renderHeatmap(store, { kind: 'argmax', classColors: ['#000000'] })).toThrow(/3 classes but 1 class colours/);
  expect(() => renderHeatmap(store, { kind: 'argmax', classColors: ['#000000', 'red', '#ffffff'] })).toThrow(/not a colour/);
});

test('HeatmapPainter repaints only the tiles whose state changed, and says which rectangle', () => {
  const store = smallStore();
  const mode = { kind: 'probability', classIndex: 1, colormap: 'viridis' } as const;
  const painter = new HeatmapPainter(store, mode);
  expect(painter.update()).toEqual({ x: 0, y: 0, width: 4, height: 3 });
  expect([...painter.image.data]).toEqual([...renderHeatmap(store, mode).data]);
  expect(painter.update(), 'nothing new').toBeNull();

  setTileResult(store, 6, [0.2, 0.5, 0.3], 1); // (2, 1)
  setTileState(store, 9, TileState.failed); // (1, 2)
  expect(painter.update()).toEqual({ x: 1, y: 1, width: 2, height: 2 });
  expect([...painter.image.data]).toEqual([...renderHeatmap(store, mode).data]);

  // A new mode repaints everything.
  painter.setMode({ kind: 'argmax', classColors: CLASS_COLORS });
  expect(painter.update()).toEqual({ x: 0, y: 0, width: 4, height: 3 });
  expect([...painter.image.data]).toEqual([...renderHeatmap(store, { kind: 'argmax', classColors: CLASS_COLORS }).data]);
  // A bad mode leaves the painter as it was.
  expect(() => painter.setMode({ kind: 'probability', classIndex: 9, colormap: 'viridis' })).toThrow();
  expect(painter.currentMode.kind).toBe('argmax');
});

test('100 000 tiles paint in well under a frame budget', () => {
  const grid = smallGrid({ cols: 400, rows: 250 });
  const store = smallStore();
  const big = { ...store, grid, state: new Uint8Array(100_000).fill(TileState.done), probabilities: new Float32Array(300_000).map((_, i) => (i % 97) / 96), classIndex: new Int16Array(100_000), tissue: new Float32Array(100_000), measures: new Float32Array(100_000) };
  const start = performance.now();
  const image = renderHeatmap(big, { kind: 'probability', classIndex: 2, colormap: 'viridis' });
  const ms = performance.now() - start;
  expect(image.width * image.height).toBe(100_000);
  expect(ms).toBeLessThan(200); // typically a few ms; generous for a loaded 2-core machine
});
