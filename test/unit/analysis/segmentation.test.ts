import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTileGrid, tileAt, tileRect, type TileGrid } from '../../../src/analysis/grid/tile-grid';
import {
  classAt,
  classFractions,
  classMapFromProbabilities,
  createMaskRaster,
  DEFAULT_MASK_BUDGET,
  gridExtent,
  labelComponents,
  NOT_ANALYSED,
  ownerTile,
  readMask,
  stitchTile,
  summarizeTile,
  summaryNames,
  type ClassMap,
  type Connectivity,
} from '../../../src/analysis/segmentation';
import type { SlideInfo } from '../../../src/slide/types';
import { fixture, HAVE_FIXTURES, SKIP_REASON } from '../../support/fixtures';
import { mulberry32 } from '../../support/seeded-random';

const NUCLEI_CLASSES = ['background', 'nucleus', 'boundary'];

function slideInfo(width: number, height: number, mpp: number): SlideInfo {
  return {
    name: 'synthetic',
    fileSize: 0,
    format: 'generic-tiff',
    vendor: 'generic-tiff',
    levels: [{ width, height, downsample: 1, tileWidth: 256, tileHeight: 256, compression: 'none', synthesized: false }],
    mppX: mpp,
    mppY: mpp,
    associated: [],
    properties: {},
  };
}

function shuffled(n: number, random: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** A level-0 class map of random overlapping discs of classes 1..classes-1 over class 0. */
function blobs(width: number, height: number, classes: number, count: number, random: () => number): Uint8Array {
  const map = new Uint8Array(width * height);
  for (let b = 0; b < count; b++) {
    const cx = random() * width;
    const cy = random() * height;
    const r = 2 + random() * 20;
    const c = 1 + Math.floor(random() * (classes - 1));
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(height, Math.ceil(cy + r)); y++)
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(width, Math.ceil(cx + r)); x++)
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) map[y * width + x] = c;
  }
  return map;
}

/**
 * What a model would output for a tile: the global map sampled at the centres of the patch's pixels. With
 * `noise`, pixels the tile does not own (by tileAt) get random classes instead, as a model's unreliable
 * margins would: neighbouring tiles then disagree wherever they overlap, which is what makes seams.
 */
function cutTile(global: Uint8Array, globalWidth: number, grid: TileGrid, index: number, classes: number, noise?: () => number): ClassMap {
  const [h, w] = grid.patchSize;
  const t = tileRect(grid, index);
  const data = new Uint8Array(w * h);
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++) {
      const x = t.x + Math.floor(((i + 0.5) * grid.size0) / w);
      const y = t.y + Math.floor(((j + 0.5) * grid.size0) / h);
      const owned = tileAt(grid, t.x + ((i + 0.5) * grid.size0) / w, t.y + ((j + 0.5) * grid.size0) / h) === index;
      data[j * w + i] = noise && !owned ? Math.floor(noise() * classes) : global[y * globalWidth + x];
    }
  return { width: w, height: h, classCount: classes, data };
}

describe('class maps', () => {
  it('argmax over classes-last probabilities, ties to the lower class, and class fractions', () => {
    // 2 x 2 pixels, 3 classes.
    const p = new Float32Array([0.1, 0.7, 0.2, 0.5, 0.5, 0, 0, 0.2, 0.8, 0.6, 0.3, 0.1]);
    const map = classMapFromProbabilities(p, [2, 2, 3]);
    expect(Array.from(map.data)).toEqual([1, 0, 2, 0]);
    expect(Array.from(classFractions(map))).toEqual([0.5, 0.25, 0.25]);
    expect(() => classMapFromProbabilities(p, [12])).toThrow(/segmentation/);
  });
});

