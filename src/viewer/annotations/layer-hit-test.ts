import { shapeContains, shapePolygons, shapeVertices, type Annotation, type Point, type Shape } from '../../annotations';
import type { AnnotationHit } from './types';

/**
 * What is under the pointer, in level-0 px (DOM-free; the layer converts the tolerance from screen px):
 * first a vertex handle of a selected shape (what the move tool drags), then the topmost shape: inside an
 * area shape or near its outline, near a line's or polyline's segments, near one of a points annotation's
 * points. `candidates` are in drawing order (the last drawn is on top).
 */
export function hitAnnotations(candidates: readonly Annotation[], selection: ReadonlySet<string>, x: number, y: number, tolerance: number): AnnotationHit | null {
  const t2 = tolerance * tolerance;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const a = candidates[i];
    if (!selection.has(a.id)) continue;
    const vertices = shapeVertices(a.shape);
    let vertex = -1;
    let nearest = t2;
    for (let k = 0; k < vertices.length; k++) {
      const d = (vertices[k][0] - x) ** 2 + (vertices[k][1] - y) ** 2;
      if (d <= nearest) {
        nearest = d;
        vertex = k;
      }
    }
    if (vertex >= 0) return { id: a.id, vertex };
  }
  for (let i = candidates.length - 1; i >= 0; i--) {
    const a = candidates[i];
    if (shapeHit(a.shape, x, y, tolerance)) return { id: a.id, vertex: null };
  }
  return null;
}

/** Whether (x, y) is on the shape: inside it or within `tolerance` of its outline, segments or points. */
export function shapeHit(shape: Shape, x: number, y: number, tolerance: number): boolean {
  switch (shape.type) {
    case 'rectangle':
    case 'ellipse':
    case 'polygon':
      if (shapeContains(shape, x, y)) return true;
      return (shapePolygons(shape) ?? []).some((poly) => poly.some((ring) => nearPath(ring, true, x, y, tolerance)));
    case 'line':
    case 'polyline':
      return nearPath(shape.points, false, x, y, tolerance);
    case 'points':
      return shape.points.some(([px, py]) => (px - x) ** 2 + (py - y) ** 2 <= tolerance * tolerance);
  }
}

/** Whether (x, y) is within `tolerance` of a path's segments (a single point: of the point). */
export function nearPath(points: readonly Point[], closed: boolean, x: number, y: number, tolerance: number): boolean {
  const n = points.length;
  if (n === 1) return (points[0][0] - x) ** 2 + (points[0][1] - y) ** 2 <= tolerance * tolerance;
  const end = closed && n > 2 ? n : n - 1;
  for (let i = 0; i < end; i++) {
    const a = points[i];
    const b = points[(i + 1) % n];
    if (segmentDistance2(x, y, a[0], a[1], b[0], b[1]) <= tolerance * tolerance) return true;
  }
  return false;
}

/** Squared distance from (px, py) to segment (ax, ay)-(bx, by). */
export function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  const qx = ax + t * dx - px;
  const qy = ay + t * dy - py;
  return qx * qx + qy * qy;
}
