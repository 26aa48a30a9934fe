import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTileGrid, tileAt, tileRegion } from '../../../src/analysis/grid/tile-grid';
import { detectTissue, tileTissueFractions } from '../../../src/analysis/tissue';
import { readGeoJson } from '../../../src/export/geojson';
import { validateManifest } from '../../../src/inference/validate-manifest';
import { filesFromMap, openModel, predict } from '../../../src/inference';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { ROOT, expectOneLineError, tessera } from '../../support/run-cli';
import { expectClose, tesseraJson, tinyLayersModel, useCpu } from '../inference/helpers';

// `tessera analyze`, run as a child process exactly as a user runs it.

const tmp = mkdtempSync(join(tmpdir(), 'tessera-analyze-'));
// The test model is written by TF.js in this process.
beforeAll(useCpu);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SLIDE = fixture('slides', 'CMU-1-Small-Region.svs');

/** A small fast model folder (32 px patches at 0.998 µm/px: 64 level-0 px tiles on CMU-1). */
async function tinyModelDir(): Promise<string> {
  const dir = join(tmp, 'tiny');
  mkdirSync(dir, { recursive: true });
  const files = await tinyLayersModel({ size: [32, 32], channels: 3, classes: 3 });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  writeFileSync(join(dir, 'tessera.json'), tesseraJson({ input: { size: [32, 32], spacingUmPx: 0.998 }, output: { classes: ['stroma', 'tumour', 'fat'] }, vote: { rule: 'plurality', ignore: ['fat'] } }));
  return dir;
}

function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const [head, ...rest] = text.trim().split('\n');
  return { header: head.split(','), rows: rest.map((l) => l.split(',')) };
}

