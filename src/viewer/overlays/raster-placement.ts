import type { AffineLike } from '../../render';
import type { Rect } from '../../core';

/**
 * Where a raster lands on screen, as plain 2-D affine maths (no DOM, no OpenSeadragon), so that it can be
 * checked in Node. The view maps level-0 pixels to the viewer element's CSS pixels by an affine map (zoom,
 * pan, rotation, flip; see view-mapping.ts); a raster over a level-0 rectangle adds a scale and offset.
 */

export interface Point {
  x: number;
  y: number;
}

/** x' = a·x + c·y + e, y' = b·x + d·y + f: the argument order of CanvasRenderingContext2D.setTransform (render/'s type, shared). */
export type Affine = AffineLike;

export function applyAffine(m: Affine, x: number, y: number): Point {
  return { x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f };
}

/** `outer` after `inner`: p ↦ outer(inner(p)). */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  return {
    a: outer.a * inner.a + outer.c * inner.b,
    b: outer.b * inner.a + outer.d * inner.b,
    c: outer.a * inner.c + outer.c * inner.d,
    d: outer.b * inner.c + outer.d * inner.d,
    e: outer.a * inner.e + outer.c * inner.f + outer.e,
    f: outer.b * inner.e + outer.d * inner.f + outer.f,
  };
}

export function invertAffine(m: Affine): Affine | null {
  const det = m.a * m.d - m.b * m.c;
  if (!det || !Number.isFinite(det)) return null;
  const a = m.d / det;
  const b = -m.b / det;
  const c = -m.c / det;
  const d = m.a / det;
  return { a, b, c, d, e: -(a * m.e + c * m.f), f: -(b * m.e + d * m.f) };
}

/** The affine map sending (0, 0), (w, 0) and (0, h) to `origin`, `xEnd` and `yEnd`. */
export function affineFromCorners(origin: Point, xEnd: Point, yEnd: Point, w: number, h: number): Affine {
  return { a: (xEnd.x - origin.x) / w, b: (xEnd.y - origin.y) / w, c: (yEnd.x - origin.x) / h, d: (yEnd.y - origin.y) / h, e: origin.x, f: origin.y };
}

/** Raster pixels (u, v) of a width x height raster → level-0 pixels of `rect0`. */
export function rasterToLevel0(rect0: Rect, width: number, height: number): Affine {
  return { a: rect0.width / width, b: 0, c: 0, d: rect0.height / height, e: rect0.x, f: rect0.y };
}

/** The raster pixel holding level-0 point (x0, y0), or null outside the rectangle. */
export function rasterPixelAt(rect0: Rect, width: number, height: number, x0: number, y0: number): { i: number; j: number } | null {
  const i = Math.floor(((x0 - rect0.x) / rect0.width) * width);
  const j = Math.floor(((y0 - rect0.y) / rect0.height) * height);
  return i >= 0 && j >= 0 && i < width && j < height ? { i, j } : null;
}

/** A rectangle's four corners through `m` (top-left, top-right, bottom-right, bottom-left of the rectangle). */
export function mapRect(m: Affine, r: Rect): [Point, Point, Point, Point] {
  return [applyAffine(m, r.x, r.y), applyAffine(m, r.x + r.width, r.y), applyAffine(m, r.x + r.width, r.y + r.height), applyAffine(m, r.x, r.y + r.height)];
}

/** The axis-aligned box around some points. */
export function boundsOf(points: Point[]): Rect {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/** How to draw a raster: source sub-rectangle (raster pixels) and the canvas transform for it. */
export interface RasterPlacement {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
  /** Maps source pixel (sx + u, sy + v) to device pixels as (u, v) ↦ transform(u, v). */
  transform: Affine;
}

/**
 * Which part of a raster a view shows and how to draw it on a canvas of viewW x viewH CSS pixels at `dpr`
 * device pixels per CSS pixel; null when none of it is in view.
 *
 * Why a sub-rectangle and a shifted origin: zoomed far in, the raster's origin lies hundreds of thousands
 * of device pixels off-canvas; folding that offset into the transform in double precision here (rather
 * than letting the canvas add two huge float32 numbers) keeps cell edges where they belong, and drawing
 * only the cells in view keeps a frame's cost to the canvas's size.
 */
export function placeRaster(slideToView: Affine, rect0: Rect, width: number, height: number, viewW: number, viewH: number, dpr: number): RasterPlacement | null {
  const rasterToView = composeAffine(slideToView, rasterToLevel0(rect0, width, height));
  const inverse = invertAffine(rasterToView);
  if (!inverse || width <= 0 || height <= 0 || viewW <= 0 || viewH <= 0) return null;
  // The view's corners in raster pixels; the cells under them, one more on each side for safety.
  const seen = boundsOf(mapRect(inverse, { x: 0, y: 0, width: viewW, height: viewH }));
  const sx = Math.max(0, Math.floor(seen.x) - 1);
  const sy = Math.max(0, Math.floor(seen.y) - 1);
  const ex = Math.min(width, Math.ceil(seen.x + seen.width) + 1);
  const ey = Math.min(height, Math.ceil(seen.y + seen.height) + 1);
  if (ex <= sx || ey <= sy) return null;
  const m = rasterToView;
  const origin = applyAffine(m, sx, sy);
  return {
    sx,
    sy,
    sw: ex - sx,
    sh: ey - sy,
    transform: { a: m.a * dpr, b: m.b * dpr, c: m.c * dpr, d: m.d * dpr, e: origin.x * dpr, f: origin.y * dpr },
  };
}
