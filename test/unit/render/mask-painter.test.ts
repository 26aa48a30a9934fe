import { describe, expect, it } from 'vitest';
import { createMaskRaster, createResultStore, ownedRect, setTileResult, type TileGrid } from '../../../src/analysis';
import type { Manifest } from '../../../src/inference';
import { MaskPainter, segmentationMaskLayer } from '../../../src/render';
import { mulberry32 } from '../../support/seeded-random';

// The mask layer kept up to date tile by tile must show exactly what a full redraw of the mask shows
// (segmentationMaskLayer, which tessera analyze --png draws), and say which part of the raster changed.

const manifest: Pick<Manifest, 'output' | 'vote'> = {
  output: { activation: 'softmax', classes: [{ name: 'background', color: '#000000' }, { name: 'nucleus', color: '#e0a020' }, { name: 'boundary', color: '#3b8f4a' }] },
  vote: { rule: 'plurality', ignore: ['background'] },
};

function fixture(overrides: Partial<TileGrid>, budget: number) {
  const grid: TileGrid = { cols: 6, rows: 5, originX: 300, originY: 200, size0: 256, stride0: 192, level: 0, levelSize: 256, patchSize: [256, 256], mpp: 0.5, mppSource: 'slide', modelMpp: 0.5, ...overrides };
  const mask = createMaskRaster(grid, budget);
  const store = createResultStore(grid, manifest.output.classes.map((c) => c.name), []);
  const random = mulberry32(7);
  /** Stitches random classes into the square `tile` owns, and marks it done. */
  const finish = (tile: number) => {
    const r = ownedRect(grid, tile);
    for (let y = Math.floor((r.y - mask.originY) / mask.downsample); y < Math.ceil((r.y + r.height - mask.originY) / mask.downsample); y++) {
      for (let x = Math.floor((r.x - mask.originX) / mask.downsample); x < Math.ceil((r.x + r.width - mask.originX) / mask.downsample); x++) {
        if (x >= 0 && y >= 0 && x < mask.width && y < mask.height) mask.data[y * mask.width + x] = Math.floor(random() * 3);
      }
    }
    mask.version++;
    setTileResult(store, tile, [0, 1, 0], 1);
  };
  return { grid, mask, store, finish };
}

describe('MaskPainter', () => {
  const cases = [
    ['a mask coarser than level 0', {}, 200_000],
    ['a mask wider than MASK_DISPLAY_SIDE, sampled down for display', { cols: 24, rows: 2 }, 64 * 1024 * 1024],
  ] as const;
  for (const [name, overrides, budget] of cases) {
    it(`repaints only the tiles that arrive, and matches a full redraw (${name})`, () => {
      const { grid, mask, store, finish } = fixture(overrides, budget);
      const painter = new MaskPainter(mask, store, manifest);
      expect(painter.update()).toBeNull();
      expect(painter.image.data.every((v) => v === 0)).toBe(true);
      const full = segmentationMaskLayer(mask, manifest);
      expect(painter.rect0).toEqual(full.rect0);
      if (budget > 200_000) expect(full.image.width).toBeLessThan(mask.width); // sampled down
      expect([painter.image.width, painter.image.height]).toEqual([full.image.width, full.image.height]);

      const shuffle = mulberry32(11);
      const order = Array.from({ length: grid.cols * grid.rows }, (_, i) => i).filter((t) => t % 3 !== 1).map((t) => [shuffle(), t]).sort((a, b) => a[0] - b[0]).map(([, t]) => t);
      for (const [k, tile] of order.entries()) {
        finish(tile);
        if (k % 4 !== 3 && k !== order.length - 1) continue; // several tiles per update, as batches arrive
        const before = Uint8ClampedArray.from(painter.image.data);
        const dirty = painter.update()!;
        expect(dirty).not.toBeNull();
        const now = painter.image.data;
        // Nothing outside the dirty rectangle changed.
        for (let y = 0; y < painter.image.height; y++) {
          for (let x = 0; x < painter.image.width; x++) {
            if (x >= dirty.x && x < dirty.x + dirty.width && y >= dirty.y && y < dirty.y + dirty.height) continue;
            const o = (y * painter.image.width + x) * 4;
            if (now[o + 3] !== before[o + 3] || now[o] !== before[o]) throw new Error(`pixel (${x}, ${y}) changed outside the dirty rectangle`);
          }
        }
        expect(Buffer.from(now).equals(Buffer.from(segmentationMaskLayer(mask, manifest).image.data))).toBe(true);
      }
      expect(painter.update()).toBeNull();
    });
  }
});
