import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TileGrid } from '../../../src/analysis/grid/tile-grid';
import { createResultStore, setTileResult, setTileState, TileState } from '../../../src/analysis/results/result-store';
import { labelComponents } from '../../../src/analysis/segmentation/connected-components';
import type { MaskRaster } from '../../../src/analysis/segmentation/mask-raster';
import { detectionFeatures, featureCollection, maskFeatures, readGeoJson, signedArea, tileFeatures, type QuPathFeature, type Ring } from '../../../src/export/geojson';
import { FIXTURES, HAVE_FIXTURES, SKIP_REASON } from '../../support/fixtures';

const PYTHON = '/usr/bin/python3';
const CLASSES = [{ name: 'background', color: '#000000' }, { name: 'nucleus', color: '#ff0000' }];

/**
 * What QuPath 0.4+ reads (qupath-core, qupath/lib/io/QuPathTypeAdapters.java, PathObjectTypeAdapter.parseObject;
 * "Exporting annotations", https://qupath.readthedocs.io/en/stable/docs/advanced/exporting_annotations.html):
 * a FeatureCollection of Features with an `id` (a UUID), a `geometry`, and `properties` holding `objectType`
 * ("tile", "annotation", "detection", "cell", "tmaCore"), `classification` {name: string, color: [r, g, b]
 * integers 0-255}, and `measurements` as an object of name → number; coordinates are pixels of the full-
 * resolution image, origin top-left.
 */
function expectQuPathFeature(f: QuPathFeature): void {
  expect(f.type).toBe('Feature');
  expect(f.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(['tile', 'annotation', 'detection', 'cell', 'tmaCore']).toContain(f.properties.objectType);
  expect(typeof f.properties.classification.name).toBe('string');
  expect(f.properties.classification.color).toHaveLength(3);
  for (const c of f.properties.classification.color) expect(Number.isInteger(c) && c >= 0 && c <= 255).toBe(true);
  for (const v of Object.values(f.properties.measurements ?? {})) expect(typeof v).toBe('number');
}

/** RFC 7946 section 3.1.6: rings of four or more finite positions, closed; exterior anticlockwise, holes clockwise (y up). */
function expectValidPolygon(rings: Ring[]): void {
  rings.forEach((ring, i) => {
    expect(ring.length).toBeGreaterThanOrEqual(4);
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    for (const [x, y] of ring) expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true);
    // Our coordinates are y down: anticlockwise in y-up terms is a negative shoelace sum here.
    if (i === 0) expect(signedArea(ring)).toBeLessThan(0);
    else expect(signedArea(ring)).toBeGreaterThan(0);
  });
}

function polygonsOf(f: QuPathFeature): Ring[][] {
  return f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
}

const area = (rings: Ring[]) => -signedArea(rings[0]) - rings.slice(1).reduce((s, h) => s + signedArea(h), 0);

describe('tileFeatures', () => {
  it('every analysed tile as a square "tile" with its class, colour and probabilities; others left out; re-imported as written', () => {
    const grid: TileGrid = { cols: 3, rows: 2, originX: 100, originY: 50, size0: 512, stride0: 384, level: 0, levelSize: 512, patchSize: [256, 256] } as TileGrid;
    const store = createResultStore(grid, ['benign', 'tumour']);
    setTileResult(store, 0, [0.9, 0.1], 0);
    setTileResult(store, 4, [0.25, 0.75], 1);
    setTileState(store, 1, TileState.background);
    const features = tileFeatures(store, [{ name: 'benign', color: '#3b8f4a' }, { name: 'tumour', color: '#d62728' }]);
    expect(features).toHaveLength(2);
    features.forEach(expectQuPathFeature);
    features.forEach((f) => polygonsOf(f).forEach(expectValidPolygon));
    expect(features[1].geometry).toEqual({ type: 'Polygon', coordinates: [[[484, 434], [484, 946], [996, 946], [996, 434], [484, 434]]] });
    expect(features[1].properties).toMatchObject({ objectType: 'tile', classification: { name: 'tumour', color: [214, 39, 40] }, measurements: { prob_benign: 0.25, prob_tumour: 0.75 } });
    const back = readGeoJson(JSON.stringify(featureCollection(features)));
    expect(back.skipped).toBe(0);
    expect(back.features.map((f) => [f.objectType, f.className, f.color, f.measurements])).toEqual(features.map((f) => ['tile', f.properties.classification.name, f.properties.classification.color, f.properties.measurements]));
  });
});