describe('stitching: no seams, whatever order tiles arrive in, even where overlapping tiles disagree', () => {
  const cases = [
    { overlap: 0, mpp: 0.5, patch: 64 },
    { overlap: 0.25, mpp: 0.5, patch: 64 },
    { overlap: 0.3, mpp: 0.5, patch: 64 }, // stride 45: a half-pixel margin
    { overlap: 0.5, mpp: 0.5, patch: 64 },
    { overlap: 0.25, mpp: 0.25, patch: 32 }, // level 0 twice as fine as the model: raster at the model's scale
  ];
  for (const { overlap, mpp, patch } of cases) {
    it(`overlap ${overlap}, ${mpp} µm/px slide, ${patch} px patches at 0.5 µm/px`, () => {
      const [W, H] = [333, 251];
      const random = mulberry32(1000 + overlap * 100 + patch);
      const global = blobs(W, H, 4, 120, random);
      const grid = makeTileGrid(slideInfo(W, H, mpp), 0.5, [patch, patch], { overlap });
      const extent = gridExtent(grid);
      const tiles = Array.from({ length: grid.cols * grid.rows }, (_, i) => cutTile(global, W, grid, i, 4, random));
      const rasters = [0, 1, 2].map(() => {
        const raster = createMaskRaster(grid);
        for (const i of shuffled(tiles.length, random)) stitchTile(raster, grid, i, tiles[i]);
        return raster;
      });
      const ds = grid.size0 / patch;
      expect(rasters[0].downsample).toBe(ds);
      expect(rasters[0].width).toBe(Math.ceil(extent.width / ds));
      // The raster is the global map sampled at its pixels' centres, with nothing left unanalysed.
      const expected = new Uint8Array(rasters[0].width * rasters[0].height);
      for (let y = 0; y < rasters[0].height; y++)
        for (let x = 0; x < rasters[0].width; x++) expected[y * rasters[0].width + x] = global[Math.floor((y + 0.5) * ds) * W + Math.floor((x + 0.5) * ds)];
      for (const r of rasters) expect(Buffer.from(r.data).equals(Buffer.from(expected))).toBe(true);
      expect(rasters[0].data.includes(NOT_ANALYSED)).toBe(false);
    });
  }

  it('at a downsample that is not a whole number, the same raster in any order, every pixel inside the grid written', () => {
    const [W, H] = [400, 300];
    const random = mulberry32(7);
    const global = blobs(W, H, 3, 150, random);
    const grid = makeTileGrid(slideInfo(W, H, 0.5), 0.5, [64, 64], { overlap: 0.3 });
    const tiles = Array.from({ length: grid.cols * grid.rows }, (_, i) => cutTile(global, W, grid, i, 3, random));
    const budget = 13_000;
    const rasters = [0, 1, 2, 3].map(() => {
      const raster = createMaskRaster(grid, budget);
      for (const i of shuffled(tiles.length, random)) stitchTile(raster, grid, i, tiles[i]);
      return raster;
    });
    const r0 = rasters[0];
    expect(r0.width * r0.height).toBeLessThanOrEqual(budget);
    expect(Number.isInteger(r0.downsample)).toBe(false);
    for (const r of rasters.slice(1)) expect(Buffer.from(r.data).equals(Buffer.from(r0.data))).toBe(true);
    const extent = gridExtent(grid);
    for (let y = 0; y < r0.height; y++)
      for (let x = 0; x < r0.width; x++) {
        const inside = (x + 0.5) * r0.downsample < extent.width && (y + 0.5) * r0.downsample < extent.height;
        expect(r0.data[y * r0.width + x] !== NOT_ANALYSED).toBe(inside);
      }
  });

  it('ownership is tileAt, and readMask / classAt read the raster back by level-0 rectangle and point', () => {
    const grid = makeTileGrid(slideInfo(500, 400, 0.5), 0.5, [64, 64], { overlap: 0.3 });
    const random = mulberry32(3);
    for (let n = 0; n < 20_000; n++) {
      const x = Math.round((random() * 520 - 10) * 2) / 2;
      const y = Math.round((random() * 420 - 10) * 2) / 2;
      expect(ownerTile(grid, x, y)).toBe(tileAt(grid, x, y));
    }
    const raster = createMaskRaster(grid);
    const tile: ClassMap = { width: 64, height: 64, classCount: 3, data: new Uint8Array(64 * 64).fill(2) };
    stitchTile(raster, grid, 0, tile);
    const whole = readMask(raster, gridExtent(grid));
    expect(Buffer.from(whole.data).equals(Buffer.from(raster.data))).toBe(true);
    // Tile 0 (0..64, stride 45, margin 9.5) owns x and y below 9.5 + 45 = 54.5: pixel centres 0.5..53.5.
    const part = readMask(raster, { x: -10, y: 50, width: 20, height: 10 });
    expect([part.x, part.y, part.width, part.height]).toEqual([-10, 50, 20, 10]);
    expect(part.data[0]).toBe(NOT_ANALYSED); // left of the grid
    expect(part.data[10]).toBe(2);
    expect(part.data[5 * 20 + 10]).toBe(NOT_ANALYSED); // row 55: the next tile's, not stitched yet
    expect(classAt(raster, 53.9, 3)).toBe(2); // pixel 53, centre 53.5: tile 0's
    expect(classAt(raster, 54.1, 3)).toBe(NOT_ANALYSED); // pixel 54, centre 54.5: tile 1's
    expect(classAt(raster, -1, 3)).toBe(NOT_ANALYSED);
  });
});

