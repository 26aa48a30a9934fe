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
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TesseraError('corrupt-file', `${name} is not JSON (${e instanceof Error ? e.message : String(e)}); a GeoJSON export from Tessera, QuPath or WSInfer is.`);
  }
  const list = Array.isArray(json) ? json : isObject(json) && json.type === 'FeatureCollection' && Array.isArray(json.features) ? json.features : isObject(json) && json.type === 'Feature' ? [json] : null;
  if (!list) throw new TesseraError('unsupported', `${name} holds no GeoJSON features (a FeatureCollection, a Feature or a list of them was expected).`);
  const features: ImportedFeature[] = [];
  let skipped = 0;
  for (const f of list) {
    const read = isObject(f) ? readFeature(f) : null;
    if (read) features.push(read);
    else skipped++;
  }
  return { features, skipped };
}

function readFeature(f: Record<string, unknown>): ImportedFeature | null {
  const geometry = f.geometry;
  if (!isObject(geometry)) return null;
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : null;
  if (!Array.isArray(polygons) || !polygons.every(isPolygon)) return null;
  const p = isObject(f.properties) ? f.properties : {};
  const objectType = String(p.objectType ?? p.object_type ?? p.type ?? 'annotation');
  const cls = isObject(p.classification) ? p.classification : undefined;
  return { objectType, polygons: polygons as Ring[][], className: typeof cls?.name === 'string' ? cls.name : undefined, color: colorOf(cls), measurements: measurementsOf(p.measurements) };
}

function colorOf(cls: Record<string, unknown> | undefined): [number, number, number] | undefined {
  if (!cls) return undefined;
  if (Array.isArray(cls.color) && cls.color.length === 3 && cls.color.every((v) => Number.isFinite(v))) return cls.color as [number, number, number];
  if (typeof cls.colorRGB === 'number') {
    const v = cls.colorRGB;
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  return undefined;
}

function measurementsOf(m: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (Array.isArray(m)) for (const e of m) if (isObject(e) && typeof e.name === 'string' && typeof e.value === 'number') out[e.name] = e.value;
  if (isObject(m)) for (const [k, v] of Object.entries(m)) if (typeof v === 'number') out[k] = v;
  return out;
}

function isPolygon(rings: unknown): boolean {
  return Array.isArray(rings) && rings.length > 0 && rings.every((r) => Array.isArray(r) && r.length >= 4 && r.every((pt) => Array.isArray(pt) && pt.length >= 2 && Number.isFinite(pt[0]) && Number.isFinite(pt[1])));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
