import polygonClipping from 'polygon-clipping';
import { TesseraError } from '../core';
import { shapePolygons } from './geometry';
import type { OpenRing, Point, PolygonRings, Shape } from './types';

/**
 * The brush's geometry (DOM-free): a stroke is the union of capsules (a segment widened by the radius,
 * round at both ends) along the pointer's path; painting adds it to an area shape, Alt-painting takes it
 * away. Boolean operations are polygon-clipping's (Martinez-Rueda sweep line, robust predicates).
 */

/**
 * Vertices of a full circle in a capsule's round ends. 48 keeps the circle's area within 0.3% of πr² and
 * its vertices just over radius/8 apart, so the thinning below leaves them all.
 */
const CIRCLE_VERTICES = 48;

/** Vertices closer than radius / THIN_FRACTION to the previous kept one are dropped from results. */
const THIN_FRACTION = 8;

/** One capsule around segment a→b (a disc when a = b), as one convex ring. */
export function capsule(a: Point, b: Point, radius: number): PolygonRings {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const angle = dx === 0 && dy === 0 ? 0 : Math.atan2(dy, dx);
  const half = CIRCLE_VERTICES / 2;
  const ring: OpenRing = [];
  // Around b from angle-90° to angle+90°, then around a from angle+90° to angle+270°: convex, no repeats.
  for (let i = 0; i <= half; i++) {
    const t = angle - Math.PI / 2 + (Math.PI * i) / half;
    ring.push([b[0] + radius * Math.cos(t), b[1] + radius * Math.sin(t)]);
  }
  for (let i = 0; i <= half; i++) {
    const t = angle + Math.PI / 2 + (Math.PI * i) / half;
    ring.push([a[0] + radius * Math.cos(t), a[1] + radius * Math.sin(t)]);
  }
  return [dropRepeats(ring, 1e-9)];
}

/** The area a brush of `radius` covers along `points` (level-0 px): non-overlapping polygons with holes. */
export function strokePolygons(points: readonly Point[], radius: number): PolygonRings[] {
  if (!points.length || !(radius > 0)) return [];
  const pieces: PolygonRings[][] = [];
  if (points.length === 1) pieces.push([capsule(points[0], points[0], radius)]);
  for (let i = 1; i < points.length; i++) pieces.push([capsule(points[i - 1], points[i], radius)]);
  return thinPolygons(unionAll(pieces), radius / THIN_FRACTION);
}

/**
 * Union of many pieces by halves: polygon-clipping's one sweep over hundreds of heavily overlapping
 * capsules took 7 s for a 400-point drag here; joining halves, whose outlines are small, took 1 s.
 */
function unionAll(pieces: readonly PolygonRings[][]): PolygonRings[] {
  if (pieces.length === 1) return pieces[0];
  const mid = pieces.length >> 1;
  return clip('union', unionAll(pieces.slice(0, mid)), [unionAll(pieces.slice(mid))]);
}

/**
 * Two area geometries joined (the brush's stroke so far and its next capsule): used while painting, where
 * the stroke grows one capsule at a time. Not thinned, so that repeated unions lose nothing.
 */
export function unionPolygons(a: readonly PolygonRings[], b: readonly PolygonRings[]): PolygonRings[] {
  if (!a.length) return b.map(copyPolygon);
  if (!b.length) return a.map(copyPolygon);
  return clip('union', a, [b]);
}

/**
 * `shape` with the stroke added, as a polygon shape (a rectangle or an ellipse brushed becomes a polygon).
 * A shape without an inside (line, polyline, points) counts as empty: the result is the stroke alone.
 */
export function addToShape(shape: Shape, stroke: readonly PolygonRings[], radius?: number): Shape {
  const base = shapePolygons(shape) ?? [];
  const polygons = base.length ? clip('union', base, [stroke]) : stroke.length ? clip('union', stroke, []) : [];
  return { type: 'polygon', polygons: thinPolygons(polygons, minSpacing(stroke, radius)) };
}