/** Flood fill with an explicit stack: a slow, obviously right reference for labelComponents. */
function floodCount(mask: Uint8Array, width: number, height: number, connectivity: Connectivity): number[] {
  const seen = new Uint8Array(mask.length);
  const areas: number[] = [];
  const steps = connectivity === 8 ? [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => [dx, dy])) : [[1, 0], [-1, 0], [0, 1], [0, -1]];
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p] || seen[p]) continue;
    let area = 0;
    const stack = [p];
    seen[p] = 1;
    while (stack.length) {
      const q = stack.pop()!;
      area++;
      const [x, y] = [q % width, Math.floor(q / width)];
      for (const [dx, dy] of steps) {
        const [nx, ny] = [x + dx, y + dy];
        const n = ny * width + nx;
        if (nx >= 0 && ny >= 0 && nx < width && ny < height && mask[n] && !seen[n]) {
          seen[n] = 1;
          stack.push(n);
        }
      }
    }
    areas.push(area);
  }
  return areas.sort((a, b) => a - b);
}

/** skimage.draw.polygon's rule (skimage 0.19 _draw.pyx / _shared/geometry.pyx), ported: pixel (x, y) is in
 * when point_in_polygon of its integer coordinates says inside, on an edge or on a vertex. */
function pointInPolygon(xs: number[], ys: number[], x: number, y: number): boolean {
  const eps = 1e-12;
  const n = xs.length;
  let x1 = xs[n - 1] - x;
  let y1 = ys[n - 1] - y;
  let r = 0;
  let l = 0;
  for (let i = 0; i < n; i++) {
    const x0 = xs[i] - x;
    const y0 = ys[i] - y;
    if (x0 > -eps && x0 < eps && y0 > -eps && y0 < eps) return true;
    if (y0 > 0 !== y1 > 0 && (x0 * y1 - x1 * y0) / (y1 - y0) > 0) r++;
    if (y0 < 0 !== y1 < 0 && (x0 * y1 - x1 * y0) / (y1 - y0) < 0) l++;
    x1 = x0;
    y1 = y0;
  }
  return (r & 1) !== (l & 1) || (r & 1) === 1;
}

function rasterise(entry: { width: number; height: number; nuclei: number[][][] }): Uint8Array {
  const mask = new Uint8Array(entry.width * entry.height);
  for (const poly of entry.nuclei) {
    if (poly.length < 3) continue;
    const xs = poly.map((p) => p[0]);
    const ys = poly.map((p) => p[1]);
    // skimage's bounds: int(max(0, min)) to min(shape - 1, ceil(max)), inclusive.
    const [minX, maxX] = [Math.trunc(Math.max(0, Math.min(...xs))), Math.min(entry.width - 1, Math.ceil(Math.max(...xs)))];
    const [minY, maxY] = [Math.trunc(Math.max(0, Math.min(...ys))), Math.min(entry.height - 1, Math.ceil(Math.max(...ys)))];
    for (let y = minY; y <= maxY; y++) for (let x = minX; x <= maxX; x++) if (pointInPolygon(xs, ys, x, y)) mask[y * entry.width + x] = 1;
  }
  return mask;
}

interface ComponentsReference {
  files: Record<string, { width: number; height: number; foreground: number; conn8: { count: number; areas: number[] }; conn4: { count: number; areas: number[] } }>;
}

