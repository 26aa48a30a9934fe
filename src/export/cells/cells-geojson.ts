import { rgbOf, type ClassStyle } from '../geojson';
import { float32Number, float32Text, type CellTable } from './cell-columns';

/**
 * One cell as QuPath reads a detection (qupath-core, PathObjectTypeAdapters.PathObjectTypeAdapter.read):
 * a Point geometry (a PointsROI in QuPath) in level-0 pixels, `objectType: "detection"`, the class as
 * `classification {name, color: [r, g, b]}` (how QuPath 0.4+ writes a PathClass) and the peak's score as a
 * measurement. QuPath takes `id` as the object's UUID (UUID.fromString).
 */
export interface QuPathCellFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: {
    objectType: 'detection';
    classification: { name: string; color: [number, number, number] };
    measurements: { score: number };
  };
}

export interface CellFeatureCollection {
  type: 'FeatureCollection';
  features: QuPathCellFeature[];
}

/** Features per chunk of text: a few MB at a time. */
export const CELLS_GEOJSON_CHUNK_FEATURES = 16_384;

const bits = new DataView(new ArrayBuffer(4));

function float32Bits(v: number): number {
  bits.setFloat32(0, v);
  return bits.getUint32(0);
}

const hex = (v: number, digits: number) => v.toString(16).padStart(digits, '0');

/**
 * A stable id for a cell, so exporting the same analysis twice gives the same ids (QuPath then sees the
 * same objects): the cell's x and y (their float32 bits) and class packed into a UUID, marked version 8
 * (RFC 9562's custom layout) with the RFC variant. Two cells never share a centre (the detector keeps
 * peaks a minimum distance apart), so ids are unique within a slide.
 * Layout: xxxxxxxx-yyyy-8yyy-Vycc-000000000000 with x's 32 bits, y's 32 bits (16, 12, 4), class 8 bits.
 */
export function cellId(x: number, y: number, classIndex: number): string {
  const xb = float32Bits(x);
  const yb = float32Bits(y);
  const variant = 0x8000 | ((yb & 0xf) << 8) | (classIndex & 0xff);
  return `${hex(xb, 8)}-${hex(yb >>> 16, 4)}-8${hex((yb >>> 4) & 0xfff, 3)}-${hex(variant, 4)}-000000000000`;
}

/** Class styles by index; a class the manifest lacks is grey under the table's own name. */
function stylesOf(cells: CellTable, classes: readonly ClassStyle[]): { name: string; color: [number, number, number] }[] {
  return cells.classNames.map((name, i) => ({ name: classes[i]?.name ?? name, color: rgbOf(classes[i]?.color ?? '#808080') }));
}

function feature(cells: CellTable, i: number, styles: { name: string; color: [number, number, number] }[]): QuPathCellFeature {
  const c = cells.classIndex[i];
  const style = styles[c] ?? { name: 'Unclassified', color: [128, 128, 128] as [number, number, number] };
  const x = float32Number(cells.x[i]) ?? 0;
  const y = float32Number(cells.y[i]) ?? 0;
  return {
    type: 'Feature',
    id: cellId(cells.x[i], cells.y[i], c),
    geometry: { type: 'Point', coordinates: [x, y] },
    properties: { objectType: 'detection', classification: { name: style.name, color: [...style.color] }, measurements: { score: float32Number(cells.score[i]) ?? 0 } },
  };
}

/** Every cell as a QuPath detection, in store order (small sets; the export streams cellsGeoJsonChunks). */
export function cellFeatures(cells: CellTable, classes: readonly ClassStyle[]): QuPathCellFeature[] {
  const styles = stylesOf(cells, classes);
  return Array.from({ length: cells.count }, (_, i) => feature(cells, i, styles));
}

/**
 * The cells as one GeoJSON FeatureCollection that QuPath imports (File > Import objects), as text in chunks
 * of `perChunk` features, so a million cells never become one object tree or one string:
 * `new Blob([...cellsGeoJsonChunks(store, classes)])` in the app, chunk by chunk to a file in the CLI.
 * Joined, the chunks are exactly JSON.stringify({type: 'FeatureCollection', features: cellFeatures(...)}).
 */
export function* cellsGeoJsonChunks(cells: CellTable, classes: readonly ClassStyle[], perChunk = CELLS_GEOJSON_CHUNK_FEATURES): Generator<string> {
  // Each feature's text is written directly (JSON.stringify of feature() gives the same, at a third of the speed).
  const classText = stylesOf(cells, classes).map((s) => `"classification":{"name":${JSON.stringify(s.name)},"color":[${s.color.join(',')}]}`);
  const unclassified = '"classification":{"name":"Unclassified","color":[128,128,128]}';
  const num = (v: number) => (Number.isFinite(v) ? float32Text(v) : '0');
  yield '{"type":"FeatureCollection","features":[';
  for (let start = 0; start < cells.count; start += perChunk) {
    const end = Math.min(cells.count, start + perChunk);
    const parts: string[] = new Array(end - start);
    for (let i = start; i < end; i++) {
      const c = cells.classIndex[i];
      parts[i - start] = `{"type":"Feature","id":"${cellId(cells.x[i], cells.y[i], c)}","geometry":{"type":"Point","coordinates":[${num(cells.x[i])},${num(cells.y[i])}]},"properties":{"objectType":"detection",${classText[c] ?? unclassified},"measurements":{"score":${num(cells.score[i])}}}}`;
    }
    yield (start ? ',' : '') + parts.join(',');
  }
  yield ']}';
}

/** The whole collection as one string (small sets of cells; tests). */
export function cellsGeoJson(cells: CellTable, classes: readonly ClassStyle[]): string {
  return [...cellsGeoJsonChunks(cells, classes)].join('');
}