const canRasterize = HAVE_FIXTURES && existsSync(PYTHON) && (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import PIL']);
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!canRasterize)(`segmentation to GeoJSON on hand-drawn nuclei${canRasterize ? '' : ` (${HAVE_FIXTURES ? 'needs /usr/bin/python3 with PIL' : SKIP_REASON})`}`, () => {
  // gbm40-nuclei 01.png's outlines filled by PIL, placed at (1000, 2000) at 2 level-0 pixels per mask pixel.
  const contours = join(FIXTURES, 'patches', 'gbm40-nuclei', 'nuclei-contours.json');
  const bytes = canRasterize ? execFileSync(PYTHON, [join(import.meta.dirname, '../../support/rasterize_nuclei.py'), contours, '01.png'], { maxBuffer: 1 << 22 }) : Buffer.alloc(0);
  const raster: MaskRaster = { originX: 1000, originY: 2000, downsample: 2, width: 512, height: 512, data: new Uint8Array(bytes), version: 1 };
  const components = labelComponents(raster.data, 512, 512, 4);

  it('nuclei as detections: one per region, each polygon\'s area exactly its pixels (x 4 level-0 px²), valid rings, QuPath\'s keys', () => {
    expect(components.count).toBeGreaterThan(80);
    const detections = detectionFeatures(raster, 1, CLASSES[1], 0.25);
    expect(detections).toHaveLength(components.count);
    detections.forEach(expectQuPathFeature);
    const areas = detections.map((d) => {
      polygonsOf(d).forEach(expectValidPolygon);
      expect(d.properties.measurements!.area_px2).toBe(area(polygonsOf(d)[0]));
      return d.properties.measurements!.area_px2 / 4;
    });
    expect(areas.sort((a, b) => a - b)).toEqual([...components.areas].sort((a, b) => a - b));
    expect(detections[0].properties.measurements!.area_um2).toBeCloseTo(detections[0].properties.measurements!.area_px2 * 0.0625, 6);
  });

  it('the mask as an annotation per class: simplified within one mask pixel, each polygon within 2% of its region\'s pixels', () => {
    const [annotation] = maskFeatures(raster, CLASSES);
    expectQuPathFeature(annotation);
    expect(annotation.properties.objectType).toBe('annotation');
    expect(annotation.properties.classification.name).toBe('nucleus');
    const polygons = polygonsOf(annotation);
    expect(polygons).toHaveLength(components.count);
    polygons.forEach(expectValidPolygon);
    // Polygons come in region (label) order, the order labelComponents numbers them.
    const worst = Math.max(...polygons.map((p, i) => Math.abs(area(p) - components.areas[i] * 4) / (components.areas[i] * 4)));
    expect(worst).toBeLessThan(0.02);
    const vertices = polygons.reduce((s, p) => s + p[0].length, 0);
    const traced = detectionFeatures(raster, 1, CLASSES[1]).reduce((s, d) => s + polygonsOf(d)[0][0].length, 0);
    expect(vertices).toBeLessThan(traced);
    const back = readGeoJson(JSON.stringify(featureCollection([annotation])));
    expect(back.features[0].polygons).toHaveLength(components.count);
    expect(back.features[0].measurements.area_px2).toBe(components.areas.reduce((s, a) => s + a, 0) * 4);
  });
});

describe('readGeoJson', () => {
  it('reads QuPath 0.3\'s object_type and measurement lists, and says plainly what is not GeoJSON', () => {
    const old = { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[0, 0], [0, 5], [5, 5], [0, 0]]] }, properties: { object_type: 'detection', classification: { name: 'Tumor', colorRGB: -3670016 }, measurements: [{ name: 'Area', value: 12.5 }] } }, { type: 'Feature', geometry: { type: 'Point', coordinates: [1, 2] }, properties: {} }] };
    const read = readGeoJson(JSON.stringify(old));
    expect(read.skipped).toBe(1);
    expect(read.features[0]).toMatchObject({ objectType: 'detection', className: 'Tumor', color: [200, 0, 0], measurements: { Area: 12.5 } });
    expect(() => readGeoJson('name,prediction\n', 'x.csv')).toThrow(/^x\.csv is not JSON/);
    expect(() => readGeoJson('{"type": "Topology"}', 'x.json')).toThrow('x.json holds no GeoJSON features');
  });
});
