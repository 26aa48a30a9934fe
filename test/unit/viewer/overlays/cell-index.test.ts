import { expect, test } from 'vitest';
import { addTileCells, createCellStore, type CellStore } from '../../../../src/analysis/cells/cell-store';
import { tileAt } from '../../../../src/analysis/grid/tile-grid';
import { cellRangesIn, dotRadiusPx, nearestCell, rangeTotal, thinning, tilesMeeting } from '../../../../src/viewer/overlays/cell-index';
import { mulberry32 } from '../../../support/seeded-random';
import { smallGrid } from '../../../support/small-store';

/**
 * Random cells over the small grid (4 x 3 tiles of 100 px every 50 px, from (1000, 2000)), each given to
 * the tile that owns its centre (tileAt, analysis's own rule), tiles added in a shuffled order as a
 * view-first run adds them.
 */
function randomStore(n: number, seed: number): CellStore {
  const grid = smallGrid();
  const rand = mulberry32(seed);
  const byTile = new Map<number, { x: number[]; y: number[]; c: number[]; s: number[] }>();
  for (let i = 0; i < n; i++) {
    const x = 1000 + rand() * 250;
    const y = 2000 + rand() * 200;
    const t = tileAt(grid, x, y);
    if (t < 0) continue;
    const b = byTile.get(t) ?? { x: [], y: [], c: [], s: [] };
    b.x.push(x);
    b.y.push(y);
    b.c.push(Math.floor(rand() * 3));
    b.s.push(rand());
    byTile.set(t, b);
  }
  const order = [...byTile.keys()].sort((a, b) => ((a * 7919) % 13) - ((b * 7919) % 13));
  const store = createCellStore(['lymphocyte', 'tumour', 'stromal'], 12, 16);
  for (const t of order) {
    const b = byTile.get(t)!;
    addTileCells(store, t, { x: b.x, y: b.y, classIndex: b.c, score: b.s });
  }
  return store;
}

function indicesIn(ranges: number[]): Set<number> {
  const out = new Set<number>();
  for (let k = 0; k < ranges.length; k += 2) for (let i = ranges[k]; i < ranges[k] + ranges[k + 1]; i++) out.add(i);
  return out;
}

test('tiles that can own a point of a rectangle: the outer tiles own out to their edges', () => {
  const grid = smallGrid(); // owned squares from (1025, 2025), 50 px each; tile edges 1000..1250, 2000..2200
  expect(tilesMeeting(grid, { x: 1030, y: 2030, width: 10, height: 10 })).toEqual({ c0: 0, c1: 0, r0: 0, r1: 0 });
  expect(tilesMeeting(grid, { x: 1070, y: 2030, width: 10, height: 60 })).toEqual({ c0: 0, c1: 1, r0: 0, r1: 1 });
  expect(tilesMeeting(grid, { x: 1001, y: 2001, width: 2, height: 2 })).toEqual({ c0: 0, c1: 0, r0: 0, r1: 0 });
  expect(tilesMeeting(grid, { x: 1240, y: 2190, width: 100, height: 100 })).toEqual({ c0: 3, c1: 3, r0: 2, r1: 2 });
  expect(tilesMeeting(grid, { x: 1250, y: 2000, width: 10, height: 10 })).toBeNull();
  expect(tilesMeeting(grid, { x: 900, y: 1900, width: 50, height: 50 })).toBeNull();
});

test('the ranges of a rectangle hold every cell inside it (against a scan of all cells), each once', () => {
  const grid = smallGrid();
  const store = randomStore(3000, 7);
  const rand = mulberry32(99);
  for (let k = 0; k < 200; k++) {
    const rect = { x: 980 + rand() * 280, y: 1980 + rand() * 230, width: rand() * 120, height: rand() * 120 };
    const ranges = cellRangesIn(store, grid, rect);
    const got = indicesIn(ranges);
    expect(rangeTotal(ranges)).toBe(got.size); // ranges never overlap
    for (let i = 0; i < store.count; i++) {
      const inside = store.x[i] >= rect.x && store.x[i] <= rect.x + rect.width && store.y[i] >= rect.y && store.y[i] <= rect.y + rect.height;
      if (inside) expect(got.has(i), `cell ${i} in ${JSON.stringify(rect)}`).toBe(true);
    }
  }
  // The whole grid: every cell, and one range (merged) since the store is contiguous.
  expect(cellRangesIn(store, grid, { x: 0, y: 0, width: 5000, height: 5000 })).toEqual([0, store.count]);
  // Cut at what the GPU holds so far.
  expect(rangeTotal(cellRangesIn(store, grid, { x: 0, y: 0, width: 5000, height: 5000 }, 100))).toBe(100);
});

