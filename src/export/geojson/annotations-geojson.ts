import { DEFAULT_CLASSES, ELLIPSE_VERTICES, classColor, ellipseRing, hexOfRgb, measureShape, qupathMeasurements, rgbOfHex, shapeBounds, type Annotation, type AnnotationClass, type OpenRing, type PixelSize, type Point, type PolygonRings, type Shape } from '../../annotations';
import { classificationOf, isObject, measurementsOf, objectTypeOf, parseFeatureList } from './read-geojson';
import { simplifyChain, simplifyRing } from './simplify-ring';
import { signedArea, type Ring } from './trace-regions';

/**
 * Annotations as QuPath reads and writes them (qupath-core, QuPathTypeAdapters.PathObjectTypeAdapter and
 * ROITypeAdapters): a Feature per annotation with its UUID as `id`; `properties` hold objectType
 * "annotation", `name` when set, `classification` {name, color} (absent when unclassified, as QuPath
 * leaves it), `isLocked` only when locked, `measurements` with QuPath's names and `metadata` (a map of
 * string → string that QuPath 0.5 keeps, where we keep our kind of shape). An ellipse is a polygon with
 * QuPath's own foreign member `isEllipse: true` on its geometry (QuPath reads it back as an ellipse from the
 * polygon's bounds).
 */
export type AnnotationGeometry =
  | { type: 'Polygon'; coordinates: Ring[]; isEllipse?: true }
  | { type: 'MultiPolygon'; coordinates: Ring[][] }
  | { type: 'LineString'; coordinates: Ring }
  | { type: 'MultiPoint'; coordinates: Ring };

export interface AnnotationFeature {
  type: 'Feature';
  id: string;
  geometry: AnnotationGeometry;
  properties: {
    objectType: 'annotation';
    name?: string;
    classification?: { name: string; color: [number, number, number] };
    isLocked?: true;
    measurements: Record<string, number>;
    metadata: Record<string, string>;
  };
}

export interface AnnotationFeatureCollection {
  type: 'FeatureCollection';
  features: AnnotationFeature[];
}

/** The metadata key holding our kind of shape (rectangle, ellipse, line, polyline, polygon, points). */
export const SHAPE_METADATA_KEY = 'tessera.shape';

/** The annotations as a GeoJSON FeatureCollection QuPath imports (File > Import objects), in level-0 pixels. */
export function annotationsToGeoJson(annotations: readonly Annotation[], classes: readonly AnnotationClass[], pixelSize: PixelSize): AnnotationFeatureCollection {
  return { type: 'FeatureCollection', features: annotations.map((a) => annotationFeature(a, classes, pixelSize)) };
}

export function annotationFeature(a: Annotation, classes: readonly AnnotationClass[], pixelSize: PixelSize): AnnotationFeature {
  // QuPath's order: objectType, name, classification, isLocked, measurements, metadata.
  const properties: AnnotationFeature['properties'] = {
    objectType: 'annotation',
    ...(a.name ? { name: a.name } : {}),
    ...(a.className !== null ? { classification: { name: a.className, color: rgbOfHex(classColor(classes, a.className)) } } : {}),
    ...(a.locked ? { isLocked: true as const } : {}),
    measurements: qupathMeasurements(measureShape(a.shape, pixelSize)),
    metadata: { [SHAPE_METADATA_KEY]: a.shape.type },
  };
  return { type: 'Feature', id: a.id, geometry: geometryOf(a.shape), properties };
}

function geometryOf(shape: Shape): AnnotationGeometry {
  switch (shape.type) {
    case 'rectangle': {
      const { x, y, width: w, height: h } = shape;
      return { type: 'Polygon', coordinates: [closedRing([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], true)] };
    }
    case 'ellipse':
      return { type: 'Polygon', coordinates: [closedRing(ellipseRing(shape.x, shape.y, shape.width, shape.height, ELLIPSE_VERTICES), true)], isEllipse: true };
    case 'polygon': {
      const polygons = shape.polygons.map((poly) => poly.map((ring, i) => closedRing(ring, i === 0)));
      return polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0] } : { type: 'MultiPolygon', coordinates: polygons };
    }
    case 'line':
    case 'polyline':
      return { type: 'LineString', coordinates: shape.points.map(copy) };
    case 'points':
      return { type: 'MultiPoint', coordinates: shape.points.map(copy) };
  }
}

