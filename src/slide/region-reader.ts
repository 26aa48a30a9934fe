import { blit, createRgbaImage, throwIfAborted, type RgbaImage } from '../core';
import { tileCache } from './tile-cache';
import { tilesAcross, tilesDown, type TileGrid } from './grid/tile-grid';

/** Decoded tiles kept per open slide (per worker in the browser). */
const DEFAULT_TILE_CACHE_BYTES = 192 * 1024 * 1024;

/**
 * 'owned': the caller may change or transfer the pixels: nothing else holds them (a cached tile is copied;
 * a tile that its grid decoded afresh for an owned whole-tile region is handed over and not cached, which
 * spares the copy; a tile its grid keeps, as synthesised levels do, is copied like a cached one).
 * 'view': the caller only reads them (the result may be the cached tile itself).
 */
export type RegionUse = 'owned' | 'view';

export interface RegionReader {
  read(grid: TileGrid, x: number, y: number, width: number, height: number, signal?: AbortSignal, use?: RegionUse): Promise<RgbaImage>;
}

/** Composes regions from decoded tiles, with an LRU of tiles and one decode per tile however many ask. */
export function regionReader(cacheBytes = DEFAULT_TILE_CACHE_BYTES): RegionReader {
  const cache = tileCache<RgbaImage>(cacheBytes);
  const tile = (grid: TileGrid, tx: number, ty: number, signal?: AbortSignal) => cache.get(`${grid.id}/${tx}/${ty}`, () => grid.readTile(tx, ty, signal));

  async function read(grid: TileGrid, x: number, y: number, width: number, height: number, signal?: AbortSignal, use: RegionUse = 'owned'): Promise<RgbaImage> {
    throwIfAborted(signal);
    const tx0 = Math.max(0, Math.floor(x / grid.tileWidth));
    const ty0 = Math.max(0, Math.floor(y / grid.tileHeight));
    const tx1 = Math.min(tilesAcross(grid) - 1, Math.floor((x + width - 1) / grid.tileWidth));
    const ty1 = Math.min(tilesDown(grid) - 1, Math.floor((y + height - 1) / grid.tileHeight));
    // Fast path: the region is exactly one whole tile.
    if (tx0 === tx1 && ty0 === ty1 && x === tx0 * grid.tileWidth && y === ty0 * grid.tileHeight) {
      const key = `${grid.id}/${tx0}/${ty0}`;
      // Handed over as it is only when no one else holds it: not in this cache, and not kept by the grid.
      const fresh = use === 'owned' && grid.freshTiles === true && !cache.holds(key);
      const t = fresh ? await grid.readTile(tx0, ty0, signal) : await tile(grid, tx0, ty0, signal);
      if (t.width === width && t.height === height) {
        // A shared tile is copied for an owner: moving its buffer to another thread would empty the cache
        // (the next reader would get a detached, empty buffer: "An ArrayBuffer is detached").
        return use === 'owned' && !fresh ? { width, height, data: t.data.slice() } : t;
      }
      // Part of the tile, or a padded edge tile: cached, so the general path below does not decode it again.
      if (fresh) cache.set(key, t);
    }
    const out = createRgbaImage(width, height);
    const jobs: Promise<void>[] = [];
    for (let ty = ty0; ty <= ty1; ty++) {
      for (let tx = tx0; tx <= tx1; tx++) {
        jobs.push(
          tile(grid, tx, ty, signal).then((t) => {
            // Clip what the decoder gave to the level's bounds (edge tiles are padded in the file).
            const vis = clipTile(t, grid.width - tx * grid.tileWidth, grid.height - ty * grid.tileHeight);
            blit(vis, out, tx * grid.tileWidth - x, ty * grid.tileHeight - y);
          }),
        );
      }
    }
    await Promise.all(jobs);
    return out;
  }

  return { read };
}

function clipTile(t: RgbaImage, maxW: number, maxH: number): RgbaImage {
  if (t.width <= maxW && t.height <= maxH) return t;
  const w = Math.min(t.width, maxW);
  const h = Math.min(t.height, maxH);
  const out = createRgbaImage(w, h);
  blit(t, out, 0, 0);
  return out;
}
