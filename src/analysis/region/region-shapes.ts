import { pointInPolygons, TesseraError, type Rect, type Rings, type XY } from '../../core';
import type { TileGrid } from '../grid/tile-grid';
import { axisExtent, ownerAlong, type Axis } from '../segmentation/ownership';

/**
 * An outline to analyse inside, in level-0 pixels: the area shapes of annotations/ as plain data
 * (analysis/ may not import annotations/, DESIGN.md; an annotation's rectangle, ellipse or polygon shape
 * is one of these as it is). Rectangles and ellipses are kept exact, not as polygons, so that a tile centre
 * near an ellipse's edge is decided as annotations/shapeContains decides it.
 */
export type RegionOutline =
  | { type: 'rectangle'; x: number; y: number; width: number; height: number }
  /** The ellipse inside this box. */
  | { type: 'ellipse'; x: number; y: number; width: number; height: number }
  /** Polygons (outer ring, then holes; open rings), even-odd. */
  | { type: 'polygon'; polygons: readonly Rings[] };

/** One shape of a run's region: the annotation it came from (its id, for the per-annotation figures) and its outline. */
export interface RegionShape {
  id: string;
  shape: RegionOutline;
}

/**
 * Which tiles a shape takes.
 * - `centre`: those whose centre lies inside (as a drawn rectangle's region: two shapes side by side share
 *   no tile, and a tile's probabilities describe mostly what is inside). Classification and segmentation.
 * - `owned`: those whose owned area (tileAt's rule: the part of the tile whose cells it keeps) meets the
 *   shape. Detection: a cell is kept only by the tile owning its centre, so a cell inside the outline near
 *   its edge may belong to a tile whose centre is outside; taking every tile whose owned area meets the
 *   shape finds every cell inside the outline, and no tile is read that could not hold one.
 */
export type RegionRule = 'centre' | 'owned';

/** A run's region of shapes, planned over its grid: per shape its tiles, and all of them once. */
export interface AnalysisRegion {
  shapes: RegionShape[];
  rule: RegionRule;
  /** Per shape, its tiles, ascending. */
  tiles: Int32Array[];
  /**
   * Per shape, its tiles whose owned area the outline crosses (owned rule only; empty for centre): cells
   * there are tested one by one, those of the other tiles all lie inside.
   */
  edgeTiles: Set<number>[];
  /** Every shape's tiles, ascending, each once: what the run analyses. */
  union: Int32Array;
}

function finite(...v: number[]): boolean {
  return v.every((n) => typeof n === 'number' && Number.isFinite(n));
}

/**
 * Refuses what cannot be a region, in words (a hand-edited saved analysis, a caller's mistake): an empty
 * list, a shape without an inside, coordinates that are not numbers. Returns plain copies (id and outline
 * only), so what is saved with an analysis is exactly the region.
 */
export function validateRegionShapes(shapes: readonly RegionShape[]): RegionShape[] {
  if (!Array.isArray(shapes) || shapes.length === 0) throw new TesseraError('invalid-argument', 'No annotation with an inside is selected: select a rectangle, an ellipse or a polygon to analyse inside it (lines and points have no inside).');
  return shapes.map((s, i) => {
    const o = s?.shape as RegionOutline | undefined;
    const which = `Region shape ${i + 1}`;
    if (o?.type === 'rectangle' || o?.type === 'ellipse') {
      if (!finite(o.x, o.y, o.width, o.height) || !(o.width > 0 && o.height > 0)) throw new TesseraError('invalid-argument', `${which} (${o.type}) has no area: its width and height must be positive numbers.`);
      return { id: String(s.id), shape: { type: o.type, x: o.x, y: o.y, width: o.width, height: o.height } };
    }
    if (o?.type === 'polygon') {
      const ok = Array.isArray(o.polygons) && o.polygons.length > 0 && o.polygons.every((p) => Array.isArray(p) && p.length > 0 && p.every((r) => Array.isArray(r) && r.length >= 3 && r.every((q) => Array.isArray(q) && finite(q[0], q[1]))));
      if (!ok) throw new TesseraError('invalid-argument', `${which} (polygon) is not a polygon: each ring needs at least three points with numeric x and y.`);
      return { id: String(s.id), shape: { type: 'polygon', polygons: o.polygons.map((p) => p.map((r) => r.map((q): XY => [q[0], q[1]]))) } };
    }
    throw new TesseraError('invalid-argument', `${which} is a ${String((o as { type?: unknown } | undefined)?.type ?? 'shape')} and has no inside; only rectangles, ellipses and polygons make a region.`);
  });
}

