import { pointInPolygons, pointInRing, type Rect } from '../core';
import type { OpenRing, Point, PolygonRings, Shape } from './types';

/**
 * Vertices an ellipse becomes when it must be a polygon (GeoJSON, the analysis region, hit tests of a
 * rotated view): QuPath's EllipseROI does the same with its own count. 128 keeps the polygon's area within
 * 0.05% of the ellipse's (πab).
 */
export const ELLIPSE_VERTICES = 128;

/** The shapes that have an inside (area, perimeter); lines, polylines and points do not. */
export function hasArea(shape: Shape): shape is Extract<Shape, { type: 'rectangle' | 'ellipse' | 'polygon' }> {
  return shape.type === 'rectangle' || shape.type === 'ellipse' || shape.type === 'polygon';
}

/** An area shape as polygons (outer ring then holes, open rings); null for lines, polylines and points. */
export function shapePolygons(shape: Shape): PolygonRings[] | null {
  switch (shape.type) {
    case 'rectangle': {
      const { x, y, width: w, height: h } = shape;
      return [[[[x, y], [x + w, y], [x + w, y + h], [x, y + h]]]];
    }
    case 'ellipse':
      return [[ellipseRing(shape.x, shape.y, shape.width, shape.height, ELLIPSE_VERTICES)]];
    case 'polygon':
      return shape.polygons;
    default:
      return null;
  }
}

/** The ellipse inside box (x, y, w, h) as `n` vertices, starting at the top, clockwise on screen. */
export function ellipseRing(x: number, y: number, w: number, h: number, n: number): OpenRing {
  const cx = x + w / 2;
  const cy = y + h / 2;
  const ring: OpenRing = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    ring.push([cx + (w / 2) * Math.sin(a), cy - (h / 2) * Math.cos(a)]);
  }
  return ring;
}

/** Every vertex of a shape, in drawing order (rectangles and ellipses: their box's four corners). */
export function shapeVertices(shape: Shape): Point[] {
  switch (shape.type) {
    case 'rectangle':
    case 'ellipse': {
      const { x, y, width: w, height: h } = shape;
      return [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];
    }
    case 'polygon':
      return shape.polygons.flat(2 as 1) as unknown as Point[];
    default:
      return shape.points;
  }
}

/** How many vertices a shape has (what the "1,000,000 vertices" of a benchmark counts). */
export function vertexCount(shape: Shape): number {
  if (shape.type === 'polygon') return shape.polygons.reduce((n, p) => n + p.reduce((m, r) => m + r.length, 0), 0);
  if (shape.type === 'rectangle' || shape.type === 'ellipse') return 4;
  return shape.points.length;
}

/** The smallest level-0 rectangle holding the shape. */
export function shapeBounds(shape: Shape): Rect {
  if (shape.type === 'rectangle' || shape.type === 'ellipse') return { x: shape.x, y: shape.y, width: shape.width, height: shape.height };
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  const visit = (p: Point) => {
    if (p[0] < x0) x0 = p[0];
    if (p[0] > x1) x1 = p[0];
    if (p[1] < y0) y0 = p[1];
    if (p[1] > y1) y1 = p[1];
  };
  if (shape.type === 'polygon') for (const poly of shape.polygons) for (const p of poly[0] ?? []) visit(p);
  else for (const p of shape.points) visit(p);
  return x0 <= x1 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : { x: 0, y: 0, width: 0, height: 0 };
}

// pointInPolygons and pointInRing live in core/ (analysis/ tests points against regions with them too).
export { pointInPolygons, pointInRing };

/** Whether level-0 point (x, y) is inside an area shape (exactly, for rectangles and ellipses). */
export function shapeContains(shape: Shape, x: number, y: number): boolean {
  switch (shape.type) {
    case 'rectangle':
      return x >= shape.x && x <= shape.x + shape.width && y >= shape.y && y <= shape.y + shape.height;
    case 'ellipse': {
      const rx = shape.width / 2;
      const ry = shape.height / 2;
      if (rx <= 0 || ry <= 0) return false;
      const dx = (x - shape.x - rx) / rx;
      const dy = (y - shape.y - ry) / ry;
      return dx * dx + dy * dy <= 1;
    }
    case 'polygon':
      return pointInPolygons(x, y, shape.polygons);
    default:
      return false;
  }
}

/** The shape moved by (dx, dy) level-0 pixels (a new object; the old one is left as it was, for undo). */
export function translateShape(shape: Shape, dx: number, dy: number): Shape {
  const move = (p: Point): Point => [p[0] + dx, p[1] + dy];
  switch (shape.type) {
    case 'rectangle':
    case 'ellipse':
      return { ...shape, x: shape.x + dx, y: shape.y + dy };
    case 'polygon':
      return { type: 'polygon', polygons: shape.polygons.map((poly) => poly.map((ring) => ring.map(move))) };
    case 'line':
      return { type: 'line', points: [move(shape.points[0]), move(shape.points[1])] };
    default:
      return { ...shape, points: shape.points.map(move) };
  }
}

/**
 * The shape with vertex `index` (as numbered by shapeVertices) moved to `to`. A rectangle's or ellipse's
 * corner drags its box, the opposite corner staying put.
 */
export function moveVertex(shape: Shape, index: number, to: Point): Shape {
  switch (shape.type) {
    case 'rectangle':
    case 'ellipse': {
      const corners = shapeVertices(shape);
      const opposite = corners[(index + 2) % 4];
      const x = Math.min(opposite[0], to[0]);
      const y = Math.min(opposite[1], to[1]);
      return { ...shape, x, y, width: Math.abs(to[0] - opposite[0]), height: Math.abs(to[1] - opposite[1]) };
    }
    case 'polygon': {
      let i = index;
      const polygons = shape.polygons.map((poly) =>
        poly.map((ring) => {
          const hit = i >= 0 && i < ring.length ? i : -1;
          i -= ring.length;
          return hit < 0 ? ring : ring.map((p, k) => (k === hit ? ([to[0], to[1]] as Point) : p));
        }),
      );
      return { type: 'polygon', polygons };
    }
    case 'line':
      return { type: 'line', points: index === 0 ? [to, shape.points[1]] : [shape.points[0], to] };
    default:
      return { ...shape, points: shape.points.map((p, k) => (k === index ? to : p)) };
  }
}
