import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { addTileCells, createCellStore, type CellStore } from '../../../src/analysis/cells/cell-store';
import { cellFeatures, cellId, cellsCsv, cellsCsvChunks, cellsGeoJson, cellsGeoJsonChunks, float32Text, renderRegionPng } from '../../../src/export';
import { nodeCanvas } from '../../../src/export/node';
import { renderCellDots } from '../../../src/render';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

const PYTHON = '/usr/bin/python3';
const HAVE_PYTHON = existsSync(PYTHON);
const CLASSES = [{ name: 'lymphocyte', color: '#1f77b4' }, { name: 'tumour', color: '#d62728' }, { name: 'stromal', color: '#2ca02c' }];

/** Three tiles' cells, arriving out of order, at positions no float32 holds exactly. */
function store(classNames = CLASSES.map((c) => c.name)): CellStore {
  const s = createCellStore(classNames, 4, 2);
  addTileCells(s, 2, { x: [1000.3, 1010.7], y: [20.1, 25.9], classIndex: [1, 2], score: [0.91, 0.42] });
  addTileCells(s, 0, { x: [5.5], y: [6.25], classIndex: [0], score: [0.5] });
  addTileCells(s, 3, { x: [], y: [], classIndex: [], score: [] });
  addTileCells(s, 1, { x: [123456.78, 77.77], y: [98765.4, 1.01], classIndex: [0, 1], score: [1, 0.333] });
  return s;
}

/** Python's csv module reads the CSV (not our parser): rows of strings. */
function pythonCsv(text: string): string[][] {
  return JSON.parse(execFileSync(PYTHON, ['-c', 'import csv, json, sys; print(json.dumps(list(csv.reader(sys.stdin))))'], { input: text }).toString()) as string[][];
}

describe('cells CSV', () => {
  it('x,y,class,score: one row per cell in store order, level-0 px and scores giving back the stored float32s, the class by name', () => {
    const s = store();
    const text = cellsCsv(s);
    const [header, ...rows] = text.trimEnd().split('\n').map((l) => l.split(','));
    expect(header).toEqual(['x', 'y', 'class', 'score']);
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => r[2])).toEqual(['tumour', 'stromal', 'lymphocyte', 'lymphocyte', 'tumour']);
    expect(Float32Array.from(rows.map((r) => Number(r[0])))).toEqual(s.x.slice(0, 5));
    expect(Float32Array.from(rows.map((r) => Number(r[1])))).toEqual(s.y.slice(0, 5));
    expect(Float32Array.from(rows.map((r) => Number(r[3])))).toEqual(s.score.slice(0, 5));
    expect(rows[0]).toEqual(['1000.29999', '20.1000004', 'tumour', '0.910000026']);
  });

  it('chunks of any size join to the same text; the header is the first chunk; no cells, header only', () => {
    const s = store();
    const chunks = [...cellsCsvChunks(s, 2)];
    expect(chunks).toHaveLength(4);
    expect(chunks[0]).toBe('x,y,class,score\n');
    expect(chunks.join('')).toBe(cellsCsv(s));
    expect(cellsCsv(createCellStore(['a'], 1))).toBe('x,y,class,score\n');
  });

  it.skipIf(!HAVE_PYTHON)('class names from a manifest cannot run as spreadsheet formulas, and survive commas and quotes (Python\'s csv reads them)', () => {
    const names = ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)', 'tumour, "solid"'];
    const s = createCellStore(names, 1);
    addTileCells(s, 0, { x: [1, 2, 3, 4, 5], y: [1, 1, 1, 1, 1], classIndex: [0, 1, 2, 3, 4], score: [1, 1, 1, 1, 1] });
    const rows = pythonCsv(cellsCsv(s));
    expect(rows[0]).toEqual(['x', 'y', 'class', 'score']);
    expect(rows.slice(1).map((r) => r[2])).toEqual(['\'=HYPERLINK("http://x","y")', '\'+1', '\'-2', '\'@SUM(A1)', 'tumour, "solid"']);
    for (const r of rows.slice(1)) expect(r).toHaveLength(4);
  });
});

/**
 * What QuPath 0.4+ reads (qupath-core, qupath/lib/io/PathObjectTypeAdapters.java, PathObjectTypeAdapter.read):
 * an `id` that UUID.fromString takes (8-4-4-4-12 hex digits), a GeoJSON geometry (a Point becomes a
 * PointsROI), `properties.objectType` "detection", `classification` {name, color: [r, g, b] integers 0-255}
 * and `measurements` as name → number; coordinates are full-resolution pixels, origin top-left.
 */
