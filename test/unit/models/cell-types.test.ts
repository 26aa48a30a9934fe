import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCellsInImage } from '../../../src/analysis';
import { localPredictor, openModel, switchBackend, type Model } from '../../../src/inference';
import { filesFromDirectory } from '../../../src/inference/node';
import { CELL_CLASSES, parsePoints, scoreImages, type Scores, type YXC } from '../../support/cells/score-cells';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

const ROOT = resolve(__dirname, '../../..');
const MODEL = join(ROOT, 'models', 'cell-types');
const DATA = fixture('patches', 'brca-m2c');
const PYTHON = '/usr/bin/python3';
const SCORE_PY = join(ROOT, 'training', 'cells', 'score.py');
const canRun = HAVE_FIXTURES && existsSync(join(MODEL, 'metrics.json')) && existsSync(join(DATA, 'brca_ds_val.txt'));
/** How far Tessera's figures may be from the card's (metrics.json): F1, precision and recall. */
const TOLERANCE = 0.01;

interface Metrics {
  how: string;
  decode: { minDistanceUm: number; thresholds: number[] };
  validation: Scores;
}

describe.skipIf(!canRun)(`models/cell-types through Tessera on brca-m2c's validation images${canRun ? '' : ` (${HAVE_FIXTURES ? 'models/cell-types/metrics.json is absent' : SKIP_REASON})`}`, () => {
  let model: Model;
  let metrics: Metrics;
  const names = canRun ? readFileSync(join(DATA, 'brca_ds_val.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : [];
  const predictions = new Map<string, YXC[]>();
  const labels = new Map<string, YXC[]>();

  beforeAll(async () => {
    tf.env().set('PROD', true);
    await switchBackend('wasm', { order: ['wasm', 'cpu'] });
    model = await openModel(await filesFromDirectory(MODEL));
    metrics = JSON.parse(readFileSync(join(MODEL, 'metrics.json'), 'utf8')) as Metrics;
    for (const name of names) {
      const { data, info } = await sharp(join(DATA, 'images', name)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const cells = await detectCellsInImage(localPredictor(model), { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }, { name, batchSize: 4 });
      // Centres are pixel i's middle, i + 0.5; the labels name the pixel (row, column).
      predictions.set(name, Array.from(cells.x, (x, i): YXC => [Math.floor(cells.y[i]), Math.floor(x), cells.classIndex[i] + 1]));
      const stem = name.replace(/\.png$/, '');
      labels.set(name, parsePoints(readFileSync(join(DATA, 'labels', `${stem}_gt_class_coords.txt`), 'utf8')));
    }
  }, 600_000);
  afterAll(() => model?.dispose());

  it('decodes with the settings the card was scored with', () => {
    expect(model.manifest.detection).toEqual(metrics.decode);
  });

  it('the TypeScript scorer agrees with training/cells/score.py on Tessera\'s predictions (counts exactly)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cells-'));
    try {
      for (const [name, points] of predictions) writeFileSync(join(dir, name.replace(/\.png$/, '.txt')), points.map((p) => p.join(' ')).join('\n'));
      const python = JSON.parse(execFileSync(PYTHON, [SCORE_PY, dir, join(DATA, 'labels'), join(DATA, 'brca_ds_val.txt')], { encoding: 'utf8' })) as Scores;
      const ours = scoreImages(names.map((n) => [labels.get(n)!, predictions.get(n)!]));
      for (const key of ['all', ...CELL_CLASSES] as const) expect([ours[key].tp, ours[key].fp, ours[key].fn], key).toEqual([python[key].tp, python[key].fp, python[key].fn]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`scores the card's validation figures within ${TOLERANCE} (precision, recall, F1: all cells, per class, macro)`, () => {
    const ours = scoreImages(names.map((n) => [labels.get(n)!, predictions.get(n)!]));
    const card = metrics.validation;
    const report = JSON.stringify({ tessera: ours, card, cardHow: metrics.how });
    const row = (x: Scores) => ['all', ...CELL_CLASSES].map((k) => `${k} F1 ${x[k as 'all'].f1.toFixed(4)}`).join(', ') + `, macro ${x.macro_f1.toFixed(4)}`;
    console.info(`models/cell-types on brca-m2c validation, through Tessera (tiled ${model.manifest.input.size[1]} px, wasm): ${row(ours)}\n  the card (metrics.json): ${row(card)}`);
    expect(ours.images, report).toBe(card.images);
    for (const key of ['all', ...CELL_CLASSES] as const) {
      for (const f of ['precision', 'recall', 'f1'] as const) expect(Math.abs(ours[key][f] - card[key][f]), `${key} ${f}: ${report}`).toBeLessThanOrEqual(TOLERANCE);
    }
    expect(Math.abs(ours.macro_f1 - card.macro_f1), report).toBeLessThanOrEqual(TOLERANCE);
  });
});
if (!canRun) it.skip(HAVE_FIXTURES ? 'models/cell-types/metrics.json is absent' : SKIP_REASON, () => {});