/**
 * Whether level-0 point (x, y) lies inside the outline. Rectangles are half-open ([x, x + width)), as the
 * drawn rectangle region is (analysis/run/tile-order.ts), ellipses closed (as annotations/shapeContains),
 * polygons by the even-odd rule.
 */
export function outlineContains(o: RegionOutline, x: number, y: number): boolean {
  switch (o.type) {
    case 'rectangle':
      return x >= o.x && x < o.x + o.width && y >= o.y && y < o.y + o.height;
    case 'ellipse': {
      const rx = o.width / 2;
      const ry = o.height / 2;
      const dx = (x - o.x - rx) / rx;
      const dy = (y - o.y - ry) / ry;
      return dx * dx + dy * dy <= 1;
    }
    case 'polygon':
      return pointInPolygons(x, y, o.polygons);
  }
}

/** The outline's area in level-0 px² (rectangles and ellipses exactly; polygons by the shoelace sum, holes taken out). */
export function outlineAreaPx(o: RegionOutline): number {
  switch (o.type) {
    case 'rectangle':
      return o.width * o.height;
    case 'ellipse':
      return (Math.PI * o.width * o.height) / 4;
    case 'polygon': {
      let area = 0;
      for (const poly of o.polygons) poly.forEach((ring, i) => (area += (i === 0 ? 1 : -1) * Math.abs(shoelace(ring))));
      return area;
    }
  }
}

function shoelace(ring: readonly XY[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  return s / 2;
}

/** The outline's bounding box in level-0 px. */
export function outlineBounds(o: RegionOutline): Rect {
  if (o.type !== 'polygon') return { x: o.x, y: o.y, width: o.width, height: o.height };
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const poly of o.polygons) {
    for (const [x, y] of poly[0] ?? []) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** A tile's centre, level-0 px. */
function tileCentre(grid: TileGrid, t: number): XY {
  const col = t % grid.cols;
  const row = Math.floor(t / grid.cols);
  return [grid.originX + col * grid.stride0 + grid.size0 / 2, grid.originY + row * grid.stride0 + grid.size0 / 2];
}

/** The level-0 [start, end) column (or row) `cell` owns: its stride band, and the outer margin at the grid's edges (tileAt's rule). */
function ownedInterval(grid: TileGrid, axis: Axis, cell: number): [number, number] {
  const count = axis === 'x' ? grid.cols : grid.rows;
  const origin = axis === 'x' ? grid.originX : grid.originY;
  const margin = (grid.size0 - grid.stride0) / 2;
  const [start, end] = axisExtent(grid, axis);
  return [cell === 0 ? start : origin + margin + cell * grid.stride0, cell === count - 1 ? end : origin + margin + (cell + 1) * grid.stride0];
}

/** The area tile `t` owns (the cells whose centres it keeps), level-0 px, as [x0, x1) x [y0, y1). */
export function ownedBox(grid: TileGrid, t: number): Rect {
  const [x0, x1] = ownedInterval(grid, 'x', t % grid.cols);
  const [y0, y1] = ownedInterval(grid, 'y', Math.floor(t / grid.cols));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Columns (or rows) whose centre lies in [lo, hi]. */
function centreRange(grid: TileGrid, axis: Axis, lo: number, hi: number): [number, number] {
  const count = axis === 'x' ? grid.cols : grid.rows;
  const origin = (axis === 'x' ? grid.originX : grid.originY) + grid.size0 / 2;
  return [Math.max(0, Math.ceil((lo - origin) / grid.stride0)), Math.min(count - 1, Math.floor((hi - origin) / grid.stride0))];
}

/** Columns (or rows) whose owned band meets [lo, hi]. */
function ownedRange(grid: TileGrid, axis: Axis, lo: number, hi: number): [number, number] {
  const count = axis === 'x' ? grid.cols : grid.rows;
  return [Math.max(0, ownerAlong(grid, axis, lo)), Math.min(count - 1, ownerAlong(grid, axis, hi))];
}

/** Whether segment a-b meets the closed box (Liang-Barsky clipping). */
function segmentMeetsBox(ax: number, ay: number, bx: number, by: number, r: Rect): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = bx - ax;
  const dy = by - ay;
  const p = [-dx, dx, -dy, dy];
  const q = [ax - r.x, r.x + r.width - ax, ay - r.y, r.y + r.height - ay];
  for (let i = 0; i < 4; i++) {
    if (p[i] === 0) {
      if (q[i] < 0) return false;
      continue;
    }
    const t = q[i] / p[i];
    if (p[i] < 0) {
      if (t > t1) return false;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return false;
      if (t < t1) t1 = t;
    }
  }
  return true;
}

/**
 * Which of the points (xs[i], y), xs ascending, lie inside the polygons: pointInPolygons's even-odd rule
 * with pointInRing's own arithmetic, but the crossings of the line y found once for the whole row (a
 * point is inside when an odd number of them lie right of it), so a row of n tiles costs one pass over
 * the edges instead of n. A 10,000-vertex outline over a whole slide's grid: milliseconds, not seconds.
 */
export function insideAlongRow(polygons: readonly Rings[], y: number, xs: readonly number[]): boolean[] {
  const cross: number[] = [];
  for (const poly of polygons) {
    for (const ring of poly) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > y !== yj > y) cross.push(((xj - xi) * (y - yi)) / (yj - yi) + xi);
      }
    }
  }
  cross.sort((a, b) => a - b);
  let k = 0; // crossings at or left of x (pointInRing counts those strictly right of it)
  return xs.map((x) => {
    while (k < cross.length && cross[k] <= x) k++;
    return (cross.length - k) % 2 === 1;
  });
}

