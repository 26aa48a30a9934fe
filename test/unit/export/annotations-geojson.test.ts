import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLASSES, ELLIPSE_VERTICES, ellipseRing, measureShape, type Annotation, type AnnotationClass, type OpenRing, type Point, type Shape } from '../../../src/annotations';
import { TesseraError, mulberry32 } from '../../../src/core';
import { MAX_IMPORT_VERTICES, annotationsToGeoJson, crossesItself, readAnnotationsGeoJson, signedArea, type AnnotationFeature, type AnnotationFeatureCollection, type Ring } from '../../../src/export/geojson';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

const PYTHON = '/usr/bin/python3';
const CHECK = join(import.meta.dirname, '../../support/export/qupath_geojson_check.py');
const MPP = 0.499;
const PX = { x: MPP, y: MPP };
const CLASSES: AnnotationClass[] = [...DEFAULT_CLASSES, { name: 'Margin', color: '#12ab34' }];
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const haveShapely = existsSync(PYTHON) && (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import shapely']);
    return true;
  } catch {
    return false;
  }
})();
const NO_SHAPELY = 'needs /usr/bin/python3 with shapely (apt-get install -y python3-shapely)';

const tmp = mkdtempSync(join(tmpdir(), 'tessera-annotations-geojson-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Measured {
  type: string;
  valid: boolean;
  why: string;
  area: number;
  length: number;
  n: number | null;
  exterior_ccw: boolean[];
  interior_ccw: boolean[];
}

/** shapely's view of every feature of a collection (test/support/export/qupath_geojson_check.py). */
function shapely(fc: { features: unknown[] }): Measured[] {
  const file = join(tmp, `check-${Math.random().toString(36).slice(2)}.geojson`);
  writeFileSync(file, JSON.stringify(fc));
  return JSON.parse(execFileSync(PYTHON, [CHECK, file], { maxBuffer: 1 << 26 }).toString()) as Measured[];
}

let n = 0;
function annotation(shape: Shape, extra: Partial<Annotation> = {}): Annotation {
  n++;
  return { id: crypto.randomUUID(), name: `a${n}`, className: 'Tumor', locked: false, shape, ...extra };
}

/** A star-shaped polygon (random radii at increasing angles): never crosses itself. */
function star(random: () => number, cx: number, cy: number, r: number, vertices: number): OpenRing {
  const ring: OpenRing = [];
  for (let i = 0; i < vertices; i++) {
    const a = (2 * Math.PI * (i + 0.8 * random())) / vertices;
    const d = r * (0.4 + 0.6 * random());
    ring.push([cx + d * Math.cos(a), cy + d * Math.sin(a)]);
  }
  return ring;
}

/** One of each kind, as a pathologist draws them (rings either way round), and random polygons. */
function sample(): Annotation[] {
  const random = mulberry32(14);
  const list: Annotation[] = [
    annotation({ type: 'rectangle', x: 1000.5, y: 2000, width: 300, height: 120.25 }, { locked: true }),
    annotation({ type: 'ellipse', x: 500, y: 700, width: 400, height: 150 }, { className: 'Stroma' }),
    annotation({ type: 'ellipse', x: 10, y: 10, width: 33.3, height: 33.3 }, { className: null, name: '' }),
    // Outer clockwise on screen, hole anticlockwise: the reverse of what GeoJSON wants.
    annotation({ type: 'polygon', polygons: [[[[0, 0], [400, 0], [400, 300], [0, 300]], [[100, 100], [100, 200], [200, 200], [200, 100]]]] }, { className: 'Margin' }),
    annotation({ type: 'polygon', polygons: [[[[0, 0], [0, 50], [60, 50]]], [[[100, 100], [150, 100], [150, 170], [120, 190]]]] }, { className: 'Immune cells' }),
    annotation({ type: 'line', points: [[12.5, 40], [812.25, 640.75]] }, { className: 'Other', name: 'invasion depth' }),
    annotation({ type: 'polyline', points: [[0, 0], [100, 0], [100, 100], [250, 130]] }, { className: null }),
    annotation({ type: 'points', points: [[5, 6], [7, 8], [1000, 2000]] }, { className: 'Immune cells', locked: true }),
  ];
  for (let i = 0; i < 40; i++) {
    const poly = star(random, 600 + 4000 * random(), 600 + 4000 * random(), 20 + 500 * random(), 3 + Math.floor(60 * random()));
    list.push(annotation({ type: 'polygon', polygons: [[i % 2 ? poly : [...poly].reverse()]] }, { className: CLASSES[i % CLASSES.length].name, name: i % 3 ? `region ${i}` : '' }));
  }
  return list;
}

function ringsOf(f: AnnotationFeature): Ring[][] {
  if (f.geometry.type === 'Polygon') return [f.geometry.coordinates];
  if (f.geometry.type === 'MultiPolygon') return f.geometry.coordinates;
  return [];
}

/** RFC 7946 rings, as geojson.test.ts checks them: four or more finite positions, closed; exterior negative shoelace (y down), holes positive. */
function expectValidRings(rings: Ring[]): void {
  rings.forEach((ring, i) => {
    expect(ring.length).toBeGreaterThanOrEqual(4);
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    for (const [x, y] of ring) expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true);
    if (i === 0) expect(signedArea(ring)).toBeLessThan(0);
    else expect(signedArea(ring)).toBeGreaterThan(0);
  });
}