/**
 * An open ring closed (first point repeated) and turned as RFC 7946 asks: outer rings anticlockwise, holes
 * clockwise, in a y-up frame; our y runs down, so an outer ring's shoelace sum here is negative.
 */
function closedRing(ring: OpenRing, outer: boolean): Ring {
  const closed: Ring = ring.map(copy);
  if (closed.length) closed.push(copy(ring[0]));
  const area = signedArea(closed);
  if ((outer && area > 0) || (!outer && area < 0)) closed.reverse();
  return closed;
}

const copy = (p: Point): [number, number] => [p[0], p[1]];

// ---------------------------------------------------------------------------------------------------------
// Reading

/** What reading a GeoJSON file as annotations gives. */
export interface AnnotationsImport {
  annotations: Annotation[];
  /** Classes the file uses that were not among the known ones, with the file's colours (or one of ours). */
  classes: AnnotationClass[];
  /** Features not imported: `index` is the feature's place in the file (from 0), `reason` in plain words. */
  skipped: { index: number; reason: string }[];
  /** What was changed or is worth knowing about what was imported, one sentence each (features counted from 1). */
  notes: string[];
  /** How many annotations came from each QuPath object type (annotation, detection, tile, cell...). */
  objectTypes: Record<string, number>;
}

/** Rings longer than this are simplified within SIMPLIFY_TOLERANCE on import (a model's traced outlines, a stray export). */
export const SIMPLIFY_ABOVE = 10_000;
/** Level-0 pixels: what simplifying an imported ring may move its outline by. */
export const SIMPLIFY_TOLERANCE = 0.5;
/** Most vertices one imported annotation may have (after simplifying): more is refused, with the reason. */
export const MAX_IMPORT_VERTICES = 200_000;
/** Rings longer than this are refused unread (a 100 MB file of one outline). */
export const MAX_RAW_VERTICES = 5_000_000;
/** Stretches huge rings are first simplified in (bounds Douglas-Peucker's quadratic worst case). */
const SIMPLIFY_CHUNK = 256;
/** Huge rings left at most this long by the stretch pass get a whole-ring pass too. */
const SECOND_PASS_BELOW = 20_000;
/** Segment comparisons the self-intersection check may spend on one polygon before giving up on it. */
const CROSSING_CHECK_BUDGET = 20_000_000;
/** Colours for classes a file names without giving one (QuPath-like, distinct from the defaults). */
const NEW_CLASS_COLORS = ['#00a0a0', '#a0a000', '#a000a0', '#0080ff', '#ff8000', '#408040', '#804000', '#4040c0'];

/** Why one feature (or part of one) is not imported. */
class Skip extends Error {}

/** Facts noted while reading, counted per kind, for the notes. */
type Tally = Map<string, number[]>;

/**
 * Reads a GeoJSON text (Tessera's export, QuPath 0.2 to 0.5's, or anyone's) as editable annotations.
 * Accepted: a FeatureCollection, a list of Features or one Feature; `objectType` / `object_type` / `type`,
 * `classification` {name, color} or colorRGB, measurements as an object or a list (all as readGeoJson);
 * Polygon and MultiPolygon (an annotation each), LineString (2 points a line, more a polyline),
 * MultiLineString (an annotation per line), Point and MultiPoint (points), GeometryCollection (its members,
 * each as above). Rectangles and ellipses written by Tessera (or QuPath's ellipses) come back as such.
 *
 * Bad features are listed in `skipped` with the reason and the rest imported: unknown geometry types, empty
 * or non-finite coordinates, rings of fewer than 3 distinct points, shapes wholly outside the slide (given
 * `slideSize`), more than MAX_IMPORT_VERTICES vertices. Rings over SIMPLIFY_ABOVE vertices are simplified
 * within 0.5 px, polygons that cross themselves and shapes reaching outside the slide are imported as they
 * are; `notes` says so. Not JSON, or no features: a TesseraError naming `fileName`.
 */
