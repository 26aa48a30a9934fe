import { LruCache, limiter, type RgbaImage } from '../../core';
import type { TileGrid } from './tile-grid';

export const SYNTH_TILE = 256;

/**
 * Tiles of one synthesised level computed at once. Each holds a region of the finer level (1 MB) while it
 * waits for that level's tiles; without a bound, the overview of a slide whose only level is very wide
 * (a real single-level scan, or a hostile ImageWidth) started every tile of every level together and held
 * them all (about 900 MB for a 57,344 px wide level, issue 15). Levels queue separately, so a tile waiting
 * on the finer level never blocks that level's own work.
 */
const SYNTH_CONCURRENCY = 4;

/** Reads a region of a grid's level; the region reader provides it, with its tile cache. */
export type RegionOf = (grid: TileGrid, x: number, y: number, w: number, h: number, signal?: AbortSignal) => Promise<RgbaImage>;

/**
 * A level at half the size of `finer`, made by 2 x 2 area averaging (no aliasing when zoomed out).
 * Each tile is computed once and kept in `cache`, which is shared by all synthesised levels of a slide.
 */
export function synthesizedGrid(id: string, finer: TileGrid, regionOf: RegionOf, cache: LruCache<string, RgbaImage>): TileGrid {
  const width = Math.max(1, Math.floor(finer.width / 2));
  const height = Math.max(1, Math.floor(finer.height / 2));
  const pending = new Map<string, Promise<RgbaImage>>();
  const oneAtATime = limiter(SYNTH_CONCURRENCY);

  async function compute(tx: number, ty: number, signal?: AbortSignal): Promise<RgbaImage> {
    const w = Math.min(SYNTH_TILE, width - tx * SYNTH_TILE);
    const h = Math.min(SYNTH_TILE, height - ty * SYNTH_TILE);
    const src = await regionOf(finer, tx * SYNTH_TILE * 2, ty * SYNTH_TILE * 2, w * 2, h * 2, signal);
    return halve(src, w, h);
  }

  return {
    id,
    width,
    height,
    tileWidth: SYNTH_TILE,
    tileHeight: SYNTH_TILE,
    compression: 'synthesised',
    readTile(tx, ty, signal) {
      const key = `${id}/${tx}/${ty}`;
      const hit = cache.get(key);
      if (hit) return Promise.resolve(hit);
      let p = pending.get(key);
      if (!p) {
        p = oneAtATime(() => compute(tx, ty, signal)).then((img) => {
          cache.set(key, img, img.data.byteLength);
          return img;
        });
        pending.set(key, p);
        p.finally(() => pending.delete(key)).catch(() => {});
      }
      return p;
    },
  };
}

/** 2 x 2 box filter: each output pixel is the mean of four source pixels (alpha included). */
export function halve(src: RgbaImage, w: number, h: number): RgbaImage {
  const out = new Uint8ClampedArray(w * h * 4);
  const s = src.data;
  const sw = src.width;
  for (let y = 0; y < h; y++) {
    const r0 = 2 * y * sw * 4;
    const r1 = r0 + sw * 4;
    for (let x = 0; x < w; x++) {
      const a = r0 + 8 * x;
      const b = r1 + 8 * x;
      const d = (y * w + x) * 4;
      for (let c = 0; c < 4; c++) out[d + c] = (s[a + c] + s[a + 4 + c] + s[b + c] + s[b + 4 + c] + 2) >> 2;
    }
  }
  return { width: w, height: h, data: out };
}
