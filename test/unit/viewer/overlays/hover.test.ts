import { expect, test } from 'vitest';
import { tileUnder, viewerToSlide } from '../../../../src/viewer/overlays/hover';
import { smallGrid } from '../../../support/small-store';

test('tileUnder: the tile owning a level-0 point, with its rectangles', () => {
  const grid = smallGrid(); // 4 x 3 tiles of 100 px every 50 px from (1000, 2000)
  expect(tileUnder(grid, 1080, 2080)).toEqual({
    index: 5,
    col: 1,
    row: 1,
    rect: { x: 1050, y: 2050, width: 100, height: 100 },
    owned: { x: 1075, y: 2075, width: 50, height: 50 },
  });
  expect(tileUnder(grid, 1074.9, 2080)!.col).toBe(0);
  // The outer margin of an edge tile still belongs to it; beyond the tiles, nothing.
  expect(tileUnder(grid, 1005, 2005)!.index).toBe(0);
  expect(tileUnder(grid, 999, 2005)).toBeNull();
  expect(tileUnder(grid, 1249, 2199)!.index).toBe(11);
  expect(tileUnder(grid, 1250, 2199)).toBeNull();
});

test('viewerToSlide inverts the view', () => {
  const p = viewerToSlide({ a: 0.5, b: 0, c: 0, d: 0.5, e: -100, f: 40 }, 400, 240);
  expect(p).toEqual({ x: 1000, y: 400 });
  expect(viewerToSlide({ a: 0, b: 0, c: 0, d: 0, e: 0, f: 0 }, 1, 1)).toBeNull();
});