describe('cells as QuPath GeoJSON detections', () => {
  it('one Point detection per cell with its class, the class colour as QuPath writes it, and its score', () => {
    const s = store();
    const features = cellFeatures(s, CLASSES);
    expect(features).toHaveLength(5);
    for (const f of features) {
      expect(f.type).toBe('Feature');
      expect(f.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(f.geometry.type).toBe('Point');
      expect(f.properties.objectType).toBe('detection');
      for (const c of f.properties.classification.color) expect(Number.isInteger(c) && c >= 0 && c <= 255).toBe(true);
      expect(typeof f.properties.measurements.score).toBe('number');
    }
    expect(features[0]).toMatchObject({ geometry: { type: 'Point', coordinates: [1000.29999, 20.1000004] }, properties: { classification: { name: 'tumour', color: [214, 39, 40] }, measurements: { score: 0.910000026 } } });
    expect(features[2].properties.classification).toEqual({ name: 'lymphocyte', color: [31, 119, 180] });
    expect(Float32Array.from(features.map((f) => f.geometry.coordinates[0]))).toEqual(s.x.slice(0, 5));
  });

  it('ids are stable (the same cell, the same id, export after export) and unique; UUIDs of version 8, RFC variant (Python\'s uuid reads them)', () => {
    const a = cellFeatures(store(), CLASSES).map((f) => f.id);
    const b = cellFeatures(store(), CLASSES).map((f) => f.id);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
    expect(cellId(10.5, 20.5, 1)).not.toBe(cellId(10.5, 20.5, 2));
    expect(cellId(10.5, 20.5, 1)).not.toBe(cellId(20.5, 10.5, 1));
    if (!HAVE_PYTHON) return;
    const read = JSON.parse(execFileSync(PYTHON, ['-c', 'import json, sys, uuid; print(json.dumps([[uuid.UUID(s).version, str(uuid.UUID(s).variant)] for s in json.load(sys.stdin)]))'], { input: JSON.stringify(a) }).toString());
    expect(read).toEqual(a.map(() => [8, 'specified in RFC 4122']));
  });

  it('streamed in chunks, the text is exactly one FeatureCollection of those features', () => {
    const s = store();
    const chunks = [...cellsGeoJsonChunks(s, CLASSES, 2)];
    expect(chunks.length).toBe(5);
    const text = chunks.join('');
    expect(text).toBe(cellsGeoJson(s, CLASSES));
    expect(text).toBe(JSON.stringify({ type: 'FeatureCollection', features: cellFeatures(s, CLASSES) }));
    expect(JSON.parse(cellsGeoJson(createCellStore(['a'], 1), CLASSES))).toEqual({ type: 'FeatureCollection', features: [] });
    // Class names that need escaping, a class the manifest lacks, scores and positions of every size.
    const odd = createCellStore(['say "hi"\n', 'b\\', 'c'], 1);
    addTileCells(odd, 0, { x: [0, 1e-7, 123456789, 5], y: [1.5e9, 0.25, 7, 8], classIndex: [0, 1, 2, 2], score: [0, 1e-8, 1, 0.5] });
    const styles = [{ name: 'say "hi"\n', color: '#010203' }, { name: 'b\\', color: '#fffefd' }];
    expect(cellsGeoJson(odd, styles)).toBe(JSON.stringify({ type: 'FeatureCollection', features: cellFeatures(odd, styles) }));
  });
});

describe('cell dots', () => {
  const one = { count: 1, x: [10.5], y: [10.5], classIndex: [1] };
  const rect = { x: 0, y: 0, width: 20, height: 20 };

  it('a disc of radius 3 is the 29 pixels whose centres lie within 3 of the cell\'s; its rim (beyond 2) darker', () => {
    const image = renderCellDots(one, ['#000000', '#ff8000'], rect, 20, 20, { radius: 3 });
    let inside = 0;
    let rim = 0;
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 20; x++) {
        const o = 4 * (y * 20 + x);
        const d2 = (x - 10) ** 2 + (y - 10) ** 2;
        if (d2 > 9) {
          expect(image.data[o + 3]).toBe(0);
          continue;
        }
        inside++;
        expect(image.data[o + 3]).toBe(255);
        if (d2 > 4) {
          rim++;
          expect([...image.data.subarray(o, o + 3)]).toEqual([140, 70, 0]);
        } else {
          expect([...image.data.subarray(o, o + 3)]).toEqual([255, 128, 0]);
        }
      }
    }
    expect([inside, rim]).toEqual([29, 16]);
  });

  it('positions scale with the output: a cell at level-0 (105, 55) on a 2x-down raster of (0, 0, 200, 100) is centred on pixel (52, 27)', () => {
    const image = renderCellDots({ count: 1, x: [105], y: [55], classIndex: [0] }, ['#ffffff'], { x: 0, y: 0, width: 200, height: 100 }, 100, 50, { radius: 1 });
    const lit = [];
    for (let p = 0; p < 100 * 50; p++) if (image.data[4 * p + 3]) lit.push([p % 100, Math.floor(p / 100)]);
    // Centre (52.5, 27.5): the pixel (52, 27) and its four neighbours lie within 1.
    expect(lit).toEqual([[52, 26], [51, 27], [52, 27], [53, 27], [52, 28]]);
  });

  it('below a pixel, each occupied pixel takes the mean colour of its cells; hidden classes are left out', () => {
    const cells = { count: 4, x: [5, 15, 12, 95], y: [5, 15, 18, 95], classIndex: [0, 2, 1, 1] };
    // 10 level-0 px per output pixel, 0.5 µm/px: 5 µm per output pixel, a 2.5 µm dot is half a pixel wide.
    const image = renderCellDots(cells, ['#ff0000', '#0000ff', '#00ff00'], { x: 0, y: 0, width: 100, height: 100 }, 10, 10, { umPerPixel: 5 });
    const px = (x: number, y: number) => [...image.data.subarray(4 * (y * 10 + x), 4 * (y * 10 + x) + 4)];
    expect(px(0, 0)).toEqual([255, 0, 0, 255]);
    expect(px(1, 1)).toEqual([0, 128, 128, 255]);
    expect(px(9, 9)).toEqual([0, 0, 255, 255]);
    expect([...image.data].filter((_, i) => i % 4 === 3 && image.data[i]).length).toBe(3);
    const hidden = renderCellDots(cells, ['#ff0000', '#0000ff', '#00ff00'], { x: 0, y: 0, width: 100, height: 100 }, 10, 10, { umPerPixel: 5, visible: [true, false, true] });
    expect([...hidden.data.subarray(4 * 11, 4 * 11 + 4)]).toEqual([0, 255, 0, 255]);
    expect(hidden.data[4 * 99 + 3]).toBe(0);
  });
});

