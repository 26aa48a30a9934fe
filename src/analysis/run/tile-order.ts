import { intersect, type Rect } from '../../core';
import { tileRect, type TileGrid } from '../grid/tile-grid';

/**
 * The order a run visits tiles: those overlapping `first` (the region on screen) before the others, and
 * within each group nearest to its centre first, so results grow outwards from what the pathologist
 * looks at. Without `first`, row by row.
 */
export function orderTiles(grid: TileGrid, tiles: ArrayLike<number>, first?: Rect | null): Int32Array {
  const out = Int32Array.from(tiles);
  if (!first) return out.sort();
  const cx = first.x + first.width / 2;
  const cy = first.y + first.height / 2;
  const distance = new Float64Array(grid.cols * grid.rows);
  const visible = new Uint8Array(grid.cols * grid.rows);
  for (const t of out) {
    const r = tileRect(grid, t);
    distance[t] = Math.hypot(r.x + r.width / 2 - cx, r.y + r.height / 2 - cy);
    visible[t] = intersect(r, first) ? 1 : 0;
  }
  return out.sort((a, b) => visible[b] - visible[a] || distance[a] - distance[b] || a - b);
}

/** The tiles of the grid that lie inside `region` (all of them when it is null), for "only this rectangle". */
export function tilesIn(grid: TileGrid, region?: Rect | null): Int32Array {
  const n = grid.cols * grid.rows;
  if (!region) return Int32Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let t = 0; t < n; t++) {
    const r = tileRect(grid, t);
    // A tile belongs to the rectangle when its centre does, so two adjacent rectangles share no tile.
    const x = r.x + r.width / 2;
    const y = r.y + r.height / 2;
    if (x >= region.x && x < region.x + region.width && y >= region.y && y < region.y + region.height) out.push(t);
  }
  return Int32Array.from(out);
}