describe('connected components', () => {
  it('4- and 8-connectivity on a small mask; labels numbered in scan order', () => {
    // prettier-ignore
    const mask = new Uint8Array([
      1, 0, 0, 1,
      0, 1, 0, 1,
      0, 0, 0, 0,
      1, 1, 0, 1,
    ]);
    const c8 = labelComponents(mask, 4, 4);
    expect([c8.count, Array.from(c8.areas)]).toEqual([4, [2, 2, 2, 1]]);
    expect(Array.from(c8.labels)).toEqual([1, 0, 0, 2, 0, 1, 0, 2, 0, 0, 0, 0, 3, 3, 0, 4]);
    const c4 = labelComponents(mask, 4, 4, 4);
    expect([c4.count, Array.from(c4.areas)]).toEqual([5, [1, 2, 1, 2, 1]]);
  });

  it('equal a flood fill on random masks, and one 4-megapixel blob needs no recursion', () => {
    const random = mulberry32(11);
    for (const density of [0.3, 0.5, 0.6]) {
      const [w, h] = [97, 61];
      const mask = Uint8Array.from({ length: w * h }, () => (random() < density ? 1 : 0));
      for (const conn of [4, 8] as const) {
        const c = labelComponents(mask, w, h, conn);
        expect(Array.from(c.areas).sort((a, b) => a - b)).toEqual(floodCount(mask, w, h, conn));
      }
    }
    const big = new Uint8Array(2048 * 2048).fill(1);
    const t = performance.now();
    const c = labelComponents(big, 2048, 2048);
    const ms = performance.now() - t;
    expect([c.count, c.areas[0]]).toEqual([1, 2048 * 2048]);
    console.log(`labelComponents: 2048 x 2048 single blob in ${ms.toFixed(0)} ms`);
  });

  it.skipIf(!HAVE_FIXTURES)(`equal scipy.ndimage.label on the gbm40 hand-drawn nucleus outlines${HAVE_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
    const reference = JSON.parse(readFileSync(join(__dirname, 'components-reference.json'), 'utf8')) as ComponentsReference;
    const contours = JSON.parse(readFileSync(fixture('patches', 'gbm40-nuclei', 'nuclei-contours.json'), 'utf8')) as Record<string, { width: number; height: number; nuclei: number[][][] }>;
    for (const [file, ref] of Object.entries(reference.files)) {
      const mask = rasterise(contours[file]);
      expect(mask.reduce((a, b) => a + b, 0), `${file} foreground`).toBe(ref.foreground);
      for (const conn of [8, 4] as const) {
        const c = labelComponents(mask, ref.width, ref.height, conn);
        const r = conn === 8 ? ref.conn8 : ref.conn4;
        expect(c.count, `${file} ${conn}-connected count`).toBe(r.count);
        expect(Array.from(c.areas).sort((a, b) => a - b), `${file} ${conn}-connected areas`).toEqual(r.areas);
      }
    }
  });
});

/** Discs: class 1 (nucleus) within `inner`, class 2 (boundary) out to `outer`, on a map of `width`. */
function drawNuclei(map: Uint8Array, width: number, centres: [number, number][], inner: number, outer: number): void {
  const height = map.length / width;
  for (const [cx, cy] of centres)
    for (let y = Math.max(0, cy - outer); y <= Math.min(height - 1, cy + outer); y++)
      for (let x = Math.max(0, cx - outer); x <= Math.min(width - 1, cx + outer); x++) {
        const d2 = (x - cx) ** 2 + (y - cy) ** 2;
        if (d2 <= inner * inner) map[y * width + x] = 1;
        else if (d2 <= outer * outer) map[y * width + x] = 2;
      }
}

describe('per-tile summaries', () => {
  it('names the measures', () => {
    expect(summaryNames(NUCLEI_CLASSES)).toEqual(['area_fraction_background', 'area_fraction_nucleus', 'area_fraction_boundary', 'nuclei_per_mm2', 'nuclear_area_fraction']);
    expect(summaryNames(['Tumour stroma', 'Other'])).toEqual(['area_fraction_tumour_stroma', 'area_fraction_other']);
  });

  it('one 256 px tile at 0.5 µm/px with 10 discs, touching pairs kept apart by their boundary', () => {
    const grid = makeTileGrid(slideInfo(256, 256, 0.5), 0.5, [256, 256], { overlap: 0 });
    const data = new Uint8Array(256 * 256);
    // Three touching pairs (centres 12 px apart, radius 6) and four single discs.
    const centres: [number, number][] = [[30, 30], [42, 30], [100, 100], [100, 112], [200, 50], [212, 50], [60, 200], [150, 180], [220, 220], [128, 20]];
    drawNuclei(data, 256, centres, 4, 6);
    const s = summarizeTile(grid, 0, { width: 256, height: 256, classCount: 3, data }, NUCLEI_CLASSES);
    // A radius-6 disc at a whole-pixel centre covers 113 pixels, its radius-4 interior 49.
    const ownedMm2 = (256 * 256 * 0.5 * 0.5) / 1e6; // 0.016384 mm²
    expect(s[3]).toBeCloseTo(10 / ownedMm2, 2); // 610.35 nuclei per mm²
    expect(s[4]).toBeCloseTo((10 * 113 - 3 * 1) / 65536, 6); // each touching pair shares its touching pixel
    expect(s[1]).toBeCloseTo((10 * 49) / 65536, 6);
    expect(s[0] + s[1] + s[2]).toBeCloseTo(1, 6);
  });

  it('over a 5 x 4 grid with overlap 0.5 at 0.25 µm/px (model 0.5): every nucleus counted once, by the tile owning its centre', () => {
    const [W, H] = [768, 640];
    const grid = makeTileGrid(slideInfo(W, H, 0.25), 0.5, [128, 128], { overlap: 0.5 });
    expect([grid.cols, grid.rows, grid.size0, grid.stride0]).toEqual([5, 4, 256, 128]);
    const global = new Uint8Array(W * H);
    // Odd centres: a sampled disc's centroid then lands exactly on its centre, never on an owned edge (even).
    const centres: [number, number][] = [];
    for (let y = 21; y < H - 20; y += 38) for (let x = 23; x < W - 20; x += 38) centres.push([x, y]);
    drawNuclei(global, W, centres, 8, 12);
    let total = 0;
    for (let index = 0; index < grid.cols * grid.rows; index++) {
      const map = cutTile(global, W, grid, index, 3);
      const s = summarizeTile(grid, index, map, NUCLEI_CLASSES);
      // Brute force with tileAt: the owned class-map pixels (0.5 µm each), their nuclear pixels, owned centres.
      const t = tileRect(grid, index);
      let owned = 0;
      let nuclear = 0;
      for (let j = 0; j < 128; j++)
        for (let i = 0; i < 128; i++)
          if (tileAt(grid, t.x + 2 * i + 1, t.y + 2 * j + 1) === index) {
            owned++;
            if (map.data[j * 128 + i] > 0) nuclear++;
          }
      const expectedCount = centres.filter(([x, y]) => tileAt(grid, x, y) === index).length;
      const ownedMm2 = (owned * 0.5 * 0.5) / 1e6;
      expect(s[3], `tile ${index} nuclei/mm²`).toBeCloseTo(expectedCount / ownedMm2, 1);
      expect(s[4], `tile ${index} nuclear area fraction`).toBeCloseTo(nuclear / owned, 6);
      total += Math.round(s[3] * ownedMm2);
    }
    expect(total).toBe(centres.length);
  });
});

describe('the mask raster stays within its pixel budget', () => {
  it('a 1.2-gigapixel slide (33300 x 35604 at 0.25 µm/px) with the nuclei model', () => {
    const grid = makeTileGrid(slideInfo(33300, 35604, 0.25), 0.5, [256, 256], { overlap: 0.25 });
    const raster = createMaskRaster(grid);
    const extent = gridExtent(grid);
    const pixels = raster.width * raster.height;
    expect(pixels).toBeLessThanOrEqual(DEFAULT_MASK_BUDGET);
    expect(pixels).toBeGreaterThan(0.99 * DEFAULT_MASK_BUDGET); // no finer than needed, but not much coarser
    expect(raster.data.byteLength).toBe(pixels);
    expect(raster.downsample).toBeGreaterThan(grid.size0 / 256);
    expect(raster.width * raster.downsample).toBeGreaterThanOrEqual(extent.width);
    console.log(`1.2-gigapixel slide: grid ${grid.cols} x ${grid.rows}, extent ${extent.width} x ${extent.height}; mask ${raster.width} x ${raster.height} = ${(pixels / 2 ** 20).toFixed(2)} Mi px at ${raster.downsample.toFixed(4)} level-0 px per pixel`);
    // A tile stitched into the coarse raster reads back over its owned square.
    const index = 5 * grid.cols + 7;
    stitchTile(raster, grid, index, { width: 256, height: 256, classCount: 3, data: new Uint8Array(256 * 256).fill(1) });
    const t = tileRect(grid, index);
    const m = (grid.size0 - grid.stride0) / 2;
    const back = readMask(raster, { x: t.x + m, y: t.y + m, width: grid.stride0, height: grid.stride0 });
    expect(back.width * back.height).toBeGreaterThan(0);
    expect(back.data.every((v) => v === 1)).toBe(true);
  });

  it('a slide that fits gets the model’s own resolution; a small budget a coarser one', () => {
    const grid = makeTileGrid(slideInfo(2220, 2967, 0.25), 0.5, [256, 256], { overlap: 0 });
    expect(createMaskRaster(grid).downsample).toBe(2);
    const small = createMaskRaster(grid, 100_000);
    expect(small.width * small.height).toBeLessThanOrEqual(100_000);
    expect(small.downsample).toBeGreaterThan(2);
  });
});