export function readAnnotationsGeoJson(text: string, fileName: string, slideSize?: { width: number; height: number }, known: readonly AnnotationClass[] = DEFAULT_CLASSES): AnnotationsImport {
  const features = parseFeatureList(text, fileName);
  const out: AnnotationsImport = { annotations: [], classes: [], skipped: [], notes: [], objectTypes: {} };
  const tally: Tally = new Map();
  const ids = new Set<string>();
  features.forEach((f, index) => {
    try {
      if (!isObject(f) || f.type !== 'Feature') throw new Skip('it is not a GeoJSON Feature');
      const shapes = readFeatureShapes(f, index, tally, slideSize);
      const p = isObject(f.properties) ? f.properties : {};
      const objectType = objectTypeOf(p);
      const className = classOf(p, known, out.classes);
      shapes.forEach((shape, k) => {
        const id = k === 0 && isUuid(f.id) && !ids.has(String(f.id).toLowerCase()) ? String(f.id).toLowerCase() : globalThis.crypto.randomUUID();
        ids.add(id);
        out.annotations.push({ id, name: typeof p.name === 'string' ? p.name : '', className, locked: p.isLocked === true, shape });
        out.objectTypes[objectType] = (out.objectTypes[objectType] ?? 0) + 1;
      });
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      out.skipped.push({ index, reason: e.message });
    }
  });
  out.notes = notesOf(tally, out, features.length);
  return out;
}

/** The shapes of one feature (several for MultiLineString and GeometryCollection), or a Skip. */
function readFeatureShapes(f: Record<string, unknown>, index: number, tally: Tally, slideSize?: { width: number; height: number }): Shape[] {
  if (!isObject(f.geometry)) throw new Skip('it has no geometry');
  const p = isObject(f.properties) ? f.properties : {};
  const metadata = isObject(p.metadata) ? p.metadata : {};
  const kind = typeof metadata[SHAPE_METADATA_KEY] === 'string' ? (metadata[SHAPE_METADATA_KEY] as string) : f.geometry.isEllipse === true ? 'ellipse' : null;
  const parts: Shape[] = [];
  const problems: string[] = [];
  for (const g of flattenGeometry(f.geometry)) {
    try {
      for (const shape of shapesOf(g, kind, index, tally)) {
        checkSize(shape);
        if (slideSize && !onSlide(shape, slideSize, index, tally)) throw new Skip(`it lies wholly outside the slide (${slideSize.width} x ${slideSize.height} px)`);
        parts.push(shape);
      }
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      problems.push(e.message);
    }
  }
  if (!parts.length) throw new Skip(problems.length ? [...new Set(problems)].join('; ') : 'its geometry is empty');
  if (problems.length) note(tally, `parts left out (${[...new Set(problems)].join('; ')})`, index);
  return parts;
}

/** A GeometryCollection's members (nested ones too); any other geometry as itself. */
function flattenGeometry(g: Record<string, unknown>): Record<string, unknown>[] {
  if (g.type !== 'GeometryCollection') return [g];
  if (!Array.isArray(g.geometries)) throw new Skip('its GeometryCollection has no geometries');
  return g.geometries.flatMap((m) => (isObject(m) ? flattenGeometry(m) : []));
}

function shapesOf(g: Record<string, unknown>, kind: string | null, index: number, tally: Tally): Shape[] {
  const c = g.coordinates;
  switch (g.type) {
    case 'Polygon':
      return [areaShape([polygonOf(c, index, tally)], kind, index, tally)];
    case 'MultiPolygon': {
      if (!Array.isArray(c) || !c.length) throw new Skip('its MultiPolygon has no coordinates');
      const polygons: PolygonRings[] = [];
      let bad = '';
      for (const poly of c) {
        try {
          polygons.push(polygonOf(poly, index, tally));
        } catch (e) {
          if (!(e instanceof Skip)) throw e;
          bad = e.message;
        }
      }
      if (!polygons.length) throw new Skip(bad);
      if (bad) note(tally, 'polygons of a MultiPolygon left out (fewer than 3 distinct points, or non-finite coordinates)', index);
      return [areaShape(polygons, kind, index, tally)];
    }
    case 'LineString':
      return [lineOf(c, kind)];
    case 'MultiLineString':
      if (!Array.isArray(c) || !c.length) throw new Skip('its MultiLineString has no coordinates');
      return c.map((line) => lineOf(line, null));
    case 'Point':
      return [{ type: 'points', points: [pointOf(c)] }];
    case 'MultiPoint': {
      if (!Array.isArray(c) || !c.length) throw new Skip('its MultiPoint has no coordinates');
      return [{ type: 'points', points: c.map(pointOf) }];
    }
    default:
      throw new Skip(`its geometry type ${typeof g.type === 'string' ? `"${g.type.slice(0, 40)}"` : '(none)'} is not one Tessera reads (Polygon, MultiPolygon, LineString, MultiLineString, Point, MultiPoint, GeometryCollection)`);
  }
}