describe('tessera analyze: bad input', () => {
  it('needs a slide, a model and --csv, and says so in one line', async () => {
    expectOneLineError(await tessera('analyze'), 2, 'SLIDE');
    expectOneLineError(await tessera('analyze', 'x.svs', '--csv', 'a.csv'), 2, '--model');
    expectOneLineError(await tessera('analyze', 'x.svs', '--model', 'm'), 2, '--csv');
    expectOneLineError(await tessera('analyze', 'x.svs', '--model', 'm', '--csv', 'a.csv', '--overlap', '2'), 2, '--overlap must be a number from 0 to 0.9');
    expectOneLineError(await tessera('analyze', 'x.svs', '--model', 'm', '--csv', 'a.csv', '--region', '1,2,3'), 2, '--region must be X,Y,W,H');
  });

  it('a file that is not a slide is refused with the reason', async () => {
    const notSlide = join(tmp, 'notes.svs');
    writeFileSync(notSlide, 'not a slide at all');
    expectOneLineError(await tessera('analyze', notSlide, '--model', await tinyModelDir(), '--csv', join(tmp, 'x.csv')), 1);
  });

  it.skipIf(!HAVE_FIXTURES)(`a slide that states no µm/px asks for --mpp${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, async () => {
    const r = await tessera('analyze', fixture('slides', 'kidney-48-5-strip.tif'), '--model', await tinyModelDir(), '--csv', join(tmp, 'k.csv'));
    expectOneLineError(r, 1, 'does not say how many µm a pixel is');
    const ok = await tessera('analyze', fixture('slides', 'kidney-48-5-strip.tif'), '--model', await tinyModelDir(), '--csv', join(tmp, 'k.csv'), '--json', join(tmp, 'k.json'), '--mpp', '0.5', '--no-tissue', '--region', '0,0,256,256');
    expect(ok.code, ok.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(tmp, 'k.json'), 'utf8'));
    expect(summary).toMatchObject({ mpp: 0.5, mppSource: 'user', tiles: { analysed: 16 } });
  });
});

describe.skipIf(!HAVE_FIXTURES)(`tessera analyze on CMU-1-Small-Region${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tinyModelDir();
  });

  it('writes one CSV row per analysed tile, the probabilities the model gives that tile, and a summary', { timeout: 120_000 }, async () => {
    const csv = join(tmp, 'tiles.csv');
    const json = join(tmp, 'summary.json');
    const geojson = join(tmp, 'tiles.geojson');
    const png = join(tmp, 'slide.png');
    const r = await tessera('analyze', SLIDE, '--model', dir, '--csv', csv, '--json', json, '--geojson', geojson, '--png', png, '--png-size', '512', '--backend', 'cpu', '--region', '640,960,640,640');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/tiles of 64 px at 0\.499 µm\/px \(from the slide\)/);
    expect(r.stderr).toMatch(/tiles analysed in .* s; vote \(plurality\): /);
    const { header, rows } = parseCsv(readFileSync(csv, 'utf8'));
    expect(header).toEqual(['minx', 'miny', 'width', 'height', 'prob_stroma', 'prob_tumour', 'prob_fat', 'class', 'tissue']);
    const summary = JSON.parse(readFileSync(json, 'utf8'));
    expect(rows.length).toBe(summary.tiles.analysed);
    expect(summary).toMatchObject({ backend: 'cpu', mpp: 0.499, mppSource: 'slide', modelMpp: 0.998, status: 'completed', grid: { tileSize: 64, stride: 64, level: 1 } }); // level 1 (CMU-1's synthesised 2x) is at 0.998 µm/px
    expect(summary.tiles.analysed + summary.tiles.background).toBe(100); // 10 x 10 tiles have their centre in the region
    expect(summary.vote.classes.map((c: { name: string }) => c.name)).toEqual(['stroma', 'tumour', 'fat']);
    expect(summary.vote.classes.reduce((n: number, c: { tiles: number }) => n + c.tiles, 0)).toBe(rows.length);
    expect(summary.vote.classes[0].areaMm2).toBeCloseTo(summary.vote.classes[0].tiles * (64 * 0.499) ** 2 / 1e6, 9);
    expect(['stroma', 'tumour', null]).toContain(summary.vote.verdict); // fat is ignored

    // The PNG (the app's renderer on @napi-rs/canvas): the whole slide at 512 px, each analysed tile's centre
    // a blend of its class colour at 0.6 over the slide, the legend's white box and the scale bar's black bar.
    const image = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([image.info.width, image.info.height]).toEqual([Math.round((2220 * 512) / 2967), 512]);
    const px = (x: number, y: number) => Array.from(image.data.subarray((Math.round(y) * image.info.width + Math.round(x)) * 3, (Math.round(y) * image.info.width + Math.round(x)) * 3 + 3));
    const colours: Record<string, number[]> = { stroma: [], tumour: [], fat: [] };
    const manifest = validateManifest(JSON.parse(readFileSync(join(dir, 'tessera.json'), 'utf8')));
    for (const c of manifest.output.classes) colours[c.name] = [1, 3, 5].map((i) => parseInt(c.color.slice(i, i + 2), 16));
    const s = 512 / 2967;
    for (const row of rows) {
      const p = px((Number(row[0]) + 32) * s, (Number(row[1]) + 32) * s);
      // p = 0.6 * class + 0.4 * slide, with the slide pixel somewhere in 0-255.
      p.forEach((v, c) => expect((v - 0.6 * colours[row[7]][c]) / 0.4).toBeGreaterThanOrEqual(-8));
      p.forEach((v, c) => expect((v - 0.6 * colours[row[7]][c]) / 0.4).toBeLessThanOrEqual(263));
    }
    const legendColours = new Set<string>();
    for (let y = 512 - 160; y < 512 - 12; y++) for (let x = 12; x < 232; x++) legendColours.add(px(x, y).join());
    for (const name of new Set(rows.map((row) => row[7]))) expect(legendColours.has(colours[name].join()), `the legend's ${name} swatch`).toBe(true);
    let black = 0;
    for (let y = 512 - 30; y < 512 - 10; y++) for (let x = image.info.width - 150; x < image.info.width - 10; x++) if (px(x, y).every((v) => v < 20)) black++;
    expect(black).toBeGreaterThan(60);

    // The GeoJSON holds the CSV's tiles: the same squares, classes and probabilities, as QuPath's "tile" objects.
    const features = readGeoJson(readFileSync(geojson, 'utf8')).features;
    expect(features.map((f) => [f.objectType, f.polygons[0][0][0], f.polygons[0][0][2], f.className, f.measurements.prob_stroma, f.measurements.prob_tumour, f.measurements.prob_fat]))
      .toEqual(rows.map((row) => ['tile', [Number(row[0]), Number(row[1])], [Number(row[0]) + Number(row[2]), Number(row[1]) + Number(row[3])], row[7], Number(row[4]), Number(row[5]), Number(row[6])]));

    // The numbers: the same tiles read through the slide engine and run alone, in this process.
    const slide = await openSlideFile(SLIDE);
    const files = await tinyLayersModel({ size: [32, 32], channels: 3, classes: 3 });
    const model = await openModel(filesFromMap({ ...files, 'tessera.json': readFileSync(join(dir, 'tessera.json')) }));
    try {
      const grid = makeTileGrid(slide.info, 0.998, [32, 32], { overlap: 0 });
      const fractions = tileTissueFractions(await detectTissue(slide), grid);
      for (const row of [rows[0], rows[Math.floor(rows.length / 2)], rows[rows.length - 1]]) {
        const [x, y] = row.slice(0, 2).map(Number);
        const r = tileRegion(grid, slide.info, tileAt(grid, x + 1, y + 1));
        expect(r).toEqual({ level: 1, x: x / 2, y: y / 2, width: 32, height: 32 });
        const img = await slide.readRegion(r.level, r.x, r.y, r.width, r.height);
        const [alone] = await predict(model, [{ ...img, format: 'rgba' }], { batchSize: 1 });
        expectClose(row.slice(4, 7).map(Number), alone.probabilities, 1e-6);
        expect(row[7]).toBe(['stroma', 'tumour', 'fat'][alone.classIndex]);
        expect(Number(row[8])).toBeCloseTo(fractions[tileAt(grid, x + 1, y + 1)], 6);
        expect(Number(row[8])).toBeGreaterThanOrEqual(0.5);
      }
    } finally {
      model.dispose();
      await slide.close();
    }
  });

  it('segmentation: the shipped nuclei model writes class fractions and nuclei per mm² per tile', { timeout: 120_000 }, async () => {
    const csv = join(tmp, 'nuclei.csv');
    const geojson = join(tmp, 'nuclei.geojson');
    const png = join(tmp, 'nuclei.png');
    const r = await tessera('analyze', SLIDE, '--model', join(ROOT, 'models', 'nuclei-segmentation'), '--csv', csv, '--geojson', geojson, '--png', png, '--png-size', '512', '--region', '1028,1285,514,257');
    expect(r.code, r.stderr).toBe(0);
    const { header, rows } = parseCsv(readFileSync(csv, 'utf8'));
    expect(header.slice(0, 9)).toEqual(['minx', 'miny', 'width', 'height', 'prob_background', 'prob_nucleus', 'prob_boundary', 'class', 'tissue']);
    expect(header).toContain('nuclei_per_mm2');
    expect(header).toContain('nuclear_area_fraction');
    expect(rows.length).toBe(2);
    for (const row of rows) {
      const fractions = row.slice(4, 7).map(Number);
      expect(fractions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const density = Number(row[header.indexOf('nuclei_per_mm2')]);
      // H&E tissue at 20x: hundreds to tens of thousands of nuclei per mm².
      expect(density).toBeGreaterThan(100);
      expect(density).toBeLessThan(50_000);
    }
    // PNG: the mask's legend swatches are the nucleus and boundary colours; background, which the vote
    // ignores, has none.
    const manifest = validateManifest(JSON.parse(readFileSync(join(ROOT, 'models', 'nuclei-segmentation', 'tessera.json'), 'utf8')));
    const image = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const legendColours = new Set<string>();
    for (let y = image.info.height - 160; y < image.info.height - 12; y++) for (let x = 12; x < 232; x++) legendColours.add(Array.from(image.data.subarray((y * image.info.width + x) * 3, (y * image.info.width + x) * 3 + 3)).join());
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join();
    const colourOf = (name: string) => rgb(manifest.output.classes.find((c) => c.name === name)!.color);
    expect(legendColours.has(colourOf('nucleus'))).toBe(true);
    expect(legendColours.has(colourOf('boundary'))).toBe(true);
    expect(legendColours.has(colourOf('background'))).toBe(false);

    // GeoJSON: the two tiles, the mask as nucleus and boundary annotations (background is ignored by the
    // vote), and one detection per nucleus, inside the analysed tiles, with its area.
    const { features } = readGeoJson(readFileSync(geojson, 'utf8'));
    const kinds = features.map((f) => `${f.objectType}:${f.className}`);
    expect(kinds.filter((k) => k.startsWith('tile:'))).toHaveLength(2);
    expect(kinds.filter((k) => k.startsWith('annotation:')).sort()).toEqual(['annotation:boundary', 'annotation:nucleus']);
    const nuclei = features.filter((f) => f.objectType === 'detection');
    expect(nuclei.length).toBeGreaterThan(10);
    const [x0, y0] = rows[0].slice(0, 2).map(Number);
    for (const n of nuclei) {
      expect(n.className).toBe('nucleus');
      expect(n.measurements.area_um2).toBeGreaterThan(0);
      for (const [x, y] of n.polygons[0][0]) {
        expect(x).toBeGreaterThanOrEqual(x0);
        expect(y).toBeGreaterThanOrEqual(y0);
        expect(x).toBeLessThanOrEqual(x0 + 2 * Number(rows[0][2]));
        expect(y).toBeLessThanOrEqual(y0 + Number(rows[0][3]));
      }
    }
  });
});