/** Two open rings are the same outline: same vertices within `tol` px, in the same cyclic order either way round. */
function sameRing(a: readonly Point[], b: readonly Point[], tol = 0.5): boolean {
  if (a.length !== b.length) return false;
  const close = (p: Point, q: Point) => Math.abs(p[0] - q[0]) <= tol && Math.abs(p[1] - q[1]) <= tol;
  for (let start = 0; start < b.length; start++) {
    for (const dir of [1, -1]) {
      if (a.every((p, i) => close(p, b[(((start + dir * i) % b.length) + b.length) % b.length]))) return true;
    }
  }
  return false;
}

function expectSameShape(got: Shape, want: Shape): void {
  expect(got.type).toBe(want.type);
  if ((want.type === 'rectangle' || want.type === 'ellipse') && (got.type === 'rectangle' || got.type === 'ellipse')) {
    for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(got[k] - want[k])).toBeLessThan(0.5);
  } else if (want.type === 'polygon' && got.type === 'polygon') {
    expect(got.polygons.length).toBe(want.polygons.length);
    want.polygons.forEach((poly, i) => {
      expect(got.polygons[i].length).toBe(poly.length);
      poly.forEach((ring, j) => expect(sameRing(got.polygons[i][j], ring), `polygon ${i} ring ${j}`).toBe(true));
    });
  } else if ('points' in want && 'points' in got) {
    expect(got.points).toEqual(want.points);
  }
}

