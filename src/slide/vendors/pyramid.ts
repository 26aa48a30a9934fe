import type { TileGrid } from '../grid/tile-grid';

/**
 * Keeps the grids that form one pyramid: sorted largest first, and only those whose aspect ratio
 * matches the largest (a stray overview or label page is not a level).
 */
export function orderPyramid(grids: TileGrid[]): TileGrid[] {
  const sorted = [...grids].sort((a, b) => b.width * b.height - a.width * a.height);
  const base = sorted[0];
  return sorted.filter((g) => Math.abs(g.width / g.height - base.width / base.height) < 0.02 * (base.width / base.height) + 2 / g.height);
}
