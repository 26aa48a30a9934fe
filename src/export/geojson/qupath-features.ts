import { tileRect, TileState, type ResultStore } from '../../analysis';
import { NOT_ANALYSED, type MaskRaster } from '../../analysis/segmentation';
import { simplifyRing } from './simplify-ring';
import { signedArea, traceRegions, type Ring } from './trace-regions';

/**
 * GeoJSON as QuPath reads and writes it (QuPath 0.4+, qupath-core's QuPathTypeAdapters): a FeatureCollection
 * of Features in level-0 pixel coordinates (origin top-left), each with `properties.objectType` ("tile",
 * "annotation", "detection"), `classification: {name, color: [r, g, b]}` and `measurements` as an object
 * of name → number.
 */
export interface QuPathFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };
  properties: {
    objectType: 'tile' | 'annotation' | 'detection';
    classification: { name: string; color: [number, number, number] };
    measurements?: Record<string, number>;
    isLocked?: boolean;
  };
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: QuPathFeature[];
}

export interface ClassStyle {
  name: string;
  /** CSS hex colour, #rrggbb. */
  color: string;
}

/** #rrggbb → [r, g, b]; anything else grey. */
export function rgbOf(color: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color.trim());
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [128, 128, 128];
}

/** A random (v4) UUID, as QuPath gives its objects; crypto.randomUUID in browsers and Node alike. */
function uuid(): string {
  return globalThis.crypto.randomUUID();
}

/** Every analysed tile: its square, its predicted class, and the class probabilities (prob_<class>) and measures as measurements. */
export function tileFeatures(store: ResultStore, classes: readonly ClassStyle[]): QuPathFeature[] {
  const k = store.classNames.length;
  const m = store.measureNames.length;
  const out: QuPathFeature[] = [];
  for (let t = 0; t < store.state.length; t++) {
    if (store.state[t] !== TileState.done) continue;
    const r = tileRect(store.grid, t);
    const cls = classes[store.classIndex[t]] ?? { name: store.classNames[store.classIndex[t]] ?? 'Unclassified', color: '#808080' };
    const measurements: Record<string, number> = {};
    for (let j = 0; j < k; j++) measurements[`prob_${store.classNames[j]}`] = round(store.probabilities[t * k + j]);
    if (!Number.isNaN(store.tissue[t])) measurements.tissue = round(store.tissue[t]);
    for (let j = 0; j < m; j++) if (Number.isFinite(store.measures[t * m + j])) measurements[store.measureNames[j]] = round(store.measures[t * m + j]);
    const ring: Ring = [[r.x, r.y], [r.x, r.y + r.height], [r.x + r.width, r.y + r.height], [r.x + r.width, r.y], [r.x, r.y]];
    out.push(feature('tile', cls, { type: 'Polygon', coordinates: [ring] }, measurements));
  }
  return out;
}

export interface MaskFeatureOptions {
  /** Classes drawn as annotations (default: every class but the first, taken as background). */
  classes?: number[];
  /** Douglas-Peucker tolerance in mask pixels (default 1). */
  tolerance?: number;
}

/**
 * The stitched segmentation mask as one annotation per class: a MultiPolygon of its regions (with holes),
 * traced along mask pixel edges, simplified within `tolerance` mask pixels (less where that would move a
 * region's area by more than 1%), in level-0 pixels. Each
 * annotation's measurements: its area in level-0 pixels² and its number of regions.
 */
export function maskFeatures(raster: MaskRaster, classes: readonly ClassStyle[], options: MaskFeatureOptions = {}): QuPathFeature[] {
  const wanted = options.classes ?? classes.map((_, i) => i).slice(1);
  const tolerance = options.tolerance ?? 1;
  const toLevel0 = level0Of(raster);
  const out: QuPathFeature[] = [];
  for (const c of wanted) {
    const binary = new Uint8Array(raster.data.length);
    for (let i = 0; i < binary.length; i++) binary[i] = raster.data[i] === c && raster.data[i] !== NOT_ANALYSED ? 1 : 0;
    const regions = traceRegions(binary, raster.width, raster.height);
    if (!regions.length) continue;
    const polygons = regions.map((r) => simplifyPolygon([r.outer, ...r.holes], r.pixels, tolerance).map(toLevel0));
    const pixels = regions.reduce((s, r) => s + r.pixels, 0);
    out.push(feature('annotation', classes[c], { type: 'MultiPolygon', coordinates: polygons }, { area_px2: round(pixels * raster.downsample ** 2), regions: regions.length }));
  }
  return out;
}

/** Largest change of a polygon's area simplification may make: small nuclei keep their size. */
const AREA_TOLERANCE = 0.01;

/**
 * Douglas-Peucker within `tolerance` pixels, halved (down to none) while the polygon's area would move by
 * more than 1%: on a small region's staircase, cutting corners a pixel deep changes its area by several percent.
 */
function simplifyPolygon(rings: Ring[], pixels: number, tolerance: number): Ring[] {
  for (let t = tolerance; t >= 0.25; t /= 2) {
    const simple = rings.map((ring) => simplifyRing(ring, t));
    if (Math.abs(polygonArea(simple) - pixels) <= AREA_TOLERANCE * pixels) return simple;
  }
  return rings;
}

function polygonArea(rings: Ring[]): number {
  return Math.abs(signedArea(rings[0])) - rings.slice(1).reduce((s, h) => s + Math.abs(signedArea(h)), 0);
}

/**
 * One detection per connected region of the nucleus class (nuclei instances), with its area in level-0
 * pixels² and in µm² when the slide's µm/px is known.
 */
export function detectionFeatures(raster: MaskRaster, classIndex: number, style: ClassStyle, umPerPixel?: number): QuPathFeature[] {
  const binary = new Uint8Array(raster.data.length);
  for (let i = 0; i < binary.length; i++) binary[i] = raster.data[i] === classIndex ? 1 : 0;
  const scale = raster.downsample ** 2;
  return traceRegions(binary, raster.width, raster.height).map((r) => {
    const rings = [r.outer, ...r.holes].map(level0Of(raster));
    const measurements: Record<string, number> = { area_px2: round(r.pixels * scale) };
    if (umPerPixel) measurements.area_um2 = round(r.pixels * scale * umPerPixel ** 2);
    return feature('detection', style, { type: 'Polygon', coordinates: rings }, measurements);
  });
}

/** Mask pixel corners → level-0 pixels. */
function level0Of(raster: MaskRaster): (ring: Ring) => Ring {
  return (ring) => ring.map(([x, y]) => [round(raster.originX + x * raster.downsample), round(raster.originY + y * raster.downsample)]);
}

export function featureCollection(features: QuPathFeature[]): FeatureCollection {
  return { type: 'FeatureCollection', features };
}

function feature(objectType: QuPathFeature['properties']['objectType'], cls: ClassStyle, geometry: QuPathFeature['geometry'], measurements: Record<string, number>): QuPathFeature {
  return { type: 'Feature', id: uuid(), geometry, properties: { objectType, classification: { name: cls.name, color: rgbOf(cls.color) }, measurements } };
}

/** Float32 values to the digits they hold (nine significant digits). */
function round(v: number): number {
  return Number(v.toPrecision(9));
}

