import { describe, expect, it } from 'vitest';
import { LruCache, type RgbaImage } from '../../../src/core';
import type { TileGrid } from '../../../src/slide/grid/tile-grid';
import { synthesizedGrid } from '../../../src/slide/grid/synthesized-grid';
import { regionReader } from '../../../src/slide/region-reader';

// Issue 15: the overview of a very wide single-level slide (a real one, or a hostile ImageWidth) is made by
// synthesising every coarser level from level 0. Done all at once, every tile of every level was in
// flight together (about 900 MB for a 57,344 px wide level, found by fuzzing); the synthesis is bounded.

/** A level-0 grid of `across` x `down` 256 px tiles that counts how many of its tiles are decoding at once. */
function countingGrid(across: number, down: number) {
  let active = 0;
  let peak = 0;
  let reads = 0;
  const grid: TileGrid = {
    id: 'base',
    width: across * 256,
    height: down * 256,
    tileWidth: 256,
    tileHeight: 256,
    compression: 'test',
    freshTiles: true,
    async readTile(tx, ty): Promise<RgbaImage> {
      active++;
      reads++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 1));
      active--;
      const data = new Uint8ClampedArray(256 * 256 * 4).fill((tx + ty) & 255);
      return { width: 256, height: 256, data };
    },
  };
  return { grid, peak: () => peak, reads: () => reads };
}

describe('synthesised levels are computed a few tiles at a time', () => {
  it('reading the smallest level of a 65,536 x 512 px single-level slide never has more than 16 level-0 tiles decoding at once', async () => {
    const base = countingGrid(256, 2);
    const reader = regionReader(8 * 1024 * 1024);
    const cache = new LruCache<string, RgbaImage>(8 * 1024 * 1024);
    const grids: TileGrid[] = [base.grid];
    while (Math.max(grids[grids.length - 1].width, grids[grids.length - 1].height) > 100) {
      grids.push(synthesizedGrid(`s${grids.length}`, grids[grids.length - 1], (g, x, y, w, h, s) => reader.read(g, x, y, w, h, s, 'view'), cache));
    }
    const smallest = grids[grids.length - 1];
    const img = await reader.read(smallest, 0, 0, smallest.width, smallest.height);
    expect(img.width).toBe(smallest.width);
    // Every level-0 tile was read (the whole level feeds the overview), but only a few at a time:
    // unbounded, all 512 were in flight together.
    expect(base.reads()).toBeGreaterThanOrEqual(512);
    expect(base.peak()).toBeLessThanOrEqual(16);
    expect(base.peak()).toBeGreaterThan(1);
  });
});
