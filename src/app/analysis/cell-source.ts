import { DEFAULT_MPP, makeTileGrid, slideMpp, type TileGrid } from '../../analysis';
import { mulberry32 } from '../../core';
import type { SlideInfo } from '../../slide';
import type { CellsView } from '../../viewer';

/** Cells to draw: a detection run's store with its grid and the model's classes (or synthetic ones, below). */
export interface CellSource {
  cells: CellsView;
  grid: TileGrid;
  classes: { name: string; color: string }[];
}

/** The classes of synthetic cells: the cell model's three, in colours far apart on H&E. */
export const SYNTHETIC_CLASSES = [
  { name: 'lymphocyte', color: '#1e5bff' },
  { name: 'tumour', color: '#ff2d2d' },
  { name: 'stromal', color: '#19c24a' },
];

/**
 * `count` made-up cells over a slide, for tests and the benchmark (no model needed): a grid of 256 px tiles
 * at 0.5 µm/px over the slide, about the same number of cells in every tile, placed at random in the square
 * the tile owns, tiles stored in row order as a store's columns (CellStore's layout). Lymphocytes crowd in
 * broad patches (a smooth field over the slide), so the lymphocyte ratio heatmap has something to show.
 */
export function syntheticCells(info: SlideInfo, count: number, seed = 1): CellSource {
  const grid = makeTileGrid(info, 0.5, [256, 256], { overlap: 0, mppOverride: slideMpp(info) == null ? DEFAULT_MPP : undefined });
  const tiles = grid.cols * grid.rows;
  const n = Math.max(0, Math.floor(count));
  const cells: CellsView & { count: number } = {
    classNames: SYNTHETIC_CLASSES.map((c) => c.name),
    count: n,
    x: new Float32Array(n),
    y: new Float32Array(n),
    classIndex: new Uint8Array(n),
    score: new Float32Array(n),
    tileStart: new Int32Array(tiles),
    tileCount: new Int32Array(tiles),
    version: 1,
  };
  const rand = mulberry32(seed);
  const margin = (grid.size0 - grid.stride0) / 2;
  const period = 6 * grid.stride0;
  let at = 0;
  for (let t = 0; t < tiles; t++) {
    const k = Math.floor(((t + 1) * n) / tiles) - Math.floor((t * n) / tiles);
    const ox = grid.originX + margin + (t % grid.cols) * grid.stride0;
    const oy = grid.originY + margin + Math.floor(t / grid.cols) * grid.stride0;
    cells.tileStart[t] = at;
    cells.tileCount[t] = k;
    for (let i = 0; i < k; i++, at++) {
      const x = ox + rand() * grid.stride0;
      const y = oy + rand() * grid.stride0;
      const lymph = 0.15 + 0.6 * (0.5 + 0.5 * Math.sin(x / period) * Math.cos(y / period));
      const u = rand();
      cells.x[at] = x;
      cells.y[at] = y;
      cells.classIndex[at] = u < lymph ? 0 : u < lymph + (1 - lymph) * 0.7 ? 1 : 2;
      cells.score[at] = 0.5 + 0.5 * rand();
    }
  }
  return { cells, grid, classes: SYNTHETIC_CLASSES.map((c) => ({ ...c })) };
}

/** Cells per class. */
export function countByClass(cells: CellsView): number[] {
  const counts = new Array<number>(cells.classNames.length).fill(0);
  for (let i = 0; i < cells.count; i++) counts[cells.classIndex[i]]++;
  return counts;
}