function pointOf(v: unknown): Point {
  if (!Array.isArray(v) || v.length < 2) throw new Skip('it has a position that is not [x, y]');
  const x = v[0];
  const y = v[1];
  if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) throw new Skip('it has non-finite coordinates');
  return [x, y];
}

/** A ring as an open ring without repeated consecutive points (nor the closing one); fewer than 3 distinct points: a Skip. */
function ringOf(v: unknown, index: number, tally: Tally): OpenRing {
  if (!Array.isArray(v) || !v.length) throw new Skip('it has an empty ring');
  let ring: OpenRing = [];
  for (const p of v.map(pointOf)) {
    const last = ring[ring.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) ring.push(p);
  }
  while (ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1]) ring.pop();
  if (!threeDistinct(ring)) throw new Skip('it has a ring with fewer than 3 distinct points');
  if (ring.length > SIMPLIFY_ABOVE) {
    ring = simplifyHuge(ring);
    note(tally, `rings of over ${SIMPLIFY_ABOVE.toLocaleString('en-US')} vertices simplified within ${SIMPLIFY_TOLERANCE} px`, index);
  }
  return ring;
}

/** Whether a ring has at least three distinct points (it may go back and forth between two). */
function threeDistinct(ring: OpenRing): boolean {
  const a = ring[0];
  let b: Point | undefined;
  for (const p of ring) {
    if (same(p, a)) continue;
    if (!b) b = p;
    else if (!same(p, b)) return true;
  }
  return false;
}

/**
 * A huge ring simplified within SIMPLIFY_TOLERANCE in bounded time: Douglas-Peucker is quadratic on
 * outlines whose vertices tie for farthest (pixel staircases, teeth), so it first runs on stretches of
 * SIMPLIFY_CHUNK vertices (their ends kept), then on the whole ring when what is left is small enough.
 * Refused (a Skip) when over MAX_RAW_VERTICES, or over MAX_IMPORT_VERTICES after simplifying.
 */
function simplifyHuge(ring: OpenRing): OpenRing {
  if (ring.length > MAX_RAW_VERTICES) throw new Skip(`it has a ring of ${ring.length.toLocaleString('en-US')} vertices; Tessera reads at most ${MAX_RAW_VERTICES.toLocaleString('en-US')}`);
  const kept: OpenRing = [];
  for (let start = 0; start < ring.length; start += SIMPLIFY_CHUNK) {
    // Each stretch runs to the next one's first vertex (the last one back to the ring's first), so the stretches
    // kept join up; each one's last vertex is left to the next.
    const stop = start + SIMPLIFY_CHUNK;
    const stretch = stop < ring.length ? ring.slice(start, stop + 1) : [...ring.slice(start), ring[0]];
    const simple = simplifyChain(stretch, SIMPLIFY_TOLERANCE);
    for (let i = 0; i < simple.length - 1; i++) kept.push(simple[i]);
  }
  if (kept.length > MAX_IMPORT_VERTICES) throw new Skip(`it has ${kept.length.toLocaleString('en-US')} vertices after simplifying within ${SIMPLIFY_TOLERANCE} px; Tessera takes at most ${MAX_IMPORT_VERTICES.toLocaleString('en-US')} per annotation`);
  if (kept.length > SECOND_PASS_BELOW || kept.length < 4) return kept;
  return simplifyRing([...kept, kept[0]], SIMPLIFY_TOLERANCE).slice(0, -1);
}

function polygonOf(v: unknown, index: number, tally: Tally): PolygonRings {
  if (!Array.isArray(v) || !v.length) throw new Skip('it has a polygon without rings');
  const rings: PolygonRings = [ringOf(v[0], index, tally)];
  for (const hole of v.slice(1)) {
    try {
      rings.push(ringOf(hole, index, tally));
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      note(tally, 'holes left out (fewer than 3 distinct points, or non-finite coordinates)', index);
    }
  }
  return rings;
}