describe.skipIf(!HAVE_FIXTURES)(`PNG with cells on CMU-1-Small-Region${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  it('dots in class colours above the layers (opaque, 5 px radius at 0.499 µm/px), and a legend of the cell classes', async () => {
    const slide = await openSlideFile(fixture('slides', 'CMU-1-Small-Region.svs'));
    try {
      const rect0 = { x: 1000, y: 1000, width: 300, height: 300 };
      const cells = store();
      cells.count = 0;
      addTileCells(cells, 0, { x: [1200.5, 1250.5, 1280.5], y: [1020.5, 1040.5, 1100.5], classIndex: [0, 1, 2], score: [1, 1, 1] });
      // A heatmap layer under the dots: grey over the whole region.
      const layer = { rect0, raster: { width: 1, height: 1, data: new Uint8ClampedArray([50, 50, 50, 255]) }, opacity: 1 };
      const png = await renderRegionPng({ slide, rect0, width: 300, height: 300, layers: [layer], cells: { cells, classes: CLASSES }, caption: [], mpp: 0.499 }, nodeCanvas);
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const at = (x: number, y: number) => [...data.subarray(3 * (y * info.width + x), 3 * (y * info.width + x) + 3)];
      expect(at(200, 20)).toEqual([31, 119, 180]);
      expect(at(250, 40)).toEqual([214, 39, 40]);
      expect(at(280, 100)).toEqual([44, 160, 44]);
      // The rim (beyond 4 px, to 5 px) is the class colour at 55%; 6 px out, the grey layer.
      expect(at(255, 40)).toEqual([118, 21, 22]);
      expect(at(254, 40)).toEqual([214, 39, 40]);
      expect(at(256, 40)).toEqual([50, 50, 50]);
      // The legend, bottom left, lists the classes: its swatches in their colours.
      const swatches = new Set<string>();
      for (let y = 150; y < 300; y++) for (let x = 20; x < 34; x++) swatches.add(at(x, y).join(','));
      for (const c of ['31,119,180', '214,39,40', '44,160,44']) expect(swatches).toContain(c);
    } finally {
      await slide.close();
    }
  });
});

describe('float32Text', () => {
  it('is String(Number(v.toPrecision(9))): trailing zeros trimmed, exponents as JavaScript prints them', () => {
    const values = [0, -0, 1, -5, 100, 1000.5, 20.1, 0.91, 1e-7, 1.234e-7, 0.000001234, 123456789, 1.5e9, -3.25e12, Math.fround(1 / 3), Math.fround(98765.4)];
    for (const v of values) expect(float32Text(v), String(v)).toBe(String(Number(v.toPrecision(9))));
    expect([float32Text(Number.NaN), float32Text(Infinity)]).toEqual(['', '']);
  });
});
