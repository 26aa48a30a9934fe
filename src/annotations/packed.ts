import type { Point, Shape } from './types';

/**
 * A shape with each list of points packed in one Float64Array (x0, y0, x1, y1, …): what crosses a
 * structured clone (IndexedDB's put, a worker's postMessage) as a block instead of a million small arrays.
 * 10,000 nuclei of 100 vertices as [x, y] pairs froze the page for 1.6 s when IndexedDB copied them (the
 * annotations benchmark, 2 busy cores); packed, they are 10,000 typed arrays.
 */
export type PackedShape =
  | Extract<Shape, { type: 'rectangle' | 'ellipse' }>
  | { type: 'line' | 'polyline' | 'points'; points: Float64Array }
  | { type: 'polygon'; polygons: Float64Array[][] };

/** A packed shape, or one whose lists are still [x, y] pairs (annotation records saved before packing). */
export type PackedOrPlainShape =
  | Extract<Shape, { type: 'rectangle' | 'ellipse' }>
  | { type: 'line' | 'polyline' | 'points'; points: Float64Array | Point[] }
  | { type: 'polygon'; polygons: (Float64Array | Point[])[][] };

function pack(points: readonly Point[]): Float64Array {
  const out = new Float64Array(points.length * 2);
  for (let i = 0; i < points.length; i++) {
    out[2 * i] = points[i][0];
    out[2 * i + 1] = points[i][1];
  }
  return out;
}

function unpack(points: Float64Array | Point[]): Point[] {
  if (!(points instanceof Float64Array)) return points;
  const out: Point[] = new Array(points.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = [points[2 * i], points[2 * i + 1]];
  return out;
}

/** The shape with its points packed. */
export function packShape(shape: Shape): PackedShape {
  switch (shape.type) {
    case 'rectangle':
    case 'ellipse':
      return shape;
    case 'polygon':
      return { type: 'polygon', polygons: shape.polygons.map((rings) => rings.map(pack)) };
    default:
      return { type: shape.type, points: pack(shape.points) };
  }
}

/** The shape as the store holds it, from a packed one (or one with [x, y] pairs, taken as it is). */
export function unpackShape(stored: PackedOrPlainShape): Shape {
  switch (stored.type) {
    case 'rectangle':
    case 'ellipse':
      return stored;
    case 'polygon':
      return { type: 'polygon', polygons: stored.polygons.map((rings) => rings.map(unpack)) };
    case 'line':
      return { type: 'line', points: unpack(stored.points) as [Point, Point] };
    default:
      return { type: stored.type, points: unpack(stored.points) };
  }
}
