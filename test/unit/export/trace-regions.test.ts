import { describe, expect, it } from 'vitest';
import { simplifyRing } from '../../../src/export/geojson/simplify-ring';
import { signedArea, traceRegions, type Region, type Ring } from '../../../src/export/geojson/trace-regions';
import { mulberry32 } from '../../support/seeded-random';

// The truth is the mask itself: every pixel centre must fall inside exactly its own region's polygon
// (outer ring less holes, even-odd), and each polygon's area must be its pixel count.

function contains(ring: Ring, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 2; i < ring.length - 1; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inRegion(r: Region, x: number, y: number): boolean {
  return contains(r.outer, x, y) && !r.holes.some((h) => contains(h, x, y));
}

function area(r: Region): number {
  return -signedArea(r.outer) - r.holes.reduce((s, h) => s - -signedArea(h), 0);
}

function blobs(width: number, height: number, seed: number, density: number): Uint8Array {
  const random = mulberry32(seed);
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = random() < density ? 1 : 0;
  return mask;
}

function checkExact(mask: Uint8Array, width: number, height: number): Region[] {
  const regions = traceRegions(mask, width, height);
  const wrong: string[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const holders = regions.filter((r) => inRegion(r, x + 0.5, y + 0.5)).length;
      if (holders !== (mask[y * width + x] ? 1 : 0)) wrong.push(`(${x}, ${y}) is in ${holders} regions, mask ${mask[y * width + x]}`);
    }
  }
  expect(wrong.slice(0, 5)).toEqual([]);
  for (const r of regions) {
    expect(area(r)).toBe(r.pixels);
    for (const ring of [r.outer, ...r.holes]) expect(ring[0]).toEqual(ring[ring.length - 1]);
    // RFC 7946 winding in x-right, y-up terms: outer anticlockwise, holes clockwise (on screen the reverse).
    expect(signedArea(r.outer)).toBeLessThan(0);
    for (const h of r.holes) expect(signedArea(h)).toBeGreaterThan(0);
  }
  expect(regions.reduce((s, r) => s + r.pixels, 0)).toBe(mask.reduce((s, v) => s + (v ? 1 : 0), 0));
  return regions;
}

describe('traceRegions', () => {
  it('a square with a square hole: one region, one hole, 16 - 4 pixels', () => {
    const mask = new Uint8Array(36);
    for (let y = 1; y < 5; y++) for (let x = 1; x < 5; x++) mask[y * 6 + x] = 1;
    mask[2 * 6 + 2] = mask[2 * 6 + 3] = mask[3 * 6 + 2] = mask[3 * 6 + 3] = 0;
    const [r, ...rest] = checkExact(mask, 6, 6);
    expect(rest).toEqual([]);
    expect(r.holes).toHaveLength(1);
    expect(r.outer).toHaveLength(5);
    expect(r.pixels).toBe(12);
  });

  it('pixels touching at a corner are separate regions (4-connectivity), and the hole between is one', () => {
    const mask = Uint8Array.from([1, 0, 0, 1]);
    expect(checkExact(mask, 2, 2)).toHaveLength(2);
  });

  it('random masks of every density: each pixel in exactly its own polygon, areas exact, at the edges too', () => {
    for (const [seed, density] of [[1, 0.2], [2, 0.5], [3, 0.7], [4, 0.9]] as const) checkExact(blobs(40, 31, seed, density), 40, 31);
  });

  it('simplified within one pixel, a round region keeps its area within 2%', () => {
    const size = 64;
    const mask = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) mask[y * size + x] = (x - 31.5) ** 2 + ((y - 31.5) / 0.7) ** 2 < 20 ** 2 ? 1 : 0;
    const [r] = traceRegions(mask, size, size);
    const simple = simplifyRing(r.outer, 1);
    expect(simple.length).toBeLessThan(r.outer.length / 2);
    expect(Math.abs(-signedArea(simple) - r.pixels) / r.pixels).toBeLessThan(0.02);
    expect(simple[0]).toEqual(simple[simple.length - 1]);
  });
});
