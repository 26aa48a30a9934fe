import type { Rect } from '../../core';
import type { TileGrid } from '../grid/tile-grid';

/**
 * Which tile owns which pixels, for stitching masks and for per-tile summaries. It is tileAt's rule
 * (tile-grid.ts), written per axis: each tile owns the stride-wide band at its centre, and tiles at the
 * grid's outer edges also own the margin out to their own edge (no neighbour covers it). Ownership is a
 * pure function of position, so every pixel inside the grid has exactly one owner whatever order tiles
 * arrive in: that is what makes stitched masks seamless and counts single.
 */
export type Axis = 'x' | 'y';

function axisOf(grid: TileGrid, axis: Axis): { origin: number; count: number } {
  return axis === 'x' ? { origin: grid.originX, count: grid.cols } : { origin: grid.originY, count: grid.rows };
}

/** The grid's extent along one axis, level-0 [start, end): from the first tile's start to the last's end. */
export function axisExtent(grid: TileGrid, axis: Axis): [number, number] {
  const { origin, count } = axisOf(grid, axis);
  return [origin, origin + (count - 1) * grid.stride0 + grid.size0];
}

/** The level-0 rectangle the grid's tiles cover. */
export function gridExtent(grid: TileGrid): Rect {
  const [x0, x1] = axisExtent(grid, 'x');
  const [y0, y1] = axisExtent(grid, 'y');
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The column (axis 'x') or row ('y') of tiles owning level-0 coordinate v, with tileAt's arithmetic; -1
 * before the grid and `count` after it, so the result never decreases as v grows (ownedSpan relies on that).
 */
export function ownerAlong(grid: TileGrid, axis: Axis, v: number): number {
  const { origin, count } = axisOf(grid, axis);
  const [start, end] = axisExtent(grid, axis);
  if (v < start) return -1;
  if (v >= end) return count;
  const margin = (grid.size0 - grid.stride0) / 2;
  const cell = Math.floor((v - origin - margin) / grid.stride0);
  return Math.min(count - 1, Math.max(0, cell));
}

/** The tile owning level-0 point (x, y), -1 outside the grid (the same answer as tileAt). */
export function ownerTile(grid: TileGrid, x: number, y: number): number {
  const col = ownerAlong(grid, 'x', x);
  const row = ownerAlong(grid, 'y', y);
  if (col < 0 || row < 0 || col >= grid.cols || row >= grid.rows) return -1;
  return row * grid.cols + col;
}

/**
 * The pixels of a lattice along one axis (pixel i's centre at level-0 `origin + (i + 0.5) * step`, i from 0
 * to n - 1) whose centres column or row `cell` owns, as [start, end). Found by bisection on the owner of
 * each pixel's centre, so the spans of neighbouring tiles meet exactly: no pixel twice, none missed.
 */
export function ownedSpan(grid: TileGrid, axis: Axis, cell: number, origin: number, step: number, n: number): [number, number] {
  const ownerOf = (i: number): number => ownerAlong(grid, axis, origin + (i + 0.5) * step);
  return [firstAtLeast(ownerOf, cell, n), firstAtLeast(ownerOf, cell + 1, n)];
}

/** The smallest i in [0, n) with key(i) ≥ target (n when none); key never decreases. */
function firstAtLeast(key: (i: number) => number, target: number, n: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) >= target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A tile's column and row. */
export function tileCell(grid: TileGrid, index: number): { col: number; row: number } {
  return { col: index % grid.cols, row: Math.floor(index / grid.cols) };
}
