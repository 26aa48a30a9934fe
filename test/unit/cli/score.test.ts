import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, expectOneLineError, tessera, type Run } from '../../support/run-cli';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { expectClose, tesseraJson, tinyLayersModel, useCpu } from '../inference/helpers';

// `tessera score`, run as a child process exactly as a user runs it.

const tmp = mkdtempSync(join(tmpdir(), 'tessera-score-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The metrics module is written by a colleague; the --report checks run once it is there. */
const HAVE_METRICS = existsSync(join(ROOT, 'src/batch/metrics/index.ts'));
const NO_METRICS = HAVE_METRICS ? '' : ' (src/batch/metrics/index.ts is absent: skipped)';

interface Csv {
  header: string[];
  rows: Record<string, string>[];
}

/** The CSVs here have no quoted fields (checked: no quote in the text). */
function readCsv(path: string): Csv {
  const text = readFileSync(path, 'utf8');
  expect(text).not.toContain('"');
  expect(text.endsWith('\n')).toBe(true);
  const [head, ...lines] = text.trimEnd().split('\n');
  const header = head.split(',');
  return { header, rows: lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v]))) };
}

function put(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

async function image(path: string, width: number, height: number, seed: number, format: 'png' | 'jpeg' | 'tiff' = 'png'): Promise<void> {
  mkdirSync(join(path, '..'), { recursive: true });
  const pixels = Buffer.from(Array.from({ length: width * height * 3 }, (_, i) => (i * seed * 37 + seed) % 256));
  await sharp(pixels, { raw: { width, height, channels: 3 } })[format]().toFile(path);
}

function predictLines(r: Run): { file: string; prediction: string; probabilities: Record<string, number> }[] {
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

describe('tessera score: usage and refusals', () => {
  it('is listed in tessera --help and has its own --help', async () => {
    expect((await tessera('--help')).stdout).toMatch(/\n {2}score {2,}/);
    const r = await tessera('score', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: tessera score FOLDER --model MODEL_DIR --out evaluation.csv [--report report.json] [--backend wasm|cpu]');
    expect(r.stdout).toContain('under half the model\'s input size');
  });

  it('refuses bad arguments with one line and exit 2', async () => {
    expectOneLineError(await tessera('score', '--model', tmp, '--out', 'x.csv'), 2, 'FOLDER');
    expectOneLineError(await tessera('score', tmp, '--out', 'x.csv'), 2, '--model');
    expectOneLineError(await tessera('score', tmp, '--model', tmp), 2, '--out');
    expectOneLineError(await tessera('score', tmp, '--model', tmp, '--out', 'x.csv', '--backend', 'webgpu'), 2, '--backend must be wasm or cpu');
  });

  it('says Invalid path (exit 1, one line) for a missing path, a file, an empty folder and a folder of text files', async () => {
    const missing = join(tmp, 'nope');
    const file = join(tmp, 'file.png');
    put(file, 'x');
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const texts = join(tmp, 'texts');
    put(join(texts, 'a.txt'), 'a');
    put(join(texts, 'yes', 'notes.md'), 'b');
    put(join(texts, 'yes', '.hidden.png'), 'c');
    const out = join(tmp, 'never.csv');
    for (const [path, why] of [[missing, 'it does not exist'], [file, 'it is not a folder'], [empty, 'it holds no PNG, JPEG or TIFF images'], [texts, 'it holds no PNG, JPEG or TIFF images']]) {
      expectOneLineError(await tessera('score', path, '--model', join(tmp, 'no-model'), '--out', out), 1, `Invalid path: ${path} (${why}).`);
    }
    expect(existsSync(out)).toBe(false);
  });
});

describe('tessera score: a folder of good and bad files', () => {
  let modelDir: string;
  beforeAll(async () => {
    await useCpu();
    modelDir = join(tmp, 'model');
    mkdirSync(modelDir);
    const files = { ...(await tinyLayersModel({ size: [16, 16], channels: 3, classes: 3 })), 'tessera.json': tesseraJson({ input: { size: [16, 16] }, output: { classes: ['a', 'b', 'c'] } }) };
    for (const [n, bytes] of Object.entries(files)) writeFileSync(join(modelDir, n), bytes);
  });

  it('scores every good file (RGB, JPEG, grey 16-bit, CMYK TIFF, tiny), lists the others as skipped with reasons, and never stops', async () => {
    const dir = join(tmp, 'mixed');
    await image(join(dir, 'a', 'good.png'), 20, 16, 1);
    await image(join(dir, 'a', 'deep', 'er', 'good.tif'), 16, 16, 2, 'tiff');
    await image(join(dir, 'B', 'good.jpg'), 30, 24, 3, 'jpeg');
    await image(join(dir, 'B', 'tiny.png'), 4, 5, 4);
    await image(join(dir, 'other', 'x.png'), 16, 16, 5);
    // A CMYK TIFF and a 16-bit grey PNG.
    const rgb = Buffer.from(Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 53) % 200));
    await sharp(rgb, { raw: { width: 16, height: 16, channels: 3 } }).toColourspace('cmyk').tiff().toFile(join(dir, 'a', 'cmyk.tif'));
    await sharp(rgb, { raw: { width: 16, height: 16, channels: 3 } }).greyscale().toColourspace('grey16').png().toFile(join(dir, 'a', 'grey16.png'));
    // A corrupt JPEG (a good one cut in half), a text file, a file named .png that is not one.
    await image(join(tmp, 'whole.jpg'), 64, 64, 6, 'jpeg');
    const whole = readFileSync(join(tmp, 'whole.jpg'));
    writeFileSync(join(dir, 'a', 'corrupt.jpg'), whole.subarray(0, whole.length >> 1));
    put(join(dir, 'B', 'notes.txt'), 'not an image');
    put(join(dir, 'B', 'fake.png'), 'not a png either');

    const out = join(tmp, 'mixed.csv');
    const report = join(tmp, 'mixed.json');
    const r = await tessera('score', dir, '--model', modelDir, '--out', out, '--backend', 'cpu', ...(HAVE_METRICS ? ['--report', report] : []));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const csv = readCsv(out);
    expect(csv.header).toEqual(['name', 'prediction', 'prob_a', 'prob_b', 'prob_c', 'label']);
    const names = ['B/good.jpg', 'B/tiny.png', 'a/cmyk.tif', 'a/deep/er/good.tif', 'a/good.png', 'a/grey16.png', 'other/x.png'];
    expect(csv.rows.map((row) => row.name)).toEqual(names);
    expect(csv.rows.map((row) => row.label)).toEqual(['b', 'b', 'a', 'a', 'a', 'a', '']);
    for (const row of csv.rows) {
      const p = [row.prob_a, row.prob_b, row.prob_c].map(Number);
      expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      expect(row.prediction).toBe(['a', 'b', 'c'][p.indexOf(Math.max(...p))]);
    }

    const err = r.stderr.split('\n').filter((l) => l);
    // Every line is tessera's own, but for the text report between the summary line and the last line.
    const summary = err.findIndex((l) => l.includes(' images scored, '));
    for (const l of [...err.slice(0, summary + 1), ...err.slice(-1)]) expect(l).toMatch(/^tessera: /);
    expect(err.length).toBe(summary + 1 + (HAVE_METRICS ? 1 + 3 + 3 + 1 : 0)); // header, 3 classes, accuracy and 2 averages, "report of"
    expect(err.join('\n')).not.toMatch(/undefined|\[object |\bat .*:\d+:\d+|Error:/);
    expect(err).toContain('tessera: score: skipped: B/notes.txt is not a PNG, JPEG or TIFF file');
    expect(err.filter((l) => l.includes('skipped: Cannot read B/fake.png as a PNG, JPEG or TIFF image: '))).toHaveLength(1);
    expect(err.filter((l) => l.includes('skipped: Cannot read a/corrupt.jpg as a JPEG image: the file is cut off'))).toHaveLength(1);
    expect(err).toContain('tessera: score: note: B/tiny.png is 4 x 5 px, under half the model\'s 16 x 16 input: scored after resizing up');
    expect(err[0]).toBe(`tessera: score: 9 images under ${dir}; labels from folders: B -> b, a -> a; scored without a label (no such class): other`);
    expect(err).toContain('tessera: score: 7 images scored, 3 files skipped, in ' + err.find((l) => l.includes('images scored'))!.split(' in ')[1]);

    // The same probabilities as tessera predict on the same files.
    const lines = predictLines(await tessera('predict', '--model', modelDir, '--backend', 'cpu', ...names.map((n) => join(dir, n))));
    lines.forEach((l, i) => {
      expectClose([csv.rows[i].prob_a, csv.rows[i].prob_b, csv.rows[i].prob_c].map(Number), Object.values(l.probabilities), 1e-6);
    });

    if (HAVE_METRICS) {
      const metrics = JSON.parse(readFileSync(report, 'utf8')) as { classes: string[]; confusion_matrix: number[][] };
      expect(metrics.classes).toEqual(['a', 'b', 'c']);
      expect(metrics.confusion_matrix.flat().reduce((s, v) => s + v, 0)).toBe(6);
      expect(r.stderr).toMatch(/ {14}precision {4}recall {2}f1-score {3}support\n/);
      expect(err.at(-1)).toBe(`tessera: score: report of 6 labelled images: ${report}`);
    }
  });

  it('says Invalid path (exit 1) when none of the images can be read, after listing each as skipped', async () => {
    const dir = join(tmp, 'all-bad');
    put(join(dir, 'yes', 'a.png'), 'not a png');
    put(join(dir, 'no', 'b.jpg'), 'not a jpeg');
    const r = await tessera('score', dir, '--model', modelDir, '--out', join(tmp, 'all-bad.csv'), '--backend', 'cpu');
    expect(r.code).toBe(1);
    const err = r.stderr.trim().split('\n');
    expect(err.filter((l) => l.startsWith('tessera: score: skipped: Cannot read '))).toHaveLength(2);
    expect(err.at(-1)).toBe(`tessera: Invalid path: ${dir} (none of its 2 images could be read).`);
  });

  it('scores images lying directly in the folder without labels or metrics', async () => {
    const dir = join(tmp, 'loose');
    await image(join(dir, 'one.png'), 16, 16, 7);
    await image(join(dir, 'sub', 'two.png'), 16, 16, 8);
    const out = join(tmp, 'loose.csv');
    const report = join(tmp, 'loose.json');
    const r = await tessera('score', dir, '--model', modelDir, '--out', out, '--report', report, '--backend', 'cpu');
    expect(r.code, r.stderr).toBe(0);
    const csv = readCsv(out);
    expect(csv.header).toEqual(['name', 'prediction', 'prob_a', 'prob_b', 'prob_c']);
    expect(csv.rows.map((row) => row.name)).toEqual(['one.png', 'sub/two.png']);
    expect(r.stderr).toContain('no labels (images lie directly in the folder): scored without metrics');
    expect(r.stderr).toContain(`the folder has no labels, so there are no metrics: ${report} not written`);
    expect(existsSync(report)).toBe(false);
  });
});

describe('tessera score: the brain MRI set', () => {
  it.skipIf(!HAVE_FIXTURES)(`scores all 253 images with labels from yes/ and no/, as tessera predict does${HAVE_FIXTURES ? NO_METRICS : ` (${SKIP_REASON})`}`, { timeout: 300_000 }, async () => {
    const dir = fixture('patches', 'brain-mri');
    const model = join(ROOT, 'models', 'brain-mri-classifier');
    const out = join(tmp, 'brain.csv');
    const report = join(tmp, 'brain.json');
    const r = await tessera('score', dir, '--model', model, '--out', out, ...(HAVE_METRICS ? ['--report', report] : []));
    expect(r.code, r.stderr).toBe(0);
    const csv = readCsv(out);
    expect(csv.header).toEqual(['name', 'prediction', 'prob_no', 'prob_yes', 'label']);
    expect(csv.rows).toHaveLength(253);
    expect(csv.rows.filter((row) => row.label === 'yes')).toHaveLength(155);
    expect(csv.rows.filter((row) => row.label === 'no')).toHaveLength(98);
    for (const row of csv.rows) {
      expect(row.name).toMatch(/^(yes|no)\/[^/]+\.(jpe?g|png)$/i);
      expect(row.label).toBe(row.name.split('/')[0]);
      expect(row.prediction).toBe(Number(row.prob_yes) >= 0.5 ? 'yes' : 'no');
    }
    expect(csv.rows.map((row) => row.name)).toContain('yes/Y1.jpg');
    expect(r.stderr).toContain('tessera: score: skipped: split.json is not a PNG, JPEG or TIFF file');
    expect(r.stderr).toMatch(/tessera: score: 253 images scored, 1 file skipped, in [\d.]+ s \([\d.]+ images\/s\)/);

    // The model card's test-set confusion matrix (metrics.json, measured in PyTorch by the training script) on
    // split.json's 26 test images, through Tessera.
    const test = new Set((JSON.parse(readFileSync(join(dir, 'split.json'), 'utf8')) as { split: { test: string[] } }).split.test);
    const card = JSON.parse(readFileSync(join(model, 'metrics.json'), 'utf8')).test.confusion_matrix as Record<'tp' | 'fn' | 'tn' | 'fp', number>;
    const count = (label: string, prediction: string) => csv.rows.filter((row) => test.has(row.name) && row.label === label && row.prediction === prediction).length;
    expect([count('yes', 'yes'), count('yes', 'no'), count('no', 'no'), count('no', 'yes')]).toEqual([card.tp, card.fn, card.tn, card.fp]);
    expect(card.tp + card.fn + card.tn + card.fp).toBe(26);

    const sample = ['yes/Y1.jpg', 'no/10_no.jpg', csv.rows[200].name, csv.rows[252].name];
    const lines = predictLines(await tessera('predict', '--model', model, ...sample.map((n) => join(dir, n))));
    lines.forEach((l, i) => {
      const row = csv.rows.find((x) => x.name === sample[i])!;
      expect(row.prediction).toBe(l.prediction);
      expectClose([Number(row.prob_no), Number(row.prob_yes)], [l.probabilities.no, l.probabilities.yes], 1e-6);
    });

    if (HAVE_METRICS) {
      const metrics = JSON.parse(readFileSync(report, 'utf8')) as { confusion_matrix: number[][]; positive_class?: string; accuracy: number };
      expect(metrics.confusion_matrix.flat().reduce((s, v) => s + v, 0)).toBe(253);
      expect(metrics.positive_class).toBe('yes');
      const correct = csv.rows.filter((row) => row.prediction === row.label).length;
      expect(metrics.accuracy).toBeCloseTo(correct / 253, 10);
    }
  });
});