/** How an owned box lies against an outline: outside, crossed by its edge, or wholly inside. */
type Overlap = 'out' | 'edge' | 'in';

function boxAgainstEllipse(o: Extract<RegionOutline, { type: 'ellipse' }>, r: Rect): Overlap {
  const rx = o.width / 2;
  const ry = o.height / 2;
  const cx = o.x + rx;
  const cy = o.y + ry;
  // In the ellipse's unit-circle coordinates the box stays a box: it meets the disc when its nearest point
  // does, and lies inside when its farthest corner does (the disc is convex).
  const u0 = (r.x - cx) / rx;
  const u1 = (r.x + r.width - cx) / rx;
  const v0 = (r.y - cy) / ry;
  const v1 = (r.y + r.height - cy) / ry;
  const nu = Math.max(u0, Math.min(0, u1));
  const nv = Math.max(v0, Math.min(0, v1));
  if (nu * nu + nv * nv > 1) return 'out';
  const fu = Math.max(Math.abs(u0), Math.abs(u1));
  const fv = Math.max(Math.abs(v0), Math.abs(v1));
  return fu * fu + fv * fv <= 1 ? 'in' : 'edge';
}

function boxAgainstRectangle(o: Extract<RegionOutline, { type: 'rectangle' }>, r: Rect): Overlap {
  if (!(r.x < o.x + o.width && o.x < r.x + r.width && r.y < o.y + o.height && o.y < r.y + r.height)) return 'out';
  return r.x >= o.x && r.x + r.width <= o.x + o.width && r.y >= o.y && r.y + r.height <= o.y + o.height ? 'in' : 'edge';
}

/**
 * The tiles a shape takes by `rule`, ascending, and (owned rule) those its edge crosses. Only the tiles in
 * the shape's bounding box are looked at; for polygons each edge marks the boxes it crosses, and the other
 * boxes are wholly inside or outside, decided by their centre.
 */
