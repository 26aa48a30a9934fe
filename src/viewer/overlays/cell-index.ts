import type { TileGrid } from '../../analysis';
import type { Rect } from '../../core';

/**
 * Finding cells without scanning them all (DESIGN.md decision 6, issue 13): a CellStore keeps each tile's
 * cells contiguous (tileStart/tileCount), and a cell belongs to the tile that owns its centre (tileAt), so
 * the cells inside a level-0 rectangle are among the cells of the tiles whose owned squares meet it. Plain
 * maths over the columns, checked in Node.
 */

/** The store's columns the viewer reads (a CellStore from analysis/ has them all). */
export interface CellsView {
  readonly classNames: string[];
  readonly count: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly classIndex: Uint8Array;
  readonly score: Float32Array;
  readonly tileStart: Int32Array;
  readonly tileCount: Int32Array;
  readonly version: number;
}

/** Tile columns c0..c1 and rows r0..r1 (inclusive) that can own a point of `rect`, or null when none can. */
export function tilesMeeting(grid: TileGrid, rect: Rect): { c0: number; c1: number; r0: number; r1: number } | null {
  const x1 = rect.x + rect.width;
  const y1 = rect.y + rect.height;
  // Outside every tile (tiles own only points inside themselves; the outer ones own out to their edges).
  const gx1 = grid.originX + (grid.cols - 1) * grid.stride0 + grid.size0;
  const gy1 = grid.originY + (grid.rows - 1) * grid.stride0 + grid.size0;
  if (x1 < grid.originX || y1 < grid.originY || rect.x >= gx1 || rect.y >= gy1 || !(rect.width >= 0 && rect.height >= 0)) return null;
  const margin = (grid.size0 - grid.stride0) / 2;
  const col = (x: number) => Math.min(grid.cols - 1, Math.max(0, Math.floor((x - grid.originX - margin) / grid.stride0)));
  const row = (y: number) => Math.min(grid.rows - 1, Math.max(0, Math.floor((y - grid.originY - margin) / grid.stride0)));
  return { c0: col(rect.x), c1: col(x1), r0: row(rect.y), r1: row(y1) };
}

/**
 * The store ranges holding the cells of the tiles that meet `rect`, as [start, count] pairs sorted by start,
 * neighbours merged (tiles analysed one after another along a row are one range, one draw call).
 * `limit` cuts the ranges at that many cells (those uploaded to the GPU so far).
 */
export function cellRangesIn(cells: CellsView, grid: TileGrid, rect: Rect, limit = cells.count): number[] {
  const t = tilesMeeting(grid, rect);
  if (!t) return [];
  const starts: number[] = [];
  for (let r = t.r0; r <= t.r1; r++) {
    for (let c = t.c0; c <= t.c1; c++) {
      const i = r * grid.cols + c;
      const start = cells.tileStart[i];
      if (start >= 0 && cells.tileCount[i] > 0 && start < limit) starts.push(i);
    }
  }
  starts.sort((a, b) => cells.tileStart[a] - cells.tileStart[b]);
  const out: number[] = [];
  for (const i of starts) {
    const start = cells.tileStart[i];
    const end = Math.min(limit, start + cells.tileCount[i]);
    const last = out.length - 2;
    if (last >= 0 && out[last] + out[last + 1] === start) out[last + 1] = end - out[last];
    else out.push(start, end - start);
  }
  return out;
}

/** How many cells the ranges hold. */
export function rangeTotal(ranges: readonly number[]): number {
  let n = 0;
  for (let k = 1; k < ranges.length; k += 2) n += ranges[k];
  return n;
}

/**
 * The cell nearest level-0 point (x, y) no farther than `maxDistance` level-0 px, among the classes
 * `visible` allows (all when omitted), and only cells whose index is a multiple of `every` (those drawn
 * when dots are thinned, see thinning below); -1 when there is none.
 */
export function nearestCell(cells: CellsView, grid: TileGrid, x: number, y: number, maxDistance: number, visible?: readonly boolean[], every = 1): number {
  const ranges = cellRangesIn(cells, grid, { x: x - maxDistance, y: y - maxDistance, width: 2 * maxDistance, height: 2 * maxDistance });
  let best = -1;
  let bestD = maxDistance * maxDistance;
  for (let k = 0; k < ranges.length; k += 2) {
    const first = every > 1 ? Math.ceil(ranges[k] / every) * every : ranges[k];
    for (let i = first; i < ranges[k] + ranges[k + 1]; i += every) {
      if (visible && visible[cells.classIndex[i]] === false) continue;
      const dx = cells.x[i] - x;
      const dy = cells.y[i] - y;
      const d = dx * dx + dy * dy;
      // Ties go to the cell stored first.
      if (d < bestD || (best < 0 && d <= bestD)) {
        best = i;
        bestD = d;
      }
    }
  }
  return best;
}

/** Dots are drawn from about this magnification up; below it, density heatmaps (issue 13). */
export const CELL_DOTS_FROM_MAGNIFICATION = 5;
/** Dot radius in screen (CSS) px at CELL_DOTS_FROM_MAGNIFICATION and the most it grows to. */
export const DOT_RADIUS_MIN_PX = 2;
export const DOT_RADIUS_MAX_PX = 5;

/**
 * A dot's radius in CSS px at a magnification: 2 px at 5x, one more per doubling (3 at 10x, 4 at 20x),
 * at most 5. Grows a little as one zooms in, so dots stay marks, not nuclei-sized blobs hiding the stain.
 */
export function dotRadiusPx(magnification: number): number {
  if (!(magnification > 0)) return DOT_RADIUS_MIN_PX;
  const r = DOT_RADIUS_MIN_PX + Math.log2(magnification / CELL_DOTS_FROM_MAGNIFICATION);
  return Math.min(DOT_RADIUS_MAX_PX, Math.max(DOT_RADIUS_MIN_PX, r));
}

/**
 * Dots may cover the view about this many times over before they are thinned (see thinning): once, since
 * random dots that cover the view once in all already hide about 63% of it under a mosaic of dots.
 */
export const MAX_OVERDRAW = 1;
/** The most thinning: one cell in 63 (a WebGL attribute stride is at most 255 bytes, 63 floats). */
export const MAX_THINNING = 63;

/**
 * Level of detail for absurd densities: when `cells` dots of `dotArea` device px² each would cover the
 * `viewArea` more than MAX_OVERDRAW times over, the view is a solid mosaic of dots drawn on top of each
 * other, and drawing them all costs the GPU for nothing a person can see; only every n-th cell (by store
 * index, so the same cells stay as the view moves) is drawn then. 1 means every cell. A slide's real cell
 * densities (a few thousand per mm²) never come near it at 5x and up.
 */
export function thinning(cells: number, dotArea: number, viewArea: number): number {
  if (!(viewArea > 0) || !(cells > 0)) return 1;
  return Math.min(MAX_THINNING, Math.max(1, Math.ceil((cells * dotArea) / (MAX_OVERDRAW * viewArea))));
}
