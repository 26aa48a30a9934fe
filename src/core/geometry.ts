/** A rectangle; level-0 pixels unless the name of the variable holding it says otherwise (DESIGN.md, decision 1). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const r = Math.min(a.x + a.width, b.x + b.width);
  const bt = Math.min(a.y + a.height, b.y + b.height);
  return r > x && bt > y ? { x, y, width: r - x, height: bt - y } : null;
}

/** A level-0 point [x, y] (the annotations' Point is one). */
export type XY = readonly [number, number];

/** One polygon as rings of level-0 points, open (the last point is not the first repeated): outer ring, then holes. */
export type Rings = readonly (readonly XY[])[];

/**
 * Even-odd rule over every ring of every polygon (holes are holes; overlapping polygons cancel, as in
 * GeoJSON they may not). Here rather than in annotations/ so that analysis/ (which may not import
 * annotations/) tests a point against a region's outline with the same rule.
 */
export function pointInPolygons(x: number, y: number, polygons: readonly Rings[]): boolean {
  let inside = false;
  for (const poly of polygons) for (const ring of poly) if (pointInRing(x, y, ring)) inside = !inside;
  return inside;
}

/** Crossing number of one ring (open or closed). */
export function pointInRing(x: number, y: number, ring: readonly XY[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