/** Polygons as a rectangle or ellipse when the file says they were one and they still are; else a polygon. */
function areaShape(polygons: PolygonRings[], kind: string | null, index: number, tally: Tally): Shape {
  // Refused before the crossing check, which would be the slow part of a huge polygon.
  checkSize({ type: 'polygon', polygons });
  if ((kind === 'rectangle' || kind === 'ellipse') && polygons.length === 1 && polygons[0].length === 1) {
    const ring = polygons[0][0];
    const box = shapeBounds({ type: 'polygon', polygons });
    if (kind === 'rectangle' && isBox(ring, box)) return { type: 'rectangle', ...box };
    if (kind === 'ellipse' && isEllipse(ring, box)) return { type: 'ellipse', ...box };
  }
  if (kind === 'rectangle' || kind === 'ellipse') note(tally, `shapes marked as rectangles or ellipses that were reshaped since, imported as polygons`, index);
  if (polygons.some((poly) => crossesItself(poly) === true)) note(tally, 'polygons that cross themselves, imported as they are (QuPath and others may fill them differently)', index);
  return { type: 'polygon', polygons };
}

/** Whether a ring is its bounding box: four corners, axis-aligned (any start, either way round). */
function isBox(ring: OpenRing, box: { x: number; y: number; width: number; height: number }): boolean {
  if (ring.length !== 4 || box.width <= 0 || box.height <= 0) return false;
  const corners = new Set(ring.map(([x, y]) => `${x === box.x ? 0 : x === box.x + box.width ? 1 : 'x'},${y === box.y ? 0 : y === box.y + box.height ? 1 : 'y'}`));
  return corners.size === 4 && [...corners].every((c) => !c.includes('x') && !c.includes('y')) && ring.every((p, i) => {
    const q = ring[(i + 1) % 4];
    return p[0] === q[0] || p[1] === q[1];
  });
}

/** Whether every vertex of a ring lies within 0.5 px of the ellipse inside `box` (and there are enough of them to be one). */
function isEllipse(ring: OpenRing, box: { x: number; y: number; width: number; height: number }): boolean {
  const rx = box.width / 2;
  const ry = box.height / 2;
  if (ring.length < 8 || rx <= 0 || ry <= 0) return false;
  const cx = box.x + rx;
  const cy = box.y + ry;
  return ring.every(([x, y]) => Math.abs(Math.hypot((x - cx) / rx, (y - cy) / ry) - 1) * Math.max(rx, ry) <= 0.5);
}

function lineOf(v: unknown, kind: string | null): Shape {
  if (!Array.isArray(v) || !v.length) throw new Skip('it has a line without coordinates');
  const points: Point[] = [];
  for (const p of v.map(pointOf)) {
    const last = points[points.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) points.push(p);
  }
  if (points.length < 2) throw new Skip('it has a line with fewer than 2 distinct points');
  return points.length === 2 && kind !== 'polyline' ? { type: 'line', points: [points[0], points[1]] } : { type: 'polyline', points };
}

function checkSize(shape: Shape): void {
  const n = shape.type === 'polygon' ? shape.polygons.reduce((s, p) => s + p.reduce((m, r) => m + r.length, 0), 0) : shape.type === 'rectangle' || shape.type === 'ellipse' ? 4 : shape.points.length;
  if (n > MAX_IMPORT_VERTICES) throw new Skip(`it has ${n.toLocaleString('en-US')} vertices${shape.type === 'polygon' ? ` after simplifying within ${SIMPLIFY_TOLERANCE} px` : ''}; Tessera takes at most ${MAX_IMPORT_VERTICES.toLocaleString('en-US')} per annotation`);
}

/** False when the shape's bounds miss the slide; notes shapes that reach outside it. */
function onSlide(shape: Shape, size: { width: number; height: number }, index: number, tally: Tally): boolean {
  const b = shapeBounds(shape);
  if (b.x > size.width || b.y > size.height || b.x + b.width < 0 || b.y + b.height < 0) return false;
  if (b.x < 0 || b.y < 0 || b.x + b.width > size.width || b.y + b.height > size.height) note(tally, 'shapes reaching outside the slide, imported as they are', index);
  return true;
}