describe('annotationsToGeoJson: what QuPath reads', () => {
  it('a Feature per annotation with its UUID, objectType "annotation", name, classification and lock only when set, QuPath\'s measurement names, valid rings', () => {
    const list = sample();
    const fc = annotationsToGeoJson(list, CLASSES, PX);
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features).toHaveLength(list.length);
    // Plain JSON: what is written is what is read.
    expect(JSON.parse(JSON.stringify(fc))).toEqual(fc);
    fc.features.forEach((f, i) => {
      const a = list[i];
      expect(f.type).toBe('Feature');
      expect(f.id).toBe(a.id);
      expect(f.id).toMatch(UUID_V4);
      expect(f.properties.objectType).toBe('annotation');
      expect('name' in f.properties).toBe(a.name !== '');
      if (a.name) expect(f.properties.name).toBe(a.name);
      if (a.className === null) expect('classification' in f.properties).toBe(false);
      else {
        expect(f.properties.classification!.name).toBe(a.className);
        expect(f.properties.classification!.color).toHaveLength(3);
        for (const c of f.properties.classification!.color) expect(Number.isInteger(c) && c >= 0 && c <= 255).toBe(true);
      }
      expect(f.properties.isLocked).toBe(a.locked ? true : undefined);
      expect('isLocked' in f.properties).toBe(a.locked);
      for (const v of Object.values(f.properties.measurements)) expect(typeof v === 'number' && Number.isFinite(v)).toBe(true);
      expect(f.properties.metadata['tessera.shape']).toBe(a.shape.type);
      const names = Object.keys(f.properties.measurements).sort();
      const wanted = { rectangle: 'Polygon', ellipse: 'Polygon', polygon: a.shape.type === 'polygon' && a.shape.polygons.length > 1 ? 'MultiPolygon' : 'Polygon', line: 'LineString', polyline: 'LineString', points: 'MultiPoint' }[a.shape.type];
      expect(f.geometry.type).toBe(wanted);
      if (f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon') {
        expect(names).toEqual(['Area µm^2', 'Perimeter µm']);
        ringsOf(f).forEach(expectValidRings);
      } else if (f.geometry.type === 'LineString') {
        expect(names).toEqual(['Length µm']);
        expect(f.geometry.coordinates.length).toBeGreaterThanOrEqual(2);
      } else {
        expect(names).toEqual(['Num points']);
        expect(f.properties.measurements['Num points']).toBe(f.geometry.coordinates.length);
      }
    });
    // Ellipses as QuPath writes them: a polygon flagged isEllipse (QuPath reads its bounds back as the ellipse).
    const ellipse = fc.features[1].geometry;
    expect(ellipse).toMatchObject({ type: 'Polygon', isEllipse: true });
    expect((ellipse as { coordinates: Ring[] }).coordinates[0]).toHaveLength(ELLIPSE_VERTICES + 1);
    expect(fc.features[0].properties.classification).toEqual({ name: 'Tumor', color: [200, 0, 0] });
    expect(fc.features[3].properties.classification).toEqual({ name: 'Margin', color: [0x12, 0xab, 0x34] });
  });

  it('without the slide\'s µm/px the measurements are in px, under QuPath\'s px names', () => {
    const fc = annotationsToGeoJson([annotation({ type: 'rectangle', x: 0, y: 0, width: 10, height: 20 }), annotation({ type: 'line', points: [[0, 0], [3, 4]] })], CLASSES, null);
    expect(fc.features[0].properties.measurements).toEqual({ 'Area px^2': 200, 'Perimeter px': 60 });
    expect(fc.features[1].properties.measurements).toEqual({ 'Length px': 5 });
  });

  it.skipIf(!haveShapely)(`shapely: every geometry valid, its area and length our measurements (÷ 0.499² and ÷ 0.499) within 1e-6, ellipses within 0.05% of πab${haveShapely ? '' : ` (${NO_SHAPELY})`}`, () => {
    const list = sample();
    const fc = annotationsToGeoJson(list, CLASSES, PX);
    const measured = shapely(fc);
    expect(measured).toHaveLength(list.length);
    measured.forEach((m, i) => {
      const f = fc.features[i];
      const shape = list[i].shape;
      const mm = f.properties.measurements;
      const tol = shape.type === 'ellipse' ? 5e-4 : 1e-6;
      expect(m.valid, `${i} ${shape.type}: ${m.why}`).toBe(true);
      expect(m.type).toBe(f.geometry.type);
      if (m.type === 'Polygon' || m.type === 'MultiPolygon') {
        expect(Math.abs((m.area * MPP * MPP) / mm['Area µm^2'] - 1), `${i} area`).toBeLessThan(tol);
        expect(Math.abs((m.length * MPP) / mm['Perimeter µm'] - 1), `${i} perimeter`).toBeLessThan(tol);
        // shapely's own orientation test: outer rings negative-shoelace (clockwise in the file's x, y), holes the other way.
        expect(m.exterior_ccw.every((ccw) => !ccw)).toBe(true);
        expect(m.interior_ccw.every((ccw) => ccw)).toBe(true);
      } else if (m.type === 'LineString') {
        expect(Math.abs((m.length * MPP) / mm['Length µm'] - 1)).toBeLessThan(1e-6);
      } else {
        expect(m.type).toBe('MultiPoint');
        expect(m.n).toBe(mm['Num points']);
      }
    });
    expect(measured[3].interior_ccw).toHaveLength(1);
    // The ellipse against πab itself, not only against measureShape.
    const e = list[1].shape as Extract<Shape, { type: 'ellipse' }>;
    expect(Math.abs(measured[1].area / (Math.PI * (e.width / 2) * (e.height / 2)) - 1)).toBeLessThan(5e-4);
  });
});

