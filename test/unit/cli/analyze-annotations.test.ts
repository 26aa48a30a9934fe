import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { expectOneLineError, tessera } from '../../support/run-cli';
import { tesseraJson, tinyLayersModel, useCpu } from '../inference/helpers';

// `tessera analyze --png OUT.png --annotations FILE.geojson`, run as a child process as a user runs it.

const tmp = mkdtempSync(join(tmpdir(), 'tessera-analyze-annotations-'));
beforeAll(useCpu);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SLIDE = fixture('slides', 'CMU-1-Small-Region.svs');

function write(name: string, content: unknown): string {
  const path = join(tmp, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const feature = (geometry: unknown, properties: unknown) => ({ type: 'Feature', id: crypto.randomUUID(), geometry, properties });
const box = (x: number, y: number, w: number, h: number) => [[[x, y], [x, y + h], [x + w, y + h], [x + w, y], [x, y]]];

describe('tessera analyze --annotations: bad input', () => {
  it('without --png it is a usage error (exit 2), before anything is opened', async () => {
    expectOneLineError(await tessera('analyze', 'x.svs', '--model', 'm', '--csv', 'a.csv', '--annotations', 'a.geojson'), 2, '--annotations draws on the PNG: give --png OUT.png too');
  });

  it.skipIf(!HAVE_FIXTURES)(`a file that is missing, not JSON, not GeoJSON, or has nothing drawable: one line in our words, exit 1, before the model is even read${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, async () => {
    // The model folder does not exist: the annotations are read (and refused) first.
    const run = (file: string) => tessera('analyze', SLIDE, '--model', join(tmp, 'no-model'), '--csv', join(tmp, 'x.csv'), '--png', join(tmp, 'x.png'), '--annotations', file, '--backend', 'cpu');
    expectOneLineError(await run(join(tmp, 'absent.geojson')), 1, 'could not be read: no such file');
    expectOneLineError(await run(write('notes.csv', 'name,prediction\nx,1\n')), 1, 'notes.csv is not JSON');
    expectOneLineError(await run(write('topo.json', { type: 'Topology', objects: {} })), 1, 'topo.json holds no GeoJSON features');
    const nothing = write('nothing.geojson', { type: 'FeatureCollection', features: [feature({ type: 'Circle', coordinates: [1, 2] }, {}), feature({ type: 'Polygon', coordinates: box(90_000, 90_000, 10, 10) }, {})] });
    expectOneLineError(await run(nothing), 1, 'None of the 2 features of nothing.geojson can be drawn (feature 1: its geometry type "Circle" is not one Tessera reads');
  });
});

describe.skipIf(!HAVE_FIXTURES)(`tessera analyze --annotations on CMU-1-Small-Region${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  let modelDir: string;
  beforeAll(async () => {
    modelDir = join(tmp, 'tiny');
    mkdirSync(modelDir, { recursive: true });
    const files = await tinyLayersModel({ size: [32, 32], channels: 3, classes: 3 });
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(modelDir, name), bytes);
    writeFileSync(join(modelDir, 'tessera.json'), tesseraJson({ input: { size: [32, 32], spacingUmPx: 0.998 }, output: { classes: ['stroma', 'tumour', 'fat'] }, vote: { rule: 'plurality', ignore: ['fat'] } }));
  });

  it('draws the file\'s annotations on the PNG in their class colour (outline opaque, inside 12% over the same picture without them); lists what it left out', { timeout: 60_000 }, async () => {
    // A rectangle of a class the file brings (pure green), a point far off the slide (left out).
    const rect = { x: 300, y: 1000, width: 1500, height: 800 };
    const geojson = write('marked.geojson', {
      type: 'FeatureCollection',
      features: [
        feature({ type: 'Polygon', coordinates: box(rect.x, rect.y, rect.width, rect.height) }, { objectType: 'annotation', name: 'tumour front', classification: { name: 'Marker', color: [0, 255, 0] }, metadata: { 'tessera.shape': 'rectangle' } }),
        feature({ type: 'Point', coordinates: [-5000, -5000] }, { objectType: 'annotation' }),
      ],
    });
    const common = [SLIDE, '--model', modelDir, '--csv', join(tmp, 't.csv'), '--png-size', '512', '--backend', 'cpu', '--no-tissue', '--region', '0,0,256,256'];
    const plain = join(tmp, 'plain.png');
    const marked = join(tmp, 'marked.png');
    const [r0, r1] = [await tessera('analyze', ...common, '--png', plain), await tessera('analyze', ...common, '--png', marked, '--annotations', geojson)];
    expect(r0.code, r0.stderr).toBe(0);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stderr).toContain('tessera: analyze: marked.geojson: 1 annotation to draw, 1 feature left out');
    expect(r1.stderr).toContain('tessera: analyze: marked.geojson: feature 2 left out: it lies wholly outside the slide (2220 x 2967 px)');
    expect(r1.stderr).toContain('tessera: analyze: marked.geojson: New classes: Marker.');

    const slide = await openSlideFile(SLIDE);
    const { width: w0, height: h0 } = slide.info.levels[0];
    await slide.close();
    const a = await sharp(plain).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const b = await sharp(marked).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([b.info.width, b.info.height]).toEqual([a.info.width, a.info.height]);
    const scale = b.info.height / h0;
    expect(b.info.width).toBe(Math.round(w0 * scale));
    const px = (img: typeof a, x: number, y: number) => [0, 1, 2].map((c) => img.data[(Math.round(y) * img.info.width + Math.round(x)) * 3 + c]);

    // The outline: along each edge, the greenest pixel within a pixel of where the edge falls is the class colour.
    const x0 = rect.x * scale;
    const y0 = rect.y * scale;
    const x1 = (rect.x + rect.width) * scale;
    const y1 = (rect.y + rect.height) * scale;
    const edgeSamples: [number, number, 'h' | 'v'][] = [];
    for (let t = 0.2; t <= 0.8; t += 0.1) edgeSamples.push([x0 + t * (x1 - x0), y0, 'h'], [x0 + t * (x1 - x0), y1, 'h'], [x0, y0 + t * (y1 - y0), 'v'], [x1, y0 + t * (y1 - y0), 'v']);
    let onColour = 0;
    for (const [x, y, dir] of edgeSamples) {
      const around = [-1, 0, 1].map((d) => (dir === 'h' ? px(b, x, y + d) : px(b, x + d, y)));
      const best = around.reduce((p, q) => (q[1] - q[0] - q[2] > p[1] - p[0] - p[2] ? q : p));
      if (best[0] <= 40 && best[1] >= 215 && best[2] <= 40) onColour++;
    }
    expect(onColour / edgeSamples.length).toBeGreaterThanOrEqual(0.9);

    // Inside: the same picture with 12% of green over it (the measurement label may cover a few samples).
    let blended = 0;
    let samples = 0;
    for (let fy = 0.15; fy <= 0.85; fy += 0.1) {
      for (let fx = 0.15; fx <= 0.85; fx += 0.1) {
        const x = x0 + fx * (x1 - x0);
        const y = y0 + fy * (y1 - y0);
        const under = px(a, x, y);
        const got = px(b, x, y);
        const want = [0.88 * under[0], 0.88 * under[1] + 0.12 * 255, 0.88 * under[2]];
        samples++;
        if (got.every((v, c) => Math.abs(v - want[c]) <= 3)) blended++;
      }
    }
    expect(blended / samples).toBeGreaterThanOrEqual(0.75);

    // Outside the rectangle and its label, nothing changed (away from the edges, top-right corner area).
    for (const [x, y] of [[x1 + 20, y0 - 20], [b.info.width - 10, b.info.height / 2], [x0 + 10, y1 + 40]]) {
      expect(px(b, x, y)).toEqual(px(a, x, y));
    }
  });
});
