import type { SlideInfo } from '../slide';

/** Side of the viewer's virtual pyramid tiles, in screen-level pixels. */
export const TILE_SIZE = 256;

/** A slide level counts as "at" a virtual level when its downsample is within 1% of it. */
const LEVEL_TOLERANCE = 1.01;

/**
 * The viewer shows a power-of-two virtual pyramid (level 0 of the slide at the top, OpenSeadragon's
 * numbering: `maxLevel` is full resolution, each level below halves it). This is how one slide maps onto it.
 */
export interface VirtualPyramid {
  width: number;
  height: number;
  /** OpenSeadragon's finest level: ceil(log2(max(width, height))). */
  maxLevel: number;
  /** The coarsest level the viewer asks for: about the size of the slide's smallest (synthesised) level. */
  minLevel: number;
}

/** Which pixels of which slide level make one virtual tile, and whether they must be scaled down. */
export interface TilePlan {
  /** Slide level read (index into SlideInfo.levels). */
  level: number;
  /** Region of that level, in its own pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Size of the tile handed to OpenSeadragon. Equal to width × height unless `resampled`. */
  outWidth: number;
  outHeight: number;
  /** True when the slide has no level near this scale and the region is area-averaged down. */
  resampled: boolean;
}

export function virtualPyramid(info: SlideInfo): VirtualPyramid {
  const { width, height } = info.levels[0];
  const maxLevel = Math.max(0, Math.ceil(Math.log2(Math.max(width, height))));
  const smallest = info.levels[info.levels.length - 1].downsample;
  const coarsest = Math.max(0, Math.floor(Math.log2(smallest * LEVEL_TOLERANCE)));
  return { width, height, maxLevel, minLevel: Math.max(0, maxLevel - coarsest) };
}

/** Level-0 pixels per pixel of a virtual level. */
export function virtualDownsample(pyramid: VirtualPyramid, level: number): number {
  return 2 ** (pyramid.maxLevel - level);
}

/** The slide level with the largest downsample not above `d` (1% tolerance): never coarser than asked. */
export function bestSlideLevel(info: SlideInfo, d: number): number {
  let best = 0;
  info.levels.forEach((l, i) => {
    if (l.downsample <= d * LEVEL_TOLERANCE && l.downsample > info.levels[best].downsample) best = i;
  });
  return best;
}

/**
 * Plans virtual tile (level, tx, ty). Positions go through level 0 and are rounded once per tile edge,
 * so neighbouring tiles share their edges exactly and a level read at its own scale is never resampled.
 */
export function planTile(info: SlideInfo, pyramid: VirtualPyramid, level: number, tx: number, ty: number): TilePlan {
  const d = virtualDownsample(pyramid, level);
  const x0 = tx * TILE_SIZE * d;
  const y0 = ty * TILE_SIZE * d;
  const x1 = Math.min(pyramid.width, (tx + 1) * TILE_SIZE * d);
  const y1 = Math.min(pyramid.height, (ty + 1) * TILE_SIZE * d);
  const s = bestSlideLevel(info, d);
  const l = info.levels[s];
  // Per axis, as the level's own size says (the mean downsample hides a rounding of a pixel or so).
  const dsx = pyramid.width / l.width;
  const dsy = pyramid.height / l.height;
  const sx0 = Math.min(l.width - 1, Math.round(x0 / dsx));
  const sy0 = Math.min(l.height - 1, Math.round(y0 / dsy));
  const sx1 = Math.max(sx0 + 1, Math.min(l.width, Math.round(x1 / dsx)));
  const sy1 = Math.max(sy0 + 1, Math.min(l.height, Math.round(y1 / dsy)));
  const width = sx1 - sx0;
  const height = sy1 - sy0;
  const resampled = l.downsample * LEVEL_TOLERANCE < d;
  return {
    level: s,
    x: sx0,
    y: sy0,
    width,
    height,
    outWidth: resampled ? Math.max(1, Math.round((x1 - x0) / d)) : width,
    outHeight: resampled ? Math.max(1, Math.round((y1 - y0) / d)) : height,
    resampled,
  };
}
