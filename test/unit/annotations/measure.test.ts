import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ellipseRing, formatMeasurements, measureShape, moveVertex, qupathMeasurements, shapeBounds, shapeContains, shapePolygons, shapeVertices, translateShape, type PolygonRings, type Shape } from '../../../src/annotations';
import { mulberry32 } from '../../../src/core';

const PYTHON = '/usr/bin/python3';
const MPP = { x: 0.499, y: 0.499 };

/** Areas and lengths of the same geometries by shapely (GEOS), which nobody here wrote. */
function shapely(items: ({ polygons: PolygonRings[] } | { line: [number, number][] })[]): { area?: number; length: number; valid: boolean }[] {
  const script = `
import json, sys
from shapely.geometry import Polygon, MultiPolygon, LineString
out = []
for it in json.load(sys.stdin):
    if 'polygons' in it:
        g = MultiPolygon([Polygon(p[0], p[1:]) for p in it['polygons']])
        out.append({'area': g.area, 'length': g.length, 'valid': bool(g.is_valid)})
    else:
        g = LineString(it['line'])
        out.append({'length': g.length, 'valid': bool(g.is_valid)})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(items) }).toString());
}

let haveShapely = true;
try {
  execFileSync(PYTHON, ['-c', 'import shapely']);
} catch {
  haveShapely = false;
}

/** A star-like polygon with a hole, random radii: nothing a formula here could special-case. */
function randomPolygon(seed: number): PolygonRings[] {
  const rnd = mulberry32(seed);
  const ring = (cx: number, cy: number, r: number, n: number) => Array.from({ length: n }, (_, i) => {
    const a = (2 * Math.PI * i) / n;
    const rr = r * (0.7 + 0.3 * rnd());
    return [cx + rr * Math.cos(a), cy + rr * Math.sin(a)] as [number, number];
  });
  return [[ring(500, 400, 300, 40), ring(500, 400, 80, 12)], [ring(1500, 1400, 100, 25)]];
}

describe.skipIf(!haveShapely)('measurements against shapely (install python3-shapely to run)', () => {
  it('polygons with holes: area and perimeter in µm equal shapely\'s in px x 0.499 (x 0.499²)', () => {
    const shapes = [1, 2, 3].map((s) => ({ type: 'polygon', polygons: randomPolygon(s) }) as Shape);
    const ref = shapely(shapes.map((s) => ({ polygons: (s as { polygons: PolygonRings[] }).polygons })));
    shapes.forEach((s, i) => {
      const m = measureShape(s, MPP);
      expect(ref[i].valid).toBe(true);
      expect(m.area! / (ref[i].area! * 0.499 ** 2)).toBeCloseTo(1, 10);
      expect(m.perimeter! / (ref[i].length * 0.499)).toBeCloseTo(1, 10);
    });
  });

  it('an ellipse measured exactly equals shapely on a 20,000-vertex polygon of it within 1e-6; a polyline\'s length', () => {
    const e: Shape = { type: 'ellipse', x: 100, y: 50, width: 900, height: 300 };
    const line: [number, number][] = [[0, 0], [300, 400], [900, 400], [950, 10]];
    const ref = shapely([{ polygons: [[ellipseRing(100, 50, 900, 300, 20_000)]] }, { line }]);
    const m = measureShape(e, MPP);
    expect(m.area! / (ref[0].area! * 0.499 ** 2)).toBeCloseTo(1, 6);
    expect(m.perimeter! / (ref[0].length * 0.499)).toBeCloseTo(1, 6);
    expect(measureShape({ type: 'polyline', points: line }, MPP).length! / (ref[1].length * 0.499)).toBeCloseTo(1, 12);
  });
});

describe('measurements', () => {
  it('a ruler reads its length in µm; without µm/px, in px and says so', () => {
    const ruler: Shape = { type: 'line', points: [[100, 100], [400, 500]] };
    expect(measureShape(ruler, MPP)).toEqual({ calibrated: true, length: 500 * 0.499 });
    expect(formatMeasurements(measureShape(ruler, MPP))).toEqual(['Length 249.5 µm']);
    expect(formatMeasurements(measureShape(ruler, null))).toEqual(['Length 500.0 px']);
    expect(qupathMeasurements(measureShape(ruler, MPP))).toEqual({ 'Length µm': 500 * 0.499 });
  });

  it('areas switch to mm² from 0.01 mm², with QuPath\'s names', () => {
    const small: Shape = { type: 'rectangle', x: 0, y: 0, width: 100, height: 50 };
    const big: Shape = { type: 'rectangle', x: 0, y: 0, width: 4000, height: 3000 };
    expect(formatMeasurements(measureShape(small, MPP))).toEqual(['Area 1,245 µm²', 'Perimeter 149.7 µm']);
    expect(formatMeasurements(measureShape(big, MPP))[0]).toBe('Area 2.988 mm²');
    expect(formatMeasurements(measureShape({ type: 'rectangle', x: 0, y: 0, width: 347, height: 347 }, MPP))[0]).toBe('Area 0.02998 mm²');
    expect(Object.keys(qupathMeasurements(measureShape(big, MPP)))).toEqual(['Area µm^2', 'Perimeter µm']);
    expect(Object.keys(qupathMeasurements(measureShape(big, null)))).toEqual(['Area px^2', 'Perimeter px']);
  });
});

describe('geometry', () => {
  const rect: Shape = { type: 'rectangle', x: 10, y: 20, width: 100, height: 50 };
  it('a rectangle as a polygon, its bounds, inside tests, moves and corner drags', () => {
    expect(shapePolygons(rect)).toEqual([[[[10, 20], [110, 20], [110, 70], [10, 70]]]]);
    expect(shapeBounds({ type: 'polyline', points: [[5, 9], [-3, 4], [7, 1]] })).toEqual({ x: -3, y: 1, width: 10, height: 8 });
    expect(shapeContains(rect, 50, 50)).toBe(true);
    expect(shapeContains(rect, 150, 50)).toBe(false);
    expect(shapeContains({ type: 'ellipse', x: 0, y: 0, width: 100, height: 50 }, 99, 25)).toBe(true);
    expect(shapeContains({ type: 'ellipse', x: 0, y: 0, width: 100, height: 50 }, 95, 5)).toBe(false);
    expect(translateShape(rect, 5, -5)).toEqual({ ...rect, x: 15, y: 15 });
    // Dragging the bottom-right corner (vertex 2) past the top-left flips the box; the top-left stays.
    expect(moveVertex(rect, 2, [0, 0])).toEqual({ type: 'rectangle', x: 0, y: 0, width: 10, height: 20 });
  });

  it('a hole is outside; a polygon vertex numbered across rings moves alone', () => {
    const polygons = randomPolygon(7);
    const shape: Shape = { type: 'polygon', polygons };
    expect(shapeContains(shape, 500, 400)).toBe(false); // the hole's centre
    expect(shapeContains(shape, 500 + 200, 400)).toBe(true);
    const vertices = shapeVertices(shape);
    expect(vertices).toHaveLength(40 + 12 + 25);
    const moved = moveVertex(shape, 45, [0, 0]) as Extract<Shape, { type: 'polygon' }>;
    expect(moved.polygons[0][1][5]).toEqual([0, 0]);
    expect(shapeVertices(moved).filter((p, i) => p !== vertices[i])).toHaveLength(1);
  });
});