test('neighbouring tiles stored one after another are one range; tiles not analysed are skipped', () => {
  const grid = smallGrid();
  const store = createCellStore(['a'], 12, 4);
  const one = (x: number, y: number) => ({ x: [x], y: [y], classIndex: [0], score: [0.5] });
  addTileCells(store, 0, one(1030, 2030));
  addTileCells(store, 1, one(1080, 2030));
  addTileCells(store, 5, one(1080, 2080));
  addTileCells(store, 4, one(1030, 2080));
  expect(cellRangesIn(store, grid, { x: 1000, y: 2000, width: 100, height: 100 })).toEqual([0, 4]);
  expect(cellRangesIn(store, grid, { x: 1000, y: 2000, width: 40, height: 100 })).toEqual([0, 1, 3, 1]);
  expect(cellRangesIn(store, grid, { x: 1130, y: 2130, width: 10, height: 10 })).toEqual([]);
});

test('nearest cell: the closest within the distance (against a scan of all cells), hidden classes skipped', () => {
  const grid = smallGrid();
  const store = randomStore(2000, 11);
  const rand = mulberry32(5);
  for (let k = 0; k < 300; k++) {
    const x = 990 + rand() * 270;
    const y = 1990 + rand() * 220;
    const visible = [true, rand() > 0.5, true];
    let best = -1;
    let bestD = 36;
    for (let i = 0; i < store.count; i++) {
      if (!visible[store.classIndex[i]]) continue;
      const d = (store.x[i] - x) ** 2 + (store.y[i] - y) ** 2;
      if (d < bestD || (best < 0 && d <= bestD)) [best, bestD] = [i, d];
    }
    const got = nearestCell(store, grid, x, y, 6, visible);
    if (best < 0) expect(got).toBe(-1);
    else expect((store.x[got] - x) ** 2 + (store.y[got] - y) ** 2).toBeCloseTo(bestD, 6);
  }
});

test('dot radius: 2 px at 5x, a pixel more per doubling, at most 5', () => {
  expect([dotRadiusPx(5), dotRadiusPx(10), dotRadiusPx(20), dotRadiusPx(40), dotRadiusPx(80), dotRadiusPx(2), dotRadiusPx(0)]).toEqual([2, 3, 4, 5, 5, 2, 2]);
});

test('thinning: every cell while the dots cover the view at most once over, then one in n, at most one in 63', () => {
  const view = 1000 * 800;
  expect(thinning(14_000, 25, view)).toBe(1); // 3,400 cells per mm² at 5x: a fraction of the view covered
  expect(thinning(32_000, 25, view)).toBe(1); // exactly once
  expect(thinning(32_001, 25, view)).toBe(2);
  expect(thinning(1_000_000, 49, view)).toBe(62); // 49M px² of dots over 0.8M px²: ceil(49 / 0.8)
  expect(thinning(10_000_000, 49, view)).toBe(63);
  expect(thinning(0, 49, view)).toBe(1);
});

test('nearest cell when thinned: only cells whose index is a multiple of `every`', () => {
  const grid = smallGrid();
  const store = createCellStore(['a'], 12, 8);
  addTileCells(store, 0, { x: [1030, 1031, 1032, 1040], y: [2030, 2030, 2030, 2030], classIndex: [0, 0, 0, 0], score: [0, 0, 0, 0] });
  expect(nearestCell(store, grid, 1031, 2030, 6)).toBe(1);
  expect(nearestCell(store, grid, 1031, 2030, 6, undefined, 2)).toBe(0); // 0 and 2 are 1 px away; the first stored wins
  expect(nearestCell(store, grid, 1031.6, 2030, 6, undefined, 2)).toBe(2);
  expect(nearestCell(store, grid, 1040, 2030, 6, undefined, 3)).toBe(3);
  expect(nearestCell(store, grid, 1040, 2030, 5, undefined, 4)).toBe(-1);
});
