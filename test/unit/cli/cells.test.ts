import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSlideAnalysis, startSlideAnalysis, validateAnalysisSettings } from '../../../src/analysis';
import { filesFromMap, localPredictor, openModel } from '../../../src/inference';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { expectOneLineError, tessera, type Run } from '../../support/run-cli';
import { tesseraJson, tinyLayersModel, useCpu } from '../inference/helpers';

// Cells out of the CLI (issue 13): `tessera analyze --cells/--geojson/--png` and `tessera predict` with a
// detection model, run as child processes as a user runs them.

const tmp = mkdtempSync(join(tmpdir(), 'tessera-cells-'));
beforeAll(useCpu);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CLASSES = [{ name: 'lymphocyte', color: '#00c853' }, { name: 'tumour', color: '#ff1744' }, { name: 'stromal', color: '#2979ff' }];
const RGB: Record<string, number[]> = { lymphocyte: [0, 200, 83], tumour: [255, 23, 68], stromal: [41, 121, 255] };
const SLIDE = fixture('slides', 'CMU-1-Small-Region.svs');
const BRCA = fixture('patches', 'brca-m2c', 'images', 'TCGA-A7-A0D9-01Z-00-DX2_18001_13001_1000_1000_0.9824.png');

/**
 * A small fast detection model: seeded convolutions to three sigmoid maps at 128 x 128 px, 0.5 µm/px, peaks
 * 2 µm apart at scores of at least 0.5 (a stand-in for models/cell-types, whose tiles take seconds each on
 * the CPU; the stitching and the writers do not depend on what the maps mean). Seed 11 finds two classes here.
 */
async function tinyDetectionModel(): Promise<{ dir: string; files: Record<string, Uint8Array> }> {
  const dir = join(tmp, 'tiny-cells');
  mkdirSync(dir, { recursive: true });
  const files = await tinyLayersModel({ size: [128, 128], channels: 3, classes: 3, task: 'segmentation', activation: 'sigmoid', seed: 11 });
  files['tessera.json'] = tesseraJson({ task: 'detection', input: { size: [128, 128], spacingUmPx: 0.5, scale: 255 }, output: { activation: 'none', classes: CLASSES }, detection: { minDistanceUm: 2, thresholds: [0.5, 0.5, 0.5] } });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return { dir, files };
}

interface Cell {
  x: number;
  y: number;
  class: string;
  score: number;
}

/** The cells CSV read by Python's csv module (not our parser). */
function readCellsCsv(path: string): Cell[] {
  const rows = JSON.parse(execFileSync('/usr/bin/python3', ['-c', 'import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1])))))', path]).toString()) as string[][];
  expect(rows[0]).toEqual(['x', 'y', 'class', 'score']);
  return rows.slice(1).map(([x, y, c, s]) => ({ x: Number(x), y: Number(y), class: c, score: Number(s) }));
}

