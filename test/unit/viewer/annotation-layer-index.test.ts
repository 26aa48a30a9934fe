import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnnotationStore, shapeBounds, type Annotation, type Point, type Shape } from '../../../src/annotations';
import { mulberry32 } from '../../../src/core';
import { hitAnnotations } from '../../../src/viewer/annotations/layer-hit-test';
import { AnnotationIndex } from '../../../src/viewer/annotations/spatial-index';

const PYTHON = '/usr/bin/python3';
const HAVE_SHAPELY = existsSync(PYTHON) && (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import shapely'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A star-shaped (so simple) polygon, a polyline, a line, a rectangle, an ellipse or points, at random. */
function randomShape(rnd: () => number, extent: number): Shape {
  const cx = rnd() * extent;
  const cy = rnd() * extent;
  const r = 5 + rnd() * 80;
  switch (Math.floor(rnd() * 6)) {
    case 0: {
      const n = 3 + Math.floor(rnd() * 30);
      const angles = Array.from({ length: n }, () => rnd() * 2 * Math.PI).sort((a, b) => a - b);
      return { type: 'polygon', polygons: [[angles.map((t): Point => [cx + r * (0.4 + 0.6 * rnd()) * Math.cos(t), cy + r * (0.4 + 0.6 * rnd()) * Math.sin(t)])]] };
    }
    case 1:
      return { type: 'polyline', points: Array.from({ length: 2 + Math.floor(rnd() * 8) }, (): Point => [cx + (rnd() - 0.5) * 2 * r, cy + (rnd() - 0.5) * 2 * r]) };
    case 2:
      return { type: 'line', points: [[cx, cy], [cx + (rnd() - 0.5) * 2 * r, cy + (rnd() - 0.5) * 2 * r]] };
    case 3:
      return { type: 'rectangle', x: cx, y: cy, width: r, height: r * (0.3 + rnd()) };
    case 4:
      return { type: 'ellipse', x: cx, y: cy, width: r, height: r * (0.3 + rnd()) };
    default:
      return { type: 'points', points: Array.from({ length: 1 + Math.floor(rnd() * 5) }, (): Point => [cx + (rnd() - 0.5) * r, cy + (rnd() - 0.5) * r]) };
  }
}

function annotations(n: number, seed: number, extent = 3000): Annotation[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => ({ id: `a${i}`, name: '', className: null, locked: false, shape: randomShape(rnd, extent) }));
}

function bruteQuery(list: readonly Annotation[], r: { x: number; y: number; width: number; height: number }): string[] {
  return list
    .filter((a) => {
      const b = shapeBounds(a.shape);
      return !(b.x > r.x + r.width || b.y > r.y + r.height || b.x + b.width < r.x || b.y + b.height < r.y);
    })
    .map((a) => a.id);
}

describe('AnnotationIndex', () => {
  it('finds exactly the annotations whose boxes meet a rectangle, in drawing order (against a scan of all), small views and whole-slide views alike', () => {
    const list = annotations(2000, 11);
    // One huge shape goes to the list of large ones.
    list.push({ id: 'huge', name: '', className: null, locked: false, shape: { type: 'rectangle', x: -100, y: -100, width: 3200, height: 3200 } });
    const index = new AnnotationIndex(128);
    index.sync(list);
    expect(index.size).toBe(2001);
    const rnd = mulberry32(5);
    for (let k = 0; k < 200; k++) {
      const w = k % 10 === 0 ? 5000 * rnd() : 300 * rnd();
      const r = { x: rnd() * 3200 - 200, y: rnd() * 3200 - 200, width: w, height: w * (0.5 + rnd()) };
      expect(index.query(r).map((a) => a.id)).toEqual(bruteQuery(list, r));
    }
  });

  it('a sync after an edit rebuilds only the edited annotations; deleted ones are gone, added ones found', () => {
    const store = new AnnotationStore(annotations(500, 2));
    const index = new AnnotationIndex();
    index.sync(store.annotations);
    expect(index.lastRebuilt).toBe(500);
    store.update(['a7', 'a9'], (a) => ({ ...a, shape: { type: 'rectangle', x: 10_000, y: 10_000, width: 10, height: 10 } }));
    index.sync(store.annotations);
    expect(index.lastRebuilt).toBe(2);
    expect(index.query({ x: 9_990, y: 9_990, width: 30, height: 30 }).map((a) => a.id)).toEqual(['a7', 'a9']);
    store.remove(['a7']);
    store.add({ id: 'new', name: '', className: null, locked: false, shape: { type: 'line', points: [[10_005, 10_005], [10_050, 10_050]] } });
    index.sync(store.annotations);
    expect(index.lastRebuilt).toBe(1);
    expect(index.size).toBe(500);
    expect(index.query({ x: 9_990, y: 9_990, width: 30, height: 30 }).map((a) => a.id)).toEqual(['a9', 'new']);
    // Undo puts the old objects back: they are indexed again where they were.
    store.undo();
    store.undo();
    store.undo();
    index.sync(store.annotations);
    expect(index.query({ x: 9_990, y: 9_990, width: 30, height: 30 })).toEqual([]);
    expect(index.query({ x: -1e6, y: -1e6, width: 2e6, height: 2e6 }).map((a) => a.id)).toEqual(store.annotations.map((a) => a.id));
  });
});

