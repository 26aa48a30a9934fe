import { TesseraError, type Rect } from '../../core';
import { tileRect, type TileGrid } from '../grid/tile-grid';
import type { ClassMap } from './class-map';
import { gridExtent, ownedSpan, tileCell } from './ownership';

/** Raster value of pixels no tile has been stitched into (yet, or ever: background tiles, the grid's outside). */
export const NOT_ANALYSED = 255;

/** Default pixel budget of a slide's mask: 64 Mi pixels, one byte each. */
export const DEFAULT_MASK_BUDGET = 64 * 1024 * 1024;

/**
 * The slide's stitched segmentation: one class index per raster pixel over the grid's extent, at
 * `downsample` level-0 pixels per raster pixel (chosen so a 1.2-gigapixel slide never gets a full-resolution
 * mask). Plain data (DESIGN.md, decision 6): the viewer draws it as a texture, exports read it back.
 */
export interface MaskRaster {
  /** Level-0 position of raster pixel (0, 0)'s top-left corner: the grid's origin. */
  originX: number;
  originY: number;
  /** Level-0 pixels per raster pixel, the same across and down. */
  downsample: number;
  width: number;
  height: number;
  /** Class index per pixel, row by row; NOT_ANALYSED where nothing has been stitched. */
  data: Uint8Array;
  /** Goes up on every stitch, so views redraw only when something arrived. */
  version: number;
}

/** A class map read back from the raster: its pixels at the raster's resolution, placed in level-0 pixels. */
export interface MaskRegion {
  /** Level-0 position of the region's first pixel's top-left corner. */
  x: number;
  y: number;
  downsample: number;
  width: number;
  height: number;
  data: Uint8Array;
}

/** Raster pixels needed to cover `extent` at `downsample`. */
function pixelsAt(extent: Rect, downsample: number): number {
  return Math.ceil(extent.width / downsample) * Math.ceil(extent.height / downsample);
}

/**
 * Level-0 pixels per raster pixel: the model's own resolution (finer would only repeat its pixels) unless
 * that exceeds `budget` raster pixels, then the finest downsample that fits.
 */
export function maskDownsample(grid: TileGrid, budget: number = DEFAULT_MASK_BUDGET): number {
  if (!(budget >= 1)) throw new TesseraError('invalid-argument', `The mask's pixel budget must be at least 1, got ${String(budget)}.`);
  const extent = gridExtent(grid);
  const modelResolution = grid.size0 / Math.max(grid.patchSize[0], grid.patchSize[1]);
  let downsample = Math.max(modelResolution, Math.sqrt((extent.width * extent.height) / budget));
  // Rounding the raster's sides up can overshoot by a row or a column: nudge until it fits.
  while (pixelsAt(extent, downsample) > budget) downsample *= 1.0001;
  return downsample;
}

/** An empty (all NOT_ANALYSED) mask over the grid's extent, within `budget` pixels. */
export function createMaskRaster(grid: TileGrid, budget: number = DEFAULT_MASK_BUDGET): MaskRaster {
  const downsample = maskDownsample(grid, budget);
  const extent = gridExtent(grid);
  const width = Math.ceil(extent.width / downsample);
  const height = Math.ceil(extent.height / downsample);
  return { originX: extent.x, originY: extent.y, downsample, width, height, data: new Uint8Array(width * height).fill(NOT_ANALYSED), version: 0 };
}

/**
 * Writes the pixels the tile owns (see ownership.ts) from its class map into the raster, nearest-neighbour:
 * each raster pixel takes the class-map pixel under its centre. Only owned pixels are written, so
 * overlapping tiles never overwrite each other and the result does not depend on arrival order.
 */
