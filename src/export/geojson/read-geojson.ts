import { TesseraError } from '../../core';
import type { Ring } from './trace-regions';

/** A feature read back from GeoJSON (Tessera's, QuPath's, WSInfer's): what the viewer draws. */
export interface ImportedFeature {
  objectType: string;
  /** Polygons, each an outer ring and its holes, in level-0 pixels. */
  polygons: Ring[][];
  className?: string;
  /** [r, g, b] when the file gives one. */
  color?: [number, number, number];
  measurements: Record<string, number>;
}

/**
 * Reads a GeoJSON FeatureCollection, an array of Features or one Feature, as QuPath does: `objectType`
 * (or the older `object_type`, or `type`), `classification` {name, color} (or the older colorRGB),
 * measurements as an object or as QuPath 0.3's [{name, value}] list. Polygons and MultiPolygons are kept;
 * other geometries are counted in `skipped`.
 */
export function readGeoJson(text: string, name = 'the file'): { features: ImportedFeature[]; skipped: number } {
  const features: ImportedFeature[] = [];
  let skipped = 0;
  for (const f of parseFeatureList(text, name)) {
    const read = isObject(f) ? readFeature(f) : null;
    if (read) features.push(read);
    else skipped++;
  }
  return { features, skipped };
}

/**
 * The features of a GeoJSON text as QuPath accepts them: a FeatureCollection, a list of Features or one
 * Feature (each entry left unchecked). Not JSON, or JSON without features: a TesseraError naming `name`.
 */
export function parseFeatureList(text: string, name = 'the file'): unknown[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TesseraError('corrupt-file', `${name} is not JSON (${e instanceof Error ? e.message : String(e)}); a GeoJSON export from Tessera, QuPath or WSInfer is.`);
  }
  const list = Array.isArray(json) ? json : isObject(json) && json.type === 'FeatureCollection' && Array.isArray(json.features) ? json.features : isObject(json) && json.type === 'Feature' ? [json] : null;
  if (!list) throw new TesseraError('unsupported', `${name} holds no GeoJSON features (a FeatureCollection, a Feature or a list of them was expected).`);
  return list;
}

function readFeature(f: Record<string, unknown>): ImportedFeature | null {
  const geometry = f.geometry;
  if (!isObject(geometry)) return null;
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : null;
  if (!Array.isArray(polygons) || !polygons.every(isPolygon)) return null;
  const p = isObject(f.properties) ? f.properties : {};
  const cls = classificationOf(p);
  return { objectType: objectTypeOf(p), polygons: polygons as Ring[][], className: cls?.name, color: cls?.color, measurements: measurementsOf(p.measurements) };
}

/** QuPath's object type: `objectType`, QuPath 0.2's `object_type`, or `type`; none means an annotation (as QuPath reads it). */
export function objectTypeOf(properties: Record<string, unknown>): string {
  return String(properties.objectType ?? properties.object_type ?? properties.type ?? 'annotation');
}

/**
 * A feature's class: QuPath's `classification` {name, color: [r, g, b]} (QuPath 0.4+ writes a derived class
 * as `names`, joined here with ": " as QuPath shows it; older files give `colorRGB`, a packed integer) or a
 * bare name; undefined when unclassified.
 */
export function classificationOf(properties: Record<string, unknown>): { name?: string; color?: [number, number, number] } | undefined {
  const c = properties.classification;
  if (typeof c === 'string') return c ? { name: c } : undefined;
  if (!isObject(c)) return undefined;
  const name = typeof c.name === 'string' ? c.name : Array.isArray(c.names) && c.names.every((n) => typeof n === 'string') && c.names.length ? c.names.join(': ') : undefined;
  return { name, color: colorOf(c) };
}

function colorOf(cls: Record<string, unknown>): [number, number, number] | undefined {
  if (Array.isArray(cls.color) && cls.color.length === 3 && cls.color.every((v) => Number.isFinite(v))) return cls.color as [number, number, number];
  if (typeof cls.colorRGB === 'number') {
    const v = cls.colorRGB;
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  return undefined;
}

/** QuPath's measurements: an object of name → number, or QuPath 0.3's [{name, value}] list; other values dropped. */
export function measurementsOf(m: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (Array.isArray(m)) for (const e of m) if (isObject(e) && typeof e.name === 'string' && typeof e.value === 'number') out[e.name] = e.value;
  if (isObject(m)) for (const [k, v] of Object.entries(m)) if (typeof v === 'number') out[k] = v;
  return out;
}

function isPolygon(rings: unknown): boolean {
  return Array.isArray(rings) && rings.length > 0 && rings.every((r) => Array.isArray(r) && r.length >= 4 && r.every((pt) => Array.isArray(pt) && pt.length >= 2 && Number.isFinite(pt[0]) && Number.isFinite(pt[1])));
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
