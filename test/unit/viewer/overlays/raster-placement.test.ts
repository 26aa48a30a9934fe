import { expect, test } from 'vitest';
import { affineFromCorners, applyAffine, composeAffine, invertAffine, mapRect, placeRaster, rasterPixelAt, type Affine } from '../../../../src/viewer/overlays/raster-placement';

/** A view of the slide: `zoom` CSS px per level-0 px, level-0 (cx, cy) at the centre of a w x h viewer, rotated by `deg` clockwise. */
function view(zoom: number, cx: number, cy: number, w: number, h: number, deg = 0): Affine {
  const r = (deg * Math.PI) / 180;
  const cos = Math.cos(r) * zoom;
  const sin = Math.sin(r) * zoom;
  // p ↦ R·zoom·(p - c) + (w/2, h/2)
  return { a: cos, b: sin, c: -sin, d: cos, e: w / 2 - (cos * cx - sin * cy), f: h / 2 - (sin * cx + cos * cy) };
}

test('affine helpers: corners, composition, inverse', () => {
  const m = affineFromCorners({ x: 10, y: 20 }, { x: 110, y: 20 }, { x: 10, y: 70 }, 4, 2);
  expect(applyAffine(m, 4, 2)).toEqual({ x: 110, y: 70 });
  const inv = invertAffine(m)!;
  const back = applyAffine(inv, 110, 70);
  expect(back.x).toBeCloseTo(4, 12);
  expect(back.y).toBeCloseTo(2, 12);
  const v = view(0.5, 100, 100, 800, 600, 30);
  const both = composeAffine(v, m);
  const p = applyAffine(both, 1, 1);
  const q = applyAffine(v, ...(Object.values(applyAffine(m, 1, 1)) as [number, number]));
  expect(p.x).toBeCloseTo(q.x, 9);
  expect(p.y).toBeCloseTo(q.y, 9);
  expect(invertAffine({ a: 1, b: 2, c: 2, d: 4, e: 0, f: 0 })).toBeNull();
});

test('rasterPixelAt: which cell holds a level-0 point', () => {
  const rect = { x: 1000, y: 2000, width: 400, height: 300 };
  expect(rasterPixelAt(rect, 4, 3, 1000, 2000)).toEqual({ i: 0, j: 0 });
  expect(rasterPixelAt(rect, 4, 3, 1099.9, 2100)).toEqual({ i: 0, j: 1 });
  expect(rasterPixelAt(rect, 4, 3, 1399.9, 2299.9)).toEqual({ i: 3, j: 2 });
  expect(rasterPixelAt(rect, 4, 3, 1400, 2100)).toBeNull();
  expect(rasterPixelAt(rect, 4, 3, 999, 2100)).toBeNull();
});

test('placeRaster: the whole raster in view maps its corners where the view puts the rectangle', () => {
  const rect = { x: 1000, y: 2000, width: 400, height: 300 };
  const v = view(0.5, 1200, 2150, 800, 600);
  const place = placeRaster(v, rect, 4, 3, 800, 600, 2)!;
  expect(place).toMatchObject({ sx: 0, sy: 0, sw: 4, sh: 3 });
  // Source (0, 0) → the rectangle's top-left, in device pixels (dpr 2); one cell is 100 level-0 px = 50 CSS px = 100 device px.
  expect(applyAffine(place.transform, 0, 0)).toEqual({ x: 2 * 300, y: 2 * 225 });
  expect(applyAffine(place.transform, 4, 3)).toEqual({ x: 2 * 500, y: 2 * 375 });
  const [tl, tr, br, bl] = mapRect(v, rect);
  expect([tl, tr, br, bl]).toEqual([
    { x: 300, y: 225 },
    { x: 500, y: 225 },
    { x: 500, y: 375 },
    { x: 300, y: 375 },
  ]);
});

test('placeRaster zoomed far in: only the cells in view, origin folded in without losing precision', () => {
  // A 400 x 250 heatmap of 256 px cells over a 102400 x 64000 slide, seen at 4 CSS px per level-0 px.
  const rect = { x: 0, y: 0, width: 102400, height: 64000 };
  const v = view(4, 70000.3, 41000.7, 1280, 800);
  const place = placeRaster(v, rect, 400, 250, 1280, 800, 1)!;
  // The view spans 320 x 200 level-0 px around (70000, 41000), x 69840-70160, y 40901-41101: cells 272-274
  // by 159-160, plus one on each side.
  expect(place.sx).toBe(271);
  expect(place.sy).toBe(158);
  expect(place.sx + place.sw).toBe(276);
  expect(place.sy + place.sh).toBe(162);
  // Where cell 274's left edge lands, computed directly.
  const edge = applyAffine(v, 274 * 256, 160 * 256);
  const drawn = applyAffine(place.transform, 274 - place.sx, 160 - place.sy);
  expect(Math.abs(drawn.x - edge.x)).toBeLessThan(1e-6);
  expect(Math.abs(drawn.y - edge.y)).toBeLessThan(1e-6);
});

test('placeRaster under rotation: corners follow the rotated view; nothing in view gives null', () => {
  const rect = { x: 0, y: 0, width: 400, height: 300 };
  const v = view(1, 200, 150, 800, 600, 90);
  const place = placeRaster(v, rect, 4, 3, 800, 600, 1)!;
  const tl = applyAffine(place.transform, 0, 0);
  // Rotated 90° clockwise about the centre: the top-left corner goes to the top-right of the rotated box.
  expect(tl.x).toBeCloseTo(400 + 150, 9);
  expect(tl.y).toBeCloseTo(300 - 200, 9);
  const tr = applyAffine(place.transform, 4, 0);
  expect(tr.x).toBeCloseTo(550, 9);
  expect(tr.y).toBeCloseTo(500, 9);
  expect(placeRaster(view(1, 5000, 5000, 800, 600), rect, 4, 3, 800, 600, 1)).toBeNull();
});