describe('hitAnnotations', () => {
  it.skipIf(!HAVE_SHAPELY)("the topmost shape within the tolerance, as shapely's distance says (inside an area shape counts as on it)", () => {
    const list = annotations(300, 21, 1500);
    const rnd = mulberry32(9);
    const queries = Array.from({ length: 3000 }, (): Point => [rnd() * 1600 - 50, rnd() * 1600 - 50]);
    const tol = 6;
    const script = `
import json, sys, math
from shapely.geometry import Polygon, LineString, MultiPoint, Point, box
d = json.load(sys.stdin)
geoms = []
for s in d['shapes']:
    t = s['type']
    if t == 'polygon': g = Polygon(s['polygons'][0][0])
    elif t in ('line', 'polyline'): g = LineString(s['points'])
    elif t == 'points': g = MultiPoint(s['points'])
    elif t == 'rectangle': g = box(s['x'], s['y'], s['x'] + s['width'], s['y'] + s['height'])
    else:
        cx, cy, rx, ry = s['x'] + s['width'] / 2, s['y'] + s['height'] / 2, s['width'] / 2, s['height'] / 2
        g = Polygon([(cx + rx * math.sin(2 * math.pi * i / 1024), cy - ry * math.cos(2 * math.pi * i / 1024)) for i in range(1024)])
    geoms.append(g)
bounds = [g.bounds for g in geoms]
out = []
for x, y in d['queries']:
    p = Point(x, y)
    hit, ambiguous = None, False
    for i in range(len(geoms) - 1, -1, -1):
        b = bounds[i]
        if x < b[0] - d['tol'] - 1 or y < b[1] - d['tol'] - 1 or x > b[2] + d['tol'] + 1 or y > b[3] + d['tol'] + 1: continue
        dist = geoms[i].distance(p)
        if abs(dist - d['tol']) < 0.05: ambiguous = True
        if dist <= d['tol']:
            hit = i
            break
    out.append(None if ambiguous else (-1 if hit is None else hit))
print(json.dumps(out))
`;
    const ref = JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify({ shapes: list.map((a) => a.shape), queries, tol }) }).toString()) as (number | null)[];
    const index = new AnnotationIndex(64);
    index.sync(list);
    let compared = 0;
    let hits = 0;
    queries.forEach(([x, y], k) => {
      if (ref[k] === null) return; // within 0.05 px of the tolerance: either answer is right
      const candidates = index.query({ x: x - tol, y: y - tol, width: 2 * tol, height: 2 * tol });
      const hit = hitAnnotations(candidates, new Set(), x, y, tol);
      expect(hit?.id ?? null, `query ${k} at ${x}, ${y}`).toBe(ref[k] === -1 ? null : list[ref[k]].id);
      compared++;
      if (hit) hits++;
    });
    expect(compared).toBeGreaterThan(2800);
    expect(hits).toBeGreaterThan(200);
    expect(compared - hits).toBeGreaterThan(200);
  });

  it("a selected shape's nearest vertex handle comes first, even under a shape drawn on top; unselected shapes give no vertex", () => {
    const under: Annotation = { id: 'under', name: '', className: null, locked: false, shape: { type: 'polygon', polygons: [[[[0, 0], [100, 0], [100, 100], [0, 100]]]] } };
    const top: Annotation = { id: 'top', name: '', className: null, locked: false, shape: { type: 'rectangle', x: 50, y: 50, width: 200, height: 200 } };
    const list = [under, top];
    expect(hitAnnotations(list, new Set(), 98, 97, 5)).toEqual({ id: 'top', vertex: null });
    expect(hitAnnotations(list, new Set(['under']), 98, 97, 5)).toEqual({ id: 'under', vertex: 2 });
    expect(hitAnnotations(list, new Set(['under']), 80, 80, 5)).toEqual({ id: 'top', vertex: null });
    // Rectangle corners are its handles, numbered as shapeVertices numbers them.
    expect(hitAnnotations(list, new Set(['top']), 249, 52, 5)).toEqual({ id: 'top', vertex: 1 });
    expect(hitAnnotations(list, new Set(['top']), 400, 400, 5)).toBeNull();
  });
});