/** What QuPath reads of each detection (PathObjectTypeAdapters: id a UUID, Point geometry, objectType, classification, measurements). */
function readCellsGeoJson(path: string): Cell[] {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  expect(json.type).toBe('FeatureCollection');
  return json.features.map((f: { id: string; geometry: { type: string; coordinates: number[] }; properties: { objectType: string; classification: { name: string; color: number[] }; measurements: { score: number } } }) => {
    expect(f.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(f.geometry.type).toBe('Point');
    expect(f.properties.objectType).toBe('detection');
    expect(f.properties.classification.color).toEqual(RGB[f.properties.classification.name]);
    return { x: f.geometry.coordinates[0], y: f.geometry.coordinates[1], class: f.properties.classification.name, score: f.properties.measurements.score };
  });
}

const byPosition = (a: Cell, b: Cell) => a.y - b.y || a.x - b.x;

function expectOk(r: Run): void {
  expect(r.code, r.stderr).toBe(0);
}

describe.skipIf(!HAVE_FIXTURES)(`cells from the CLI${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  let model: { dir: string; files: Record<string, Uint8Array> };
  let image: string;
  beforeAll(async () => {
    model = await tinyDetectionModel();
    // 304 x 304 px of a brca-m2c image as a lossless TIFF stating 0.5 µm/px (the model's): a slide for
    // analyze and an image for predict, the same pixels. With 128 px tiles 88 px apart (the overlap raised
    // to 2 x (4 + 16) px for seamless cells) 304 px is whole tiles, so neither run reads past the image.
    image = join(tmp, 'brca.tif');
    await sharp(BRCA).extract({ left: 100, top: 100, width: 304, height: 304 }).removeAlpha().tiff({ compression: 'lzw', xres: 2000, yres: 2000, resolutionUnit: 'cm' }).toFile(image);
  });

  it('analyze --cells and --geojson write the same cells, and predict finds the same cells in the same pixels as an image', { timeout: 60_000 }, async () => {
    const csv = join(tmp, 'brca.cells.csv');
    const geojson = join(tmp, 'brca.cells.geojson');
    const json = join(tmp, 'brca.json');
    const [analyzed, predicted] = await Promise.all([
      tessera('analyze', image, '--model', model.dir, '--cells', csv, '--geojson', geojson, '--json', json, '--no-tissue', '--backend', 'cpu'),
      tessera('predict', '--model', model.dir, '--backend', 'cpu', image),
    ]);
    expectOk(analyzed);
    expectOk(predicted);
    const rows = readCellsCsv(csv);
    expect(rows.length).toBeGreaterThan(20);
    expect(new Set(rows.map((r) => r.class)).size).toBeGreaterThan(1);
    expect(readCellsGeoJson(geojson)).toEqual(rows);
    const lines = predicted.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0].file).toBe(image);
    expect(lines[0].cells).toEqual([...rows].sort(byPosition));

    // The summary, on stderr and in the JSON, is the CSV's counts, their percentages and the ratio.
    const count = (c: string) => rows.filter((r) => r.class === c).length;
    const summary = JSON.parse(readFileSync(json, 'utf8'));
    expect(summary.cells.counts).toEqual(CLASSES.map((c) => count(c.name)));
    const area = (304 * 304 * 0.25) / 1e6; // mm² of the whole image at 0.5 µm/px (every tile analysed, no tissue mask)
    expect(summary.cells.tissueMm2).toBeCloseTo(area, 9);
    expect(analyzed.stderr).toContain(`tessera: analyze: 9 tiles analysed in`);
    for (const c of CLASSES) {
      const n = count(c.name);
      expect(analyzed.stderr).toMatch(new RegExp(`\\n  ${c.name} +${n} +${Math.round(n / area)} /mm² +${((100 * n) / rows.length).toFixed(1)}%\\n`));
    }
    const ratio = count('lymphocyte') / (count('lymphocyte') + count('tumour'));
    expect(analyzed.stderr).toContain(`lymphocyte ratio (lymphocytes / (lymphocytes + tumour cells)): ${ratio.toFixed(3)}\n`);
    expect(analyzed.stderr).not.toContain('vote');
  });

  it('analyze --cells on a region of CMU-1-Small-Region equals the CellStore of the same analysis run here; --png draws them', { timeout: 60_000 }, async () => {
    const csv = join(tmp, 'cmu.cells.csv');
    const png = join(tmp, 'cmu.png');
    const region = { x: 1000, y: 1000, width: 300, height: 300 };
    const run = tessera('analyze', SLIDE, '--model', model.dir, '--cells', csv, '--png', png, '--png-size', '256', '--backend', 'cpu', '--region', `${region.x},${region.y},${region.width},${region.height}`);

    const slide = await openSlideFile(SLIDE);
    const m = await openModel(filesFromMap(model.files));
    try {
      const settings = validateAnalysisSettings({ region, detectTissue: true, tissueThreshold: null });
      const plan = await planSlideAnalysis(slide, localPredictor(m), settings);
      expect((await startSlideAnalysis(slide, localPredictor(m), plan, settings).finished).status).toBe('completed');
      const cells = plan.cells!;
      expectOk(await run);
      const rows = readCellsCsv(csv);
      expect(rows.length).toBe(cells.count);
      expect(cells.count).toBeGreaterThan(20);
      expect(Float32Array.from(rows, (r) => r.x)).toEqual(cells.x.slice(0, cells.count));
      expect(Float32Array.from(rows, (r) => r.y)).toEqual(cells.y.slice(0, cells.count));
      expect(Float32Array.from(rows, (r) => r.score)).toEqual(cells.score.slice(0, cells.count));
      expect(rows.map((r) => r.class)).toEqual(Array.from(cells.classIndex.slice(0, cells.count), (c) => CLASSES[c].name));

      // The whole slide at 256 px: 11.6 level-0 px (5.8 µm) per output pixel, so dots are under a pixel and
      // each output pixel holding cells is the mean of their class colours.
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const scale = info.width / slide.info.levels[0].width;
      const pixels = new Map<number, number[][]>();
      for (const r of rows) {
        const p = Math.floor(r.y * scale) * info.width + Math.floor(r.x * scale);
        pixels.set(p, [...(pixels.get(p) ?? []), RGB[r.class]]);
      }
      expect(pixels.size).toBeGreaterThan(5);
      for (const [p, colours] of pixels) {
        const mean = [0, 1, 2].map((k) => Math.round(colours.reduce((s, c) => s + c[k], 0) / colours.length));
        expect([...data.subarray(3 * p, 3 * p + 3)]).toEqual(mean);
      }
    } finally {
      m.dispose();
      await slide.close();
    }
  });

  it('--cells with a model that is not a detection model is refused in one line', { timeout: 30_000 }, async () => {
    // The same small model's maps as a segmentation model's (its manifest says so).
    const dir = join(tmp, 'tiny-segmentation');
    mkdirSync(dir, { recursive: true });
    for (const [name, bytes] of Object.entries(model.files)) writeFileSync(join(dir, name), bytes);
    writeFileSync(join(dir, 'tessera.json'), tesseraJson({ task: 'segmentation', input: { size: [128, 128], spacingUmPx: 0.5, scale: 255 }, output: { activation: 'none', classes: CLASSES } }));
    const r = await tessera('analyze', SLIDE, '--model', dir, '--cells', join(tmp, 'x.csv'), '--backend', 'cpu', '--region', '0,0,10,10');
    expectOneLineError(r, 2, '--cells needs a detection model');
  });
});