describe('readAnnotationsGeoJson', () => {
  it('round trip: export then read gives the same ids, shapes (rectangles and ellipses as such; vertices within 0.5 px), names, classes and locks', () => {
    const list = sample();
    const text = JSON.stringify(annotationsToGeoJson(list, CLASSES, PX));
    const back = readAnnotationsGeoJson(text, 'annotations.geojson', { width: 10_000, height: 10_000 });
    expect(back.skipped).toEqual([]);
    expect(back.notes).toEqual(['New classes: Margin.']);
    expect(back.objectTypes).toEqual({ annotation: list.length });
    // Margin is not among QuPath's defaults: it comes back as a new class with its colour.
    expect(back.classes).toEqual([{ name: 'Margin', color: '#12ab34' }]);
    expect(back.annotations).toHaveLength(list.length);
    back.annotations.forEach((a, i) => {
      const want = list[i];
      expect([a.id, a.name, a.className, a.locked]).toEqual([want.id, want.name, want.className, want.locked]);
      expectSameShape(a.shape, want.shape);
      // Measured again after the trip, the same figures.
      const m0 = measureShape(want.shape, PX);
      const m1 = measureShape(a.shape, PX);
      for (const k of ['area', 'perimeter', 'length'] as const) if (m0[k] !== undefined) expect(m1[k]! / m0[k]! - 1).toBeCloseTo(0, 9);
    });
    // Read with the file's class known, nothing is new.
    expect(readAnnotationsGeoJson(text, 'a.geojson', undefined, CLASSES).classes).toEqual([]);
  });

  it('reads QuPath 0.4-0.5 (isEllipse, derived classes as names, list or single Feature) and QuPath 0.2 (object_type, colorRGB, measurement lists, type in id)', () => {
    const id = crypto.randomUUID();
    // An ellipse as QuPath writes it: its own vertex count, 2 decimals.
    const ring = ellipseRing(300, 400, 120, 60, 100).map(([x, y]) => [Number(x.toFixed(2)), Number(y.toFixed(2))]);
    const q05 = {
      type: 'Feature', id, geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]]], isEllipse: true },
      properties: { objectType: 'annotation', name: 'hot spot', classification: { names: ['Tumor', 'Positive'], color: [200, 0, 0] }, isLocked: true, measurements: { 'Area µm^2': 5000 } },
    };
    const read05 = readAnnotationsGeoJson(JSON.stringify(q05), 'q.geojson');
    expect(read05.skipped).toEqual([]);
    expect(read05.annotations).toHaveLength(1);
    const a = read05.annotations[0];
    expect([a.id, a.name, a.className, a.locked]).toEqual([id, 'hot spot', 'Tumor: Positive', true]);
    expect(a.shape).toMatchObject({ type: 'ellipse' });
    expectSameShape(a.shape, { type: 'ellipse', x: 300, y: 400, width: 120, height: 60 });
    expect(read05.classes).toEqual([{ name: 'Tumor: Positive', color: '#c80000' }]);

    const q02 = [{
      type: 'Feature', id: 'PathAnnotationObject', geometry: { type: 'Polygon', coordinates: [[[0, 0], [0, 50], [50, 50], [50, 0], [0, 0]]] },
      properties: { object_type: 'annotation', classification: { name: 'Stroma', colorRGB: -6895466 }, measurements: [{ name: 'Area', value: 2500 }], isLocked: false },
    }, {
      type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[10, 10], [20, 10], [20, 20], [10, 10]]] },
      properties: { object_type: 'detection', classification: { name: 'Lymphocyte', colorRGB: 0x00ff80 } },
    }];
    const read02 = readAnnotationsGeoJson(JSON.stringify(q02), 'old.json');
    expect(read02.annotations).toHaveLength(2);
    expect(read02.annotations[0]).toMatchObject({ name: '', className: 'Stroma', locked: false, shape: { type: 'polygon' } });
    expect(read02.annotations[0].id).toMatch(UUID_V4);
    expect(read02.annotations[0].id).not.toBe(read02.annotations[1].id);
    expect(read02.classes).toEqual([{ name: 'Lymphocyte', color: '#00ff80' }]);
    expect(read02.objectTypes).toEqual({ annotation: 1, detection: 1 });
    expect(read02.notes).toContain('1 detection imported as annotations.');
    // A polygon that happens to be a box but is not marked as a rectangle stays a polygon (what was drawn is kept).
    expect(read02.annotations[0].shape.type).toBe('polygon');
  });

  it('every geometry type: LineString (2 points a line, more a polyline), MultiLineString (one each), Point and MultiPoint, GeometryCollection (its members)', () => {
    const id = crypto.randomUUID();
    const feature = (geometry: unknown, properties: unknown = { objectType: 'annotation' }, fid?: string) => ({ type: 'Feature', ...(fid ? { id: fid } : {}), geometry, properties });
    const fc = {
      type: 'FeatureCollection',
      features: [
        feature({ type: 'LineString', coordinates: [[0, 0], [30, 40]] }),
        feature({ type: 'LineString', coordinates: [[0, 0], [30, 40], [30, 40], [60, 0]] }),
        feature({ type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[5, 5], [6, 6], [7, 5]]] }, { name: 'two', classification: { name: 'Necrosis', color: [50, 50, 50] } }, id),
        feature({ type: 'Point', coordinates: [12.5, 13.5] }),
        feature({ type: 'MultiPoint', coordinates: [[1, 2], [3, 4], [5, 6]] }),
        feature({ type: 'GeometryCollection', geometries: [{ type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 0]]] }, { type: 'LineString', coordinates: [[0, 0], [2, 2]] }, { type: 'Point', coordinates: [1, 1] }] }),
        feature({ type: 'MultiPolygon', coordinates: [[[[0, 0], [10, 0], [10, 10], [0, 0]]], [[[20, 20], [30, 20], [30, 30], [20, 20]], [[22, 21], [28, 21], [28, 27], [22, 21]]]] }),
      ],
    };
    const read = readAnnotationsGeoJson(JSON.stringify(fc), 'kinds.geojson');
    expect(read.skipped).toEqual([]);
    expect(read.annotations.map((a) => a.shape.type)).toEqual(['line', 'polyline', 'line', 'polyline', 'points', 'points', 'polygon', 'line', 'points', 'polygon']);
    expect(read.annotations[1].shape).toEqual({ type: 'polyline', points: [[0, 0], [30, 40], [60, 0]] });
    // A MultiLineString's lines keep its properties; the first keeps its id.
    expect(read.annotations.slice(2, 4).map((a) => [a.name, a.className])).toEqual([['two', 'Necrosis'], ['two', 'Necrosis']]);
    expect(read.annotations[2].id).toBe(id);
    expect(read.annotations[3].id).not.toBe(id);
    expect(read.annotations[4].shape).toEqual({ type: 'points', points: [[12.5, 13.5]] });
    expect(read.annotations[9].shape).toEqual({ type: 'polygon', polygons: [[[[0, 0], [10, 0], [10, 10]]], [[[20, 20], [30, 20], [30, 30]], [[22, 21], [28, 21], [28, 27]]]] });
    expect(read.classes).toEqual([]);
  });

  it('bad input: each bad feature listed with its reason, the rest imported with defaults; crossing and overflowing shapes imported and noted', () => {
    const feature = (geometry: unknown, properties?: unknown) => ({ type: 'Feature', geometry, ...(properties ? { properties } : {}) });
    const square = (x: number, y: number, s: number) => [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]];
    const features: unknown[] = [
      feature({ type: 'Circle', coordinates: [10, 10], radius: 5 }), // 0 unknown type
      feature({ type: 'Polygon', coordinates: [] }), // 1 empty
      feature({ type: 'Polygon', coordinates: [[[0, 0], [987654321, 5], [5, 5], [0, 0]]] }), // 2 non-finite (1e999 below)
      feature({ type: 'Polygon', coordinates: [[[0, 0], [1, 1], [0, 0], [1, 1], [0, 0]]] }), // 3 two distinct points
      feature({ type: 'Polygon', coordinates: [[[0, 0], [100, 100], [100, 0], [0, 100], [0, 0]]] }, { objectType: 'annotation', name: 'bow tie' }), // 4 crosses itself
      feature({ type: 'Polygon', coordinates: square(900, 900, 300) }), // 5 partly outside
      feature({ type: 'Polygon', coordinates: square(5000, 10, 50) }), // 6 wholly outside
      feature({ type: 'Polygon', coordinates: square(10, 10, 50) }), // 7 no properties at all
      { type: 'Feature', properties: { name: 'no geometry' } }, // 8
      42, // 9 not a feature
      feature({ type: 'GeometryCollection', geometries: [{ type: 'Polygon', coordinates: square(20, 20, 5) }, { type: 'Curve', coordinates: [] }] }), // 10 one part unknown
      feature({ type: 'LineString', coordinates: [[3, 3], [3, 3]] }), // 11 one distinct point
      feature({ type: 'MultiPoint', coordinates: [] }), // 12 empty
      feature({ type: 'Polygon', coordinates: [...square(100, 100, 100), [[150, 150], [150, 150], [150, 150]]] }, { classification: null }), // 13 degenerate hole dropped
    ];
    const text = JSON.stringify({ type: 'FeatureCollection', features }).replace('987654321', '1e999');
    const read = readAnnotationsGeoJson(text, 'bad.geojson', { width: 1000, height: 1000 });
    expect(read.skipped.map((s) => s.index)).toEqual([0, 1, 2, 3, 6, 8, 9, 11, 12]);
    const reason = Object.fromEntries(read.skipped.map((s) => [s.index, s.reason]));
    expect(reason[0]).toMatch(/geometry type "Circle" is not one Tessera reads/);
    expect(reason[1]).toMatch(/polygon without rings/);
    expect(reason[2]).toMatch(/non-finite coordinates/);
    expect(reason[3]).toMatch(/fewer than 3 distinct points/);
    expect(reason[6]).toMatch(/wholly outside the slide \(1000 x 1000 px\)/);
    expect(reason[8]).toMatch(/no geometry/);
    expect(reason[9]).toMatch(/not a GeoJSON Feature/);
    expect(reason[11]).toMatch(/fewer than 2 distinct points/);
    expect(reason[12]).toMatch(/no coordinates/);
    expect(read.annotations.map((a) => a.name)).toEqual(['bow tie', '', '', '', '']);
    expect(read.annotations[2]).toMatchObject({ name: '', className: null, locked: false, shape: { type: 'polygon', polygons: [[[[10, 10], [60, 10], [60, 60], [10, 60]]]] } });
    expect(read.annotations[4].shape).toEqual({ type: 'polygon', polygons: [[[[100, 100], [200, 100], [200, 200], [100, 200]]]] });
    const notes = read.notes.join('\n');
    expect(notes).toMatch(/Polygons that cross themselves, imported as they are.*: 1 feature \(5\)/);
    expect(notes).toMatch(/Shapes reaching outside the slide, imported as they are: 1 feature \(6\)/);
    expect(notes).toMatch(/Parts left out \(its geometry type "Curve".*\): 1 feature \(11\)/);
    expect(notes).toMatch(/Holes left out.*: 1 feature \(14\)/);
  });

  it.skipIf(!haveShapely)(`the crossing check agrees with shapely's is_valid on 300 random polygons${haveShapely ? '' : ` (${NO_SHAPELY})`}`, () => {
    const random = mulberry32(7);
    const rings: OpenRing[] = [];
    for (let i = 0; i < 300; i++) {
      const k = 4 + Math.floor(6 * random());
      rings.push(Array.from({ length: k }, () => [Math.round(1000 * random()) / 10, Math.round(1000 * random()) / 10] as Point));
    }
    const fc = { type: 'FeatureCollection', features: rings.map((r) => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[...r, r[0]]] }, properties: {} })) };
    const measured = shapely(fc);
    const ours = rings.map((r) => crossesItself([r]));
    const crossing = ours.filter(Boolean).length;
    expect(crossing).toBeGreaterThan(50); // random rings: many cross
    expect(crossing).toBeLessThan(300);
    ours.forEach((c, i) => expect(c, `ring ${i}: shapely says ${measured[i].why}`).toBe(!measured[i].valid));
  });

  it('a million-point polygon is simplified within 0.5 px (and noted); one that stays over the limit is refused with the reason', () => {
    const R = 20_000;
    const N = 1_000_000;
    const circle: number[][] = [];
    for (let i = 0; i < N; i++) circle.push([25_000 + R * Math.cos((2 * Math.PI * i) / N), 25_000 + R * Math.sin((2 * Math.PI * i) / N)]);
    // 3 px teeth all round: nothing to drop within 0.5 px, so still over the limit once simplified.
    const zigzag: number[][] = [];
    const Z = MAX_IMPORT_VERTICES + 50_000;
    for (let i = 0; i < Z; i++) {
      const r = R + (i % 2 ? 3 : 0);
      zigzag.push([25_000 + r * Math.cos((2 * Math.PI * i) / Z), 25_000 + r * Math.sin((2 * Math.PI * i) / Z)]);
    }
    const poly = (ring: number[][]) => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]]] }, properties: { objectType: 'annotation', name: 'big' } });
    const started = performance.now();
    const read = readAnnotationsGeoJson(JSON.stringify({ type: 'FeatureCollection', features: [poly(circle), poly(zigzag)] }), 'huge.geojson', { width: 50_000, height: 50_000 });
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThan(10);
    expect(read.annotations).toHaveLength(1);
    const shape = read.annotations[0].shape as Extract<Shape, { type: 'polygon' }>;
    const kept = shape.polygons[0][0];
    expect(kept.length).toBeGreaterThan(100);
    expect(kept.length).toBeLessThan(5_000);
    // Each kept vertex is one of the circle's; between neighbours the arc bulges at most 0.5 px past the chord.
    let worst = 0;
    for (let i = 0; i < kept.length; i++) {
      const [x0, y0] = kept[i];
      const [x1, y1] = kept[(i + 1) % kept.length];
      expect(Math.abs(Math.hypot(x0 - 25_000, y0 - 25_000) - R)).toBeLessThan(1e-6);
      const half = Math.asin(Math.hypot(x1 - x0, y1 - y0) / 2 / R);
      worst = Math.max(worst, R * (1 - Math.cos(half)));
    }
    expect(worst).toBeLessThanOrEqual(0.5);
    expect(measureShape(shape, null).area! / (Math.PI * R * R)).toBeCloseTo(1, 4);
    expect(read.notes.join('\n')).toMatch(/Rings of over 10,000 vertices simplified within 0.5 px: 1 feature \(1\)/);
    expect(read.skipped).toHaveLength(1);
    expect(read.skipped[0].index).toBe(1);
    expect(read.skipped[0].reason).toMatch(new RegExp(`after simplifying within 0.5 px; Tessera takes at most ${MAX_IMPORT_VERTICES.toLocaleString('en-US')} per annotation`));
  });

  it('not JSON, or JSON that is not GeoJSON: a TesseraError in plain words naming the file', () => {
    const expectRefused = (text: string, message: RegExp) => {
      let e: unknown;
      try {
        readAnnotationsGeoJson(text, 'notes.csv');
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(TesseraError);
      expect((e as TesseraError).message).toMatch(message);
    };
    expectRefused('name,prediction\nx,1\n', /^notes\.csv is not JSON .*a GeoJSON export from Tessera, QuPath or WSInfer is\.$/s);
    expectRefused('{"type": "Topology", "objects": {}}', /^notes\.csv holds no GeoJSON features/);
    expectRefused('"just a string"', /holds no GeoJSON features/);
    expect(readAnnotationsGeoJson('{"type": "FeatureCollection", "features": []}', 'empty.geojson')).toMatchObject({ annotations: [], skipped: [], notes: ['The file holds no features.'] });
  });
});