export function shapeTiles(grid: TileGrid, o: RegionOutline, rule: RegionRule): { tiles: Int32Array; edge: Set<number> } {
  const b = outlineBounds(o);
  const edge = new Set<number>();
  const out: number[] = [];
  if (!(b.width >= 0 && b.height >= 0)) return { tiles: new Int32Array(0), edge };
  if (rule === 'centre') {
    const [c0, c1] = centreRange(grid, 'x', b.x, b.x + b.width);
    const [r0, r1] = centreRange(grid, 'y', b.y, b.y + b.height);
    for (let row = r0; row <= r1; row++) {
      const y = tileCentre(grid, row * grid.cols)[1];
      const cols = Array.from({ length: Math.max(0, c1 - c0 + 1) }, (_, i) => c0 + i);
      const xs = cols.map((col) => tileCentre(grid, col)[0]);
      const inside = o.type === 'polygon' ? insideAlongRow(o.polygons, y, xs) : xs.map((x) => outlineContains(o, x, y));
      cols.forEach((col, i) => inside[i] && out.push(row * grid.cols + col));
    }
    return { tiles: Int32Array.from(out), edge };
  }
  const [c0, c1] = ownedRange(grid, 'x', b.x, b.x + b.width);
  const [r0, r1] = ownedRange(grid, 'y', b.y, b.y + b.height);
  if (o.type === 'polygon') {
    for (const poly of o.polygons) {
      for (const ring of poly) {
        for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          const [ax, ay] = ring[j];
          const [bx, by] = ring[i];
          const [e0, e1] = ownedRange(grid, 'x', Math.min(ax, bx), Math.max(ax, bx));
          const [f0, f1] = ownedRange(grid, 'y', Math.min(ay, by), Math.max(ay, by));
          for (let row = f0; row <= f1; row++) for (let col = e0; col <= e1; col++) {
            const t = row * grid.cols + col;
            if (!edge.has(t) && segmentMeetsBox(ax, ay, bx, by, ownedBox(grid, t))) edge.add(t);
          }
        }
      }
    }
  }
  for (let row = r0; row <= r1; row++) {
    const cols = Array.from({ length: Math.max(0, c1 - c0 + 1) }, (_, i) => c0 + i);
    const boxes = cols.map((col) => ownedBox(grid, row * grid.cols + col));
    // A polygon's boxes off its edge lie wholly inside or outside: their centres (one row, one y) decide.
    const centreIn = o.type === 'polygon' && boxes.length ? insideAlongRow(o.polygons, boxes[0].y + boxes[0].height / 2, boxes.map((b) => b.x + b.width / 2)) : [];
    for (let i = 0; i < cols.length; i++) {
      const t = row * grid.cols + cols[i];
      const box = boxes[i];
      let overlap: Overlap;
      if (o.type === 'ellipse') overlap = boxAgainstEllipse(o, box);
      else if (o.type === 'rectangle') overlap = boxAgainstRectangle(o, box);
      else overlap = edge.has(t) ? 'edge' : centreIn[i] ? 'in' : 'out';
      if (overlap === 'out') continue;
      out.push(t);
      if (overlap === 'edge') edge.add(t);
    }
  }
  return { tiles: Int32Array.from(out), edge };
}

/**
 * Plans a region of shapes over a run's grid (see RegionRule for which tiles each takes). A region that
 * takes no tile is refused in words: a shape smaller than a tile may hold no tile centre.
 */
export function planRegion(grid: TileGrid, shapes: readonly RegionShape[], rule: RegionRule): AnalysisRegion {
  const valid = validateRegionShapes(shapes);
  const per = valid.map((s) => shapeTiles(grid, s.shape, rule));
  const all = new Uint8Array(grid.cols * grid.rows);
  for (const p of per) for (const t of p.tiles) all[t] = 1;
  const union: number[] = [];
  all.forEach((v, t) => v && union.push(t));
  if (!union.length) {
    const um = Math.round(grid.size0 * grid.mpp);
    throw new TesseraError('invalid-argument', `The selected annotations hold no tile of this model (a tile is ${um} µm wide and is analysed when its ${rule === 'centre' ? 'centre lies' : 'cells lie'} inside a shape): draw a larger shape or analyse the whole slide.`);
  }
  return { shapes: valid, rule, tiles: per.map((p) => p.tiles), edgeTiles: per.map((p) => p.edge), union: Int32Array.from(union) };
}
