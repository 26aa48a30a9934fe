import { describe, expect, it } from 'vitest';
import { regionReader } from '../../../src/slide/region-reader';
import type { TileGrid } from '../../../src/slide/grid/tile-grid';
import { createRgbaImage } from '../../../src/core/image';

/** A 4 x 3 grid of 8 px tiles on a 30 x 20 level; each tile is filled with its own index, reads counted. */
function countingGrid() {
  const reads: string[] = [];
  const grid: TileGrid = {
    id: 'g',
    width: 30,
    height: 20,
    tileWidth: 8,
    tileHeight: 8,
    compression: 'test',
    async readTile(tx, ty) {
      reads.push(`${tx},${ty}`);
      const v = ty * 4 + tx;
      return createRgbaImage(8, 8, [v, v, v, 255]);
    },
  };
  return { grid, reads };
}

describe('regionReader', () => {
  it('composes a region across tiles and clips the padded edge tiles to the level', async () => {
    const { grid } = countingGrid();
    const img = await regionReader().read(grid, 20, 12, 10, 8);
    expect([img.width, img.height]).toEqual([10, 8]);
    const at = (x: number, y: number) => img.data[(y * 10 + x) * 4];
    expect(at(0, 0)).toBe(1 * 4 + 2); // tile (2, 1)
    expect(at(4, 0)).toBe(1 * 4 + 3); // tile (3, 1), of which only 6 columns lie inside the level
    expect(at(4, 4)).toBe(2 * 4 + 3); // tile (3, 2)
  });

  it('reads each tile once for view readers, and owned results never alias the cache', async () => {
    const { grid, reads } = countingGrid();
    const reader = regionReader();
    const a = await reader.read(grid, 8, 0, 8, 8, undefined, 'view');
    const b = await reader.read(grid, 8, 0, 8, 8, undefined, 'view');
    expect(b).toBe(a); // the cached tile itself
    const owned = await reader.read(grid, 8, 0, 8, 8);
    expect(owned.data).not.toBe(a.data);
    owned.data.fill(0);
    expect((await reader.read(grid, 8, 0, 8, 8, undefined, 'view')).data[0]).toBe(1);
    expect(reads).toEqual(['1,0']);
  });

  it('an owned whole-tile read of an uncached tile hands the decoded tile over without caching it', async () => {
    const { grid, reads } = countingGrid();
    const reader = regionReader();
    const first = await reader.read(grid, 0, 8, 8, 8);
    first.data.fill(7);
    const second = await reader.read(grid, 0, 8, 8, 8);
    expect(second.data[0]).toBe(4);
    expect(reads).toEqual(['0,1', '0,1']);
  });

  it('one decode however many ask at once', async () => {
    const { grid, reads } = countingGrid();
    const reader = regionReader();
    await Promise.all([reader.read(grid, 0, 0, 16, 16), reader.read(grid, 4, 4, 8, 8), reader.read(grid, 0, 0, 8, 8, undefined, 'view')]);
    expect(reads.sort()).toEqual(['0,0', '0,1', '1,0', '1,1']);
  });
});