describe.skipIf(!HAVE_FIXTURES || !haveShapely)(`4,976 hand-drawn nucleus outlines (gbm40-nuclei) as QuPath detections${HAVE_FIXTURES ? (haveShapely ? '' : ` (${NO_SHAPELY})`) : ` (${SKIP_REASON})`}`, () => {
  it('import every outline with 3 or more distinct points; its crossing check agrees with shapely on each; export gives shapely-valid-or-noted polygons with shapely\'s areas', () => {
    const contours = JSON.parse(readFileSync(fixture('patches', 'gbm40-nuclei', 'nuclei-contours.json'), 'utf8')) as Record<string, { width: number; height: number; nuclei: number[][][] }>;
    // The 40 tiles side by side, 8 a row, as one 4096 x 2560 px plane.
    const features: unknown[] = [];
    let distinctEnough = 0;
    Object.values(contours).forEach((tile, t) => {
      const ox = (t % 8) * 512;
      const oy = Math.floor(t / 8) * 512;
      for (const outline of tile.nuclei) {
        const ring = outline.map(([x, y]) => [x + ox, y + oy]);
        if (new Set(ring.map((p) => p.join())).size >= 3) distinctEnough++;
        features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]]] }, properties: { objectType: 'detection', classification: { name: 'Nucleus', color: [0, 160, 255] } } });
      }
    });
    expect(features.length).toBe(4976);
    const read = readAnnotationsGeoJson(JSON.stringify({ type: 'FeatureCollection', features }), 'nuclei.geojson', { width: 4096, height: 2560 });
    expect(read.annotations).toHaveLength(distinctEnough);
    expect(read.annotations.length + read.skipped.length).toBe(4976);
    for (const s of read.skipped) expect(s.reason).toMatch(/fewer than 3 distinct points/);
    expect(read.classes).toEqual([{ name: 'Nucleus', color: '#00a0ff' }]);
    expect(read.objectTypes).toEqual({ detection: distinctEnough });

    const fc: AnnotationFeatureCollection = annotationsToGeoJson(read.annotations, read.classes, PX);
    const measured = shapely(fc);
    let crossing = 0;
    measured.forEach((m, i) => {
      const shape = read.annotations[i].shape as Extract<Shape, { type: 'polygon' }>;
      const crosses = crossesItself(shape.polygons[0]);
      if (crosses) crossing++;
      expect(crosses, `nucleus ${i}: shapely says ${m.why}`).toBe(!m.valid);
      expect(Math.abs((m.area * MPP * MPP) / fc.features[i].properties.measurements['Area µm^2'] - 1)).toBeLessThan(1e-6);
    });
    const noted = /Polygons that cross themselves, imported as they are[^:]*: (\d+) feature/.exec(read.notes.join('\n'));
    expect(Number(noted?.[1] ?? 0)).toBe(crossing);
  });
});
