import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { addToShape, ellipseRing, eraseFromShape, measureShape, pointInPolygons, strokePolygons, type Point, type PolygonRings, type Shape } from '../../../src/annotations';
import { mulberry32 } from '../../../src/core';

const PYTHON = '/usr/bin/python3';

/**
 * The same operations by shapely (GEOS), which nobody here wrote: a stroke is LineString(points) buffered by
 * the radius (a Point's buffer for one point), then union or difference with the shape's polygons.
 */
interface Case {
  path: Point[];
  radius: number;
  /** The shape's polygons, open rings (none: the stroke alone). */
  base?: PolygonRings[];
  op?: 'union' | 'difference';
}
interface Reference {
  area: number;
  parts: number;
  holes: number;
}

function shapely(cases: Case[]): Reference[] {
  const script = `
import json, sys
from shapely.geometry import Polygon, MultiPolygon, LineString, Point
from shapely.ops import unary_union
out = []
for c in json.load(sys.stdin):
    p = c['path']
    stroke = Point(p[0]).buffer(c['radius']) if len(p) == 1 else LineString(p).buffer(c['radius'])
    g = stroke
    if c.get('base'):
        base = unary_union([Polygon(q[0], q[1:]) for q in c['base']])
        g = base.union(stroke) if c['op'] == 'union' else base.difference(stroke)
    parts = list(g.geoms) if hasattr(g, 'geoms') else ([g] if not g.is_empty else [])
    out.append({'area': g.area, 'parts': len(parts), 'holes': sum(len(q.interiors) for q in parts)})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(cases) }).toString());
}

let haveShapely = true;
try {
  execFileSync(PYTHON, ['-c', 'import shapely']);
} catch {
  haveShapely = false;
}

const area = (polygons: PolygonRings[]) => measureShape({ type: 'polygon', polygons }, null).area!;
const holes = (polygons: PolygonRings[]) => polygons.reduce((n, p) => n + p.length - 1, 0);

/** A wandering path of `n` points, steps of about `step` px (seeded: no formula could special-case it). */
function randomPath(seed: number, n: number, step: number): Point[] {
  const rnd = mulberry32(seed);
  const path: Point[] = [[1000, 1000]];
  let heading = rnd() * 2 * Math.PI;
  for (let i = 1; i < n; i++) {
    heading += (rnd() - 0.5) * 1.6;
    const [x, y] = path[i - 1];
    path.push([x + step * (0.5 + rnd()) * Math.cos(heading), y + step * (0.5 + rnd()) * Math.sin(heading)]);
  }
  return path;
}

/** A closed loop of `n` points on a circle: its stroke is a ring with a hole. */
function loop(cx: number, cy: number, r: number, n: number): Point[] {
  return Array.from({ length: n + 1 }, (_, i) => [cx + r * Math.cos((2 * Math.PI * i) / n), cy + r * Math.sin((2 * Math.PI * i) / n)] as Point);
}

function minEdge(polygons: PolygonRings[]): number {
  let min = Infinity;
  for (const poly of polygons)
    for (const ring of poly)
      ring.forEach((p, i) => {
        const q = ring[(i + 1) % ring.length];
        min = Math.min(min, Math.hypot(q[0] - p[0], q[1] - p[1]));
      });
  return min;
}

const RECT: Shape = { type: 'rectangle', x: 900, y: 900, width: 400, height: 300 };
const ELLIPSE: Shape = { type: 'ellipse', x: 800, y: 850, width: 500, height: 320 };
const ELLIPSE_RING = ellipseRing(800, 850, 500, 320, 128);

describe.skipIf(!haveShapely)('brush geometry against shapely (install python3-shapely to run)', () => {
  it('a stroke (one point, a straight drag, wandering drags, a closed loop) covers the area of shapely\'s buffered line within 1%, with its holes', () => {
    const cases: Case[] = [
      { path: [[500, 500]], radius: 30 },
      { path: [[100, 100], [700, 400]], radius: 12 },
      { path: randomPath(1, 60, 15), radius: 24 },
      { path: randomPath(2, 200, 6), radius: 12 },
      { path: loop(1000, 1000, 200, 40), radius: 25 },
    ];
    const ref = shapely(cases);
    cases.forEach((c, i) => {
      const polys = strokePolygons(c.path, c.radius);
      expect(area(polys) / ref[i].area, `case ${i}`).toBeGreaterThan(0.99);
      expect(area(polys) / ref[i].area, `case ${i}`).toBeLessThan(1.01);
      expect(polys.length, `case ${i} parts`).toBe(ref[i].parts);
    });
    // Holes of the loop (a wandering drag's slivers of a hole may differ by the circles' vertex counts).
    expect(holes(strokePolygons(cases[4].path, 25))).toBe(ref[4].holes);
    expect(ref[4].holes, 'the loop case tests a hole').toBe(1);
  });

  it('adding to a rectangle and an ellipse gives polygons with shapely\'s union area within 1%', () => {
    const path = randomPath(3, 40, 20);
    const stroke = strokePolygons(path, 30);
    const cases: Case[] = [
      { path, radius: 30, base: [[[[900, 900], [1300, 900], [1300, 1200], [900, 1200]]]], op: 'union' },
      { path, radius: 30, base: [[ELLIPSE_RING]], op: 'union' },
    ];
    const ref = shapely(cases);
    [RECT, ELLIPSE].forEach((shape, i) => {
      const out = addToShape(shape, stroke, 30);
      expect(out.type).toBe('polygon');
      const polys = (out as { polygons: PolygonRings[] }).polygons;
      expect(area(polys) / ref[i].area).toBeGreaterThan(0.99);
      expect(area(polys) / ref[i].area).toBeLessThan(1.01);
      expect(polys.length).toBe(ref[i].parts);
      expect(area(polys)).toBeGreaterThan(measureShape(shape, null).area!);
    });
  });

  it('erasing across a shape cuts it (two parts when the stroke crosses it), as shapely\'s difference within 1%', () => {
    const across: Point[] = [[1100, 700], [1100, 1400]];
    const inside: Point[] = [[1000, 1000], [1050, 1020]];
    const cases: Case[] = [
      { path: across, radius: 20, base: [[[[900, 900], [1300, 900], [1300, 1200], [900, 1200]]]], op: 'difference' },
      { path: inside, radius: 20, base: [[ELLIPSE_RING]], op: 'difference' },
    ];
    const ref = shapely(cases);
    const cut = eraseFromShape(RECT, strokePolygons(across, 20), 20) as { polygons: PolygonRings[] };
    const holed = eraseFromShape(ELLIPSE, strokePolygons(inside, 20), 20) as { polygons: PolygonRings[] };
    expect(cut.polygons.length).toBe(2);
    expect(ref[0].parts).toBe(2);
    expect(holes(holed.polygons)).toBe(1);
    expect(ref[1].holes).toBe(1);
    [cut, holed].forEach((out, i) => {
      expect(area(out.polygons) / ref[i].area).toBeGreaterThan(0.99);
      expect(area(out.polygons) / ref[i].area).toBeLessThan(1.01);
    });
    // The hole is a hole: its centre is outside, a point near the ellipse's edge inside.
    expect(pointInPolygons(1025, 1010, holed.polygons)).toBe(false);
    expect(pointInPolygons(820, 1010, holed.polygons)).toBe(true);
  });
});

describe('brush geometry', () => {
  it('erasing all of a shape leaves nothing (null); shapes without an inside cannot be erased', () => {
    const all = strokePolygons([[850, 1050], [1350, 1050]], 200);
    expect(eraseFromShape(RECT, all, 200)).toBeNull();
    expect(eraseFromShape({ type: 'line', points: [[0, 0], [10, 10]] }, all, 200)).toBeNull();
  });

  it('keeps results small: no edge shorter than radius/8 (a 400-point drag), far fewer vertices than its capsules', () => {
    const path = randomPath(4, 400, 3);
    const radius = 16;
    const polys = strokePolygons(path, radius);
    expect(minEdge(polys)).toBeGreaterThanOrEqual(radius / 8 - 1e-9);
    const vertices = polys.reduce((n, p) => n + p.reduce((m, r) => m + r.length, 0), 0);
    expect(vertices).toBeLessThan(400 * 50 * 0.1);
    const added = addToShape(RECT, polys, radius) as { polygons: PolygonRings[] };
    expect(minEdge(added.polygons)).toBeGreaterThanOrEqual(radius / 8 - 1e-9);
  });

  it('adding to a line (no inside) gives the stroke alone; an empty stroke leaves a rectangle\'s area as it was', () => {
    const stroke = strokePolygons([[0, 0], [100, 0]], 10);
    const fromLine = addToShape({ type: 'line', points: [[0, 0], [5, 5]] }, stroke, 10) as { polygons: PolygonRings[] };
    expect(area(fromLine.polygons)).toBeCloseTo(area(stroke), 6);
    const same = addToShape(RECT, [], 10) as { polygons: PolygonRings[] };
    expect(area(same.polygons)).toBeCloseTo(400 * 300, 6);
  });
});
