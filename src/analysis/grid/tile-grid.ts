import { TesseraError, type Rect } from '../../core';
import type { SlideInfo } from '../../slide';

/**
 * The tiles a model sees (DESIGN.md, decision 4): a grid at the model's µm/px and patch size over the
 * slide, in level-0 pixels, read from the coarsest pyramid level that is still at least as fine as the
 * model's scale (the region is then resized to the patch size on the GPU by preprocessing).
 * Only whole tiles inside the slide are in the grid (as WSInfer and CLAM do); tiles are numbered row by
 * row: index = row * cols + col.
 */
export interface TileGrid {
  cols: number;
  rows: number;
  /** Level-0 position of tile (0, 0). */
  originX: number;
  originY: number;
  /** One tile's side in level-0 pixels. */
  size0: number;
  /** Distance between neighbouring tiles' origins in level-0 pixels (size0 - overlap). */
  stride0: number;
  /** The pyramid level tiles are read from, and a tile's side in that level's pixels. */
  level: number;
  levelSize: number;
  /** The model's patch, [height, width] in its own pixels (square in practice). */
  patchSize: [number, number];
  /** µm per level-0 pixel used, and where it came from. */
  mpp: number;
  mppSource: 'slide' | 'user';
  /** The model's µm/px. */
  modelMpp: number;
}

export interface GridOptions {
  /**
   * Overlap between neighbouring tiles as a fraction of a tile, 0 to 0.9 (0: tiles touch; 0.5: each tile
   * starts half a tile after the last).
   */
  overlap: number;
  /** µm per level-0 pixel to use when the slide does not say (the user is asked; see DEFAULT_MPP). */
  mppOverride?: number;
}

/** Offered to the user when a slide states no µm/px: a 20x scan, as most of the seeds' slides are. */
export const DEFAULT_MPP = 0.5;

/** The slide's µm per level-0 pixel, or null when the file does not say. */
export function slideMpp(info: SlideInfo): number | null {
  const values = [info.mppX, info.mppY].filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/** The coarsest level whose pixels are at least as fine as `targetMpp` (level 0 when none is). */
export function chooseLevel(info: SlideInfo, mpp: number, targetMpp: number): number {
  let best = 0;
  info.levels.forEach((level, i) => {
    // 1% of tolerance: a level at the model's scale is not lost to its downsample's rounding (8.0165 for 8).
    if (level.downsample * mpp <= targetMpp * 1.01 && level.downsample > info.levels[best].downsample) best = i;
  });
  return best;
}

export function makeTileGrid(info: SlideInfo, modelMpp: number, patchSize: [number, number], options: GridOptions): TileGrid {
  const fromSlide = slideMpp(info);
  const mpp = options.mppOverride ?? fromSlide;
  if (mpp == null) throw new TesseraError('invalid-argument', `"${info.name}" does not say how many µm a pixel is. Enter the scan's µm/px (${DEFAULT_MPP} for a typical 20x scan) to analyse it.`);
  if (!(mpp > 0 && Number.isFinite(mpp))) throw new TesseraError('invalid-argument', `µm/px must be a positive number, got ${String(mpp)}.`);
  if (!(modelMpp > 0 && Number.isFinite(modelMpp))) throw new TesseraError('invalid-argument', 'This model states no µm/px (spacingUmPx), so it cannot be run over a slide. Score its images in batch scoring instead.');
  if (!(options.overlap >= 0 && options.overlap <= 0.9)) throw new TesseraError('invalid-argument', `Overlap must be from 0 to 0.9 of a tile, got ${String(options.overlap)}.`);
  const patch = Math.max(patchSize[0], patchSize[1]);
  const size0 = Math.max(1, Math.round((patch * modelMpp) / mpp));
  const stride0 = Math.max(1, Math.round(size0 * (1 - options.overlap)));
  const { width, height } = info.levels[0];
  const cols = width >= size0 ? Math.floor((width - size0) / stride0) + 1 : 0;
  const rows = height >= size0 ? Math.floor((height - size0) / stride0) + 1 : 0;
  if (cols === 0 || rows === 0) throw new TesseraError('invalid-argument', `The slide (${width} x ${height} px) is smaller than one tile of this model (${size0} px at ${mpp} µm/px).`);
  const level = chooseLevel(info, mpp, modelMpp);
  const levelSize = Math.max(1, Math.round(size0 / info.levels[level].downsample));
  return { cols, rows, originX: 0, originY: 0, size0, stride0, level, levelSize, patchSize, mpp, mppSource: options.mppOverride != null ? 'user' : 'slide', modelMpp };
}

export function tileCount(grid: TileGrid): number {
  return grid.cols * grid.rows;
}

/** A tile's rectangle in level-0 pixels. */
export function tileRect(grid: TileGrid, index: number): Rect {
  const col = index % grid.cols;
  const row = Math.floor(index / grid.cols);
  return { x: grid.originX + col * grid.stride0, y: grid.originY + row * grid.stride0, width: grid.size0, height: grid.size0 };
}

/**
 * The tile that owns a level-0 point: each tile owns the stride-sized square at its centre (the whole
 * tile when tiles do not overlap), so every point near the tissue has exactly one owner. -1 outside.
 */
export function tileAt(grid: TileGrid, x: number, y: number): number {
  const margin = (grid.size0 - grid.stride0) / 2;
  const col = Math.floor((x - grid.originX - margin) / grid.stride0);
  const row = Math.floor((y - grid.originY - margin) / grid.stride0);
  const c = Math.min(grid.cols - 1, Math.max(0, col));
  const r = Math.min(grid.rows - 1, Math.max(0, row));
  const rect = tileRect(grid, r * grid.cols + c);
  if (x < rect.x || y < rect.y || x >= rect.x + rect.width || y >= rect.y + rect.height) return -1;
  return r * grid.cols + c;
}

/** The square each tile owns (see tileAt), in level-0 pixels: what a heatmap cell covers. */
export function ownedRect(grid: TileGrid, index: number): Rect {
  const r = tileRect(grid, index);
  const margin = (grid.size0 - grid.stride0) / 2;
  return { x: r.x + margin, y: r.y + margin, width: grid.stride0, height: grid.stride0 };
}

/** Where a tile is read: its level and the region in that level's pixels. */
export function tileRegion(grid: TileGrid, info: SlideInfo, index: number): { level: number; x: number; y: number; width: number; height: number } {
  const r = tileRect(grid, index);
  const ds = info.levels[grid.level].downsample;
  return { level: grid.level, x: Math.round(r.x / ds), y: Math.round(r.y / ds), width: grid.levelSize, height: grid.levelSize };
}