export function stitchTile(raster: MaskRaster, grid: TileGrid, index: number, classMap: ClassMap): void {
  checkFits(raster, grid, index, classMap);
  const tile = tileRect(grid, index);
  const { col, row } = tileCell(grid, index);
  const ds = raster.downsample;
  const [rx0, rx1] = ownedSpan(grid, 'x', col, raster.originX, ds, raster.width);
  const [ry0, ry1] = ownedSpan(grid, 'y', row, raster.originY, ds, raster.height);
  const sourceCols = sourceIndices(raster.originX - tile.x, ds, rx0, rx1, classMap.width / grid.size0, classMap.width);
  const sourceRows = sourceIndices(raster.originY - tile.y, ds, ry0, ry1, classMap.height / grid.size0, classMap.height);
  for (let j = 0; j < sourceRows.length; j++) {
    const src = sourceRows[j] * classMap.width;
    const dst = (ry0 + j) * raster.width + rx0;
    for (let i = 0; i < sourceCols.length; i++) raster.data[dst + i] = classMap.data[src + sourceCols[i]];
  }
  raster.version++;
}

/**
 * For raster pixels [from, to) along one axis, the class-map pixel under each one's centre. `offset` is the
 * raster's origin minus the tile's, `scale` class-map pixels per level-0 pixel.
 */
function sourceIndices(offset: number, ds: number, from: number, to: number, scale: number, size: number): Int32Array {
  const out = new Int32Array(Math.max(0, to - from));
  for (let i = 0; i < out.length; i++) {
    const s = Math.floor((offset + (from + i + 0.5) * ds) * scale);
    out[i] = Math.min(size - 1, Math.max(0, s));
  }
  return out;
}

function checkFits(raster: MaskRaster, grid: TileGrid, index: number, classMap: ClassMap): void {
  if (!Number.isInteger(index) || index < 0 || index >= grid.cols * grid.rows) throw new TesseraError('internal', `Tile ${index} is not in the grid.`);
  if (classMap.data.length !== classMap.width * classMap.height) throw new TesseraError('internal', 'A class map\'s data does not match its size.');
  const extent = gridExtent(grid);
  if (raster.originX !== extent.x || raster.originY !== extent.y || raster.width * raster.downsample < extent.width || raster.height * raster.downsample < extent.height)
    throw new TesseraError('internal', 'This mask was made for another tile grid.');
}

/** The first pixel index whose centre (origin + (i + 0.5) * step) is at or after v. */
function firstCentreFrom(v: number, origin: number, step: number): number {
  let i = Math.ceil((v - origin) / step - 0.5);
  // The estimate can be one off through rounding; settle it on the centres themselves.
  while (origin + (i - 0.5) * step >= v) i--;
  while (origin + (i + 0.5) * step < v) i++;
  return i;
}

/**
 * The class map of a level-0 rectangle: the raster pixels whose centres lie inside it (so neighbouring
 * rectangles share no pixel), NOT_ANALYSED where the rectangle leaves the raster. For hover over a single
 * point use classAt.
 */
export function readMask(raster: MaskRaster, rect0: Rect): MaskRegion {
  const ds = raster.downsample;
  const ix0 = firstCentreFrom(rect0.x, raster.originX, ds);
  const iy0 = firstCentreFrom(rect0.y, raster.originY, ds);
  const width = Math.max(0, firstCentreFrom(rect0.x + rect0.width, raster.originX, ds) - ix0);
  const height = Math.max(0, firstCentreFrom(rect0.y + rect0.height, raster.originY, ds) - iy0);
  const data = new Uint8Array(width * height).fill(NOT_ANALYSED);
  const cx0 = Math.max(ix0, 0);
  const cx1 = Math.min(ix0 + width, raster.width);
  for (let y = Math.max(iy0, 0); y < Math.min(iy0 + height, raster.height) && cx1 > cx0; y++) {
    data.set(raster.data.subarray(y * raster.width + cx0, y * raster.width + cx1), (y - iy0) * width + (cx0 - ix0));
  }
  return { x: raster.originX + ix0 * ds, y: raster.originY + iy0 * ds, downsample: ds, width, height, data };
}

/** The class at a level-0 point (hover), NOT_ANALYSED outside the raster or where nothing was stitched. */
export function classAt(raster: MaskRaster, x: number, y: number): number {
  const ix = Math.floor((x - raster.originX) / raster.downsample);
  const iy = Math.floor((y - raster.originY) / raster.downsample);
  if (ix < 0 || iy < 0 || ix >= raster.width || iy >= raster.height) return NOT_ANALYSED;
  return raster.data[iy * raster.width + ix];
}