/**
 * Whether any two edges of a polygon's rings meet other than where neighbours share a vertex (a figure
 * eight, a hole across its outline): what makes a polygon invalid for shapely / JTS. Edges are swept in
 * order of their left end, so only edges overlapping in x are compared; null when that would take more
 * than CROSSING_CHECK_BUDGET comparisons (left unchecked).
 */
export function crossesItself(rings: readonly OpenRing[]): boolean | null {
  const edges: { a: Point; b: Point; ring: number; i: number; n: number; x0: number; x1: number }[] = [];
  rings.forEach((ring, r) => {
    for (let i = 0; i < ring.length; i++) {
      const a = ring[i];
      const b = ring[(i + 1) % ring.length];
      edges.push({ a, b, ring: r, i, n: ring.length, x0: Math.min(a[0], b[0]), x1: Math.max(a[0], b[0]) });
    }
  });
  edges.sort((e, f) => e.x0 - f.x0);
  let budget = CROSSING_CHECK_BUDGET;
  for (let s = 0; s < edges.length; s++) {
    const e = edges[s];
    for (let t = s + 1; t < edges.length && edges[t].x0 <= e.x1; t++) {
      if (--budget < 0) return null;
      const f = edges[t];
      if (e.ring === f.ring && (Math.abs(e.i - f.i) === 1 || Math.abs(e.i - f.i) === e.n - 1)) {
        // Neighbours share a vertex; they cross only by folding back over each other.
        if (e.n > 2 && overlapAlong(e, f)) return true;
        continue;
      }
      if (segmentsMeet(e.a, e.b, f.a, f.b)) return true;
    }
  }
  return false;
}

function orient(a: Point, b: Point, c: Point): number {
  const v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(a: Point, b: Point, p: Point): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

function segmentsMeet(a: Point, b: Point, c: Point, d: Point): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) || (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b));
}

/** Two edges sharing a vertex overlap (not only touch) when collinear and pointing the same way from it. */
function overlapAlong(e: { a: Point; b: Point }, f: { a: Point; b: Point }): boolean {
  const shared = same(e.a, f.a) || same(e.a, f.b) ? e.a : e.b;
  const p = same(e.a, shared) ? e.b : e.a;
  const q = same(f.a, shared) ? f.b : f.a;
  if (orient(shared, p, q) !== 0) return false;
  return (p[0] - shared[0]) * (q[0] - shared[0]) + (p[1] - shared[1]) * (q[1] - shared[1]) > 0;
}

const same = (p: Point, q: Point) => p[0] === q[0] && p[1] === q[1];

/** The annotation's class: known, met earlier in the file, or new (added to `met` with the file's colour). */
function classOf(p: Record<string, unknown>, known: readonly AnnotationClass[], met: AnnotationClass[]): string | null {
  const cls = classificationOf(p);
  if (!cls?.name) return null;
  const name = cls.name;
  if (!known.some((c) => c.name === name) && !met.some((c) => c.name === name)) {
    const color = cls.color ? hexOfRgb(cls.color) : NEW_CLASS_COLORS[met.length % NEW_CLASS_COLORS.length];
    met.push({ name, color });
  }
  return name;
}

function isUuid(v: unknown): boolean {
  return typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
}

function note(tally: Tally, what: string, index: number): void {
  const list = tally.get(what) ?? [];
  if (list[list.length - 1] !== index) list.push(index);
  tally.set(what, list);
}

/** One sentence per kind of thing noted, naming up to five features (counted from 1, as people count). */
function notesOf(tally: Tally, out: AnnotationsImport, total: number): string[] {
  const notes: string[] = [];
  if (!total) notes.push('The file holds no features.');
  for (const [what, indices] of tally) notes.push(`${capitalised(what)}: ${featureList(indices)}.`);
  const others = Object.entries(out.objectTypes).filter(([t]) => t !== 'annotation');
  if (others.length) notes.push(`${others.map(([t, n]) => `${n} ${t}${n === 1 ? '' : 's'}`).join(', ')} imported as annotations.`);
  if (out.classes.length) notes.push(`New classes: ${out.classes.map((c) => c.name).join(', ')}.`);
  return notes;
}

function featureList(indices: number[]): string {
  const shown = indices.slice(0, 5).map((i) => i + 1).join(', ');
  return `${indices.length} feature${indices.length === 1 ? '' : 's'} (${indices.length > 5 ? `${shown}, ...` : shown})`;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