/** `shape` with the stroke taken away, as a polygon shape; null when nothing is left (or it had no inside). */
export function eraseFromShape(shape: Shape, stroke: readonly PolygonRings[], radius?: number): Shape | null {
  const base = shapePolygons(shape);
  if (!base?.length) return null;
  if (!stroke.length) return { type: 'polygon', polygons: base.map(copyPolygon) };
  const polygons = thinPolygons(clip('difference', base, [stroke]), minSpacing(stroke, radius));
  return polygons.length ? { type: 'polygon', polygons } : null;
}

/**
 * Drops vertices closer than `minDistance` to the previous kept one (a brushed outline gains many tiny
 * edges where capsules meet); rings left with fewer than 3 vertices go, and a polygon whose outer ring went
 * goes with its holes.
 */
export function thinPolygons(polygons: readonly PolygonRings[], minDistance: number): PolygonRings[] {
  const out: PolygonRings[] = [];
  for (const poly of polygons) {
    const rings = poly.map((ring) => dropRepeats(ring, minDistance));
    if (!rings.length || rings[0].length < 3) continue;
    out.push([rings[0], ...rings.slice(1).filter((r) => r.length >= 3)]);
  }
  return out;
}

type Operation = 'union' | 'difference';

/** polygon-clipping's operation on open rings; its closed rings come back open (the annotations' convention). */
function clip(op: Operation, subject: readonly PolygonRings[] | PolygonRings, others: readonly (readonly PolygonRings[] | PolygonRings)[]): PolygonRings[] {
  try {
    const geoms = [subject, ...others] as unknown as Parameters<typeof polygonClipping.union>;
    const result = op === 'union' ? polygonClipping.union(...geoms) : polygonClipping.difference(...geoms);
    return result.map((poly) => poly.map((ring) => openRing(ring as Point[])).filter((r) => r.length >= 3)).filter((p) => p.length);
  } catch (e) {
    throw new TesseraError('invalid-argument', 'The brush could not combine this shape with the stroke (its outline may cross itself).', e instanceof Error ? e.message : String(e));
  }
}

/** The thinning distance: radius/8 when the radius is known, else estimated from the stroke's size. */
function minSpacing(stroke: readonly PolygonRings[], radius?: number): number {
  if (radius && radius > 0) return radius / THIN_FRACTION;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const poly of stroke)
    for (const [x, y] of poly[0] ?? []) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  // A stroke is at least one brush wide: its narrower side is at least 2 radii.
  const narrow = Math.min(x1 - x0, y1 - y0);
  return Number.isFinite(narrow) && narrow > 0 ? narrow / 2 / THIN_FRACTION : 0;
}

function openRing(ring: Point[]): OpenRing {
  const n = ring.length;
  const closed = n > 1 && ring[0][0] === ring[n - 1][0] && ring[0][1] === ring[n - 1][1];
  return (closed ? ring.slice(0, n - 1) : ring).map((p) => [p[0], p[1]] as Point);
}

/** Keeps a vertex only when it is at least `minDistance` from the previous kept one (and from the first, closing). */
function dropRepeats(ring: readonly Point[], minDistance: number): OpenRing {
  const out: OpenRing = [];
  const d2 = minDistance * minDistance;
  for (const p of ring) {
    const last = out[out.length - 1];
    if (!last || (p[0] - last[0]) ** 2 + (p[1] - last[1]) ** 2 >= d2) out.push(p);
  }
  while (out.length > 1 && (out[0][0] - out[out.length - 1][0]) ** 2 + (out[0][1] - out[out.length - 1][1]) ** 2 < d2) out.pop();
  return out;
}

function copyPolygon(poly: PolygonRings): PolygonRings {
  return poly.map((ring) => ring.map((p) => [p[0], p[1]] as Point));
}
