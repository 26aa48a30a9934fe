import { describe, expect, it } from 'vitest';
import { regionReader } from '../../../src/slide/region-reader';
import type { TileGrid } from '../../../src/slide/grid/tile-grid';
import { createRgbaImage, type RgbaImage } from '../../../src/core/image';
import { LruCache } from '../../../src/core/lru-cache';
import { synthesizedGrid } from '../../../src/slide/grid/synthesized-grid';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

/**
 * A 4 x 3 grid of 8 px tiles on a 30 x 20 level; each tile is filled with its own index, reads counted.
 * Each read decodes a new tile (freshTiles), unless `keeps`: then the grid returns the same tile each time.
 */
function countingGrid({ keeps = false } = {}) {
  const reads: string[] = [];
  const kept = new Map<string, RgbaImage>();
  const grid: TileGrid = {
    id: 'g',
    width: 30,
    height: 20,
    tileWidth: 8,
    tileHeight: 8,
    compression: 'test',
    freshTiles: !keeps,
    async readTile(tx, ty) {
      reads.push(`${tx},${ty}`);
      const v = ty * 4 + tx;
      const key = `${tx},${ty}`;
      const tile = (keeps && kept.get(key)) || createRgbaImage(8, 8, [v, v, v, 255]);
      if (keeps) kept.set(key, tile);
      return tile;
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

  it('an owned read of part of a tile, or of a padded edge tile, from its corner decodes that tile once', async () => {
    const { grid, reads } = countingGrid();
    const reader = regionReader();
    const part = await reader.read(grid, 8, 0, 4, 4);
    expect([part.width, part.height, part.data[0]]).toEqual([4, 4, 1]);
    const edge = await reader.read(grid, 24, 16, 6, 4); // tile (3, 2): 8 x 8 decoded, 6 x 4 inside the level
    expect([edge.width, edge.height, edge.data[0]]).toEqual([6, 4, 11]);
    expect(reads).toEqual(['1,0', '3,2']);
  });

  it('one decode however many ask at once', async () => {
    const { grid, reads } = countingGrid();
    const reader = regionReader();
    await Promise.all([reader.read(grid, 0, 0, 16, 16), reader.read(grid, 4, 4, 8, 8), reader.read(grid, 0, 0, 8, 8, undefined, 'view')]);
    expect(reads.sort()).toEqual(['0,0', '0,1', '1,0', '1,1']);
  });

  it('an owned read never hands over a tile its grid keeps: moving it to another thread leaves the grid whole', async () => {
    const { grid } = countingGrid({ keeps: true });
    const reader = regionReader();
    const owned = await reader.read(grid, 0, 8, 8, 8);
    expect(owned.data).not.toBe((await grid.readTile(0, 1)).data);
    transfer(owned);
    expect(owned.data.byteLength, 'moved away').toBe(0);
    expect((await reader.read(grid, 0, 8, 8, 8)).data[0]).toBe(4);
    expect((await grid.readTile(0, 1)).data.byteLength).toBe(8 * 8 * 4);
  });

  it('an owned whole tile of a synthesised level can be transferred, and read and transferred again', async () => {
    // What the slide worker does with every 'rgba' region: postMessage(image, [image.data.buffer]). The
    // synthesised level keeps its tiles, so handing one over used to detach it: the next read got an
    // empty buffer and the worker's postMessage threw "An ArrayBuffer is detached and could not be cloned".
    const { grid } = countingGrid();
    const reader = regionReader();
    const synth = synthesizedGrid('synth1', grid, (g, x, y, w, h, s) => reader.read(g, x, y, w, h, s, 'view'), new LruCache(1 << 20));
    const whole = () => reader.read(synth, 0, 0, synth.width, synth.height);
    const first = await whole();
    expect([first.width, first.height]).toEqual([15, 10]);
    const pixels = Array.from(first.data);
    transfer(first);
    expect(first.data.byteLength, 'moved away').toBe(0);
    const second = await whole();
    expect(Array.from(second.data)).toEqual(pixels);
    transfer(second);
    expect(Array.from((await reader.read(synth, 0, 0, 15, 10, undefined, 'view')).data)).toEqual(pixels);
  });
});

describe.skipIf(!HAVE_FIXTURES)('regions of a real slide, as the slide worker hands them over', () => {
  it.skipIf(!HAVE_FIXTURES)(`every level's first tile and the whole smallest level survive being transferred twice (${HAVE_FIXTURES ? 'CMU-1-Small-Region.svs' : SKIP_REASON})`, async () => {
    const slide = await openSlideFile(fixture('slides', 'CMU-1-Small-Region.svs'));
    try {
      const { levels } = slide.info;
      expect(levels.some((l) => l.synthesized)).toBe(true);
      const reads = levels.map((l, i) => [i, 0, 0, Math.min(l.tileWidth, l.width), Math.min(l.tileHeight, l.height)] as const);
      const last = levels.length - 1;
      reads.push([last, 0, 0, levels[last].width, levels[last].height]);
      for (const [level, x, y, w, h] of reads) {
        for (let time = 0; time < 2; time++) {
          const img = await slide.readRegion(level, x, y, w, h);
          expect(img.data.byteLength, `level ${level}, read ${time + 1}`).toBe(w * h * 4);
          transfer(img);
        }
      }
    } finally {
      await slide.close();
    }
  });
});

/**
 * Moves the pixels' buffer away, as postMessage(image, [image.data.buffer]) does (it throws, as postMessage
 * does, if the buffer was moved before). Node copies instead the buffers it cannot detach (sharp's).
 */
function transfer(img: RgbaImage): void {
  structuredClone(img, { transfer: [img.data.buffer as ArrayBuffer] });
}
