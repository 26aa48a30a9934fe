import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { ROOT, tessera } from '../support/run-cli';
import { chooseModel, expect, test, useWasm } from './helpers';

// Batch scoring as a model author does it (issue 5): open the batch screen, choose the shipped brain-MRI
// model, pick a folder, Score, read the metrics, move the threshold, download the CSV, the report and the
// plots; and the same with a folder of bad files. The CLI's CSV for the same folder is the reference.

test.skip(!HAVE_FIXTURES, SKIP_REASON);

const MODEL = join(ROOT, 'models', 'brain-mri-classifier');
const BRAIN_MRI = fixture('patches', 'brain-mri');

interface CsvRow {
  [column: string]: string;
}

function parseCsv(text: string): { header: string[]; rows: CsvRow[] } {
  expect(text).not.toContain('"');
  const [head, ...lines] = text.trimEnd().split('\n');
  const header = head.split(',');
  return { header, rows: lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v]))) };
}

/** The CLI's CSV for a folder, with the shipped brain-MRI model. */
async function cliCsv(folder: string, dir: string): Promise<string> {
  const out = join(dir, `cli-${Date.now()}.csv`);
  const r = await tessera('score', folder, '--model', MODEL, '--out', out);
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(out, 'utf8');
}

/** The browser's CSV agrees with the CLI's row by row: names in the same order, same predictions and labels, probabilities within 1e-4. */
function expectSameCsv(browser: string, cli: string): void {
  const a = parseCsv(browser);
  const b = parseCsv(cli);
  expect(a.header).toEqual(b.header);
  expect(a.rows.map((r) => r.name)).toEqual(b.rows.map((r) => r.name));
  const off: string[] = [];
  a.rows.forEach((row, i) => {
    for (const column of a.header) {
      const [x, y] = [row[column], b.rows[i][column]];
      const same = column.startsWith('prob_') ? Math.abs(Number(x) - Number(y)) <= 1e-4 : x === y;
      if (!same) off.push(`${row.name} ${column}: browser ${x}, CLI ${y}`);
    }
  });
  expect(off).toEqual([]);
}

/** The batch screen with the brain-MRI model, on wasm: without a GPU (CI), WebGPU runs on SwiftShader at a fraction of wasm's speed. */
async function openBatch(page: Page): Promise<void> {
  await page.goto('/');
  await useWasm(page);
  await page.getByRole('button', { name: 'Batch scoring' }).click();
  await chooseModel(page, /Brain MRI/);
}

async function scoreFolder(page: Page, folder: string): Promise<void> {
  await page.getByTestId('batch-folder-input').setInputFiles(folder);
  await page.getByRole('button', { name: /^Score \d+ images?$/ }).click();
  await expect(page.getByTestId('batch-progress')).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
}

async function confusionMatrix(page: Page): Promise<number[][]> {
  const table = page.getByTestId('confusion-matrix');
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).map((td) => Number(td.textContent))));
}

async function downloadText(page: Page, button: string): Promise<{ name: string; text: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  const path = await download.path();
  const bytes = readFileSync(path);
  return { name: download.suggestedFilename(), text: bytes.toString('utf8'), bytes };
}

test('scores the brain-MRI folder: 253 in the matrix, the CLI\'s CSV row by row, the threshold moves the matrix, exports download', async ({ page }) => {
  test.setTimeout(480_000);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-batch-e2e-'));
  try {
    const cli = cliCsv(BRAIN_MRI, dir);
    await openBatch(page);
    await scoreFolder(page, BRAIN_MRI);
    await expect(page.getByTestId('folder-summary')).toContainText('253 images, 1 other file (skipped)');
    await expect(page.getByTestId('skipped-list')).toContainText('split.json is not a PNG, JPEG or TIFF file');

    const matrix = await confusionMatrix(page);
    expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(253);
    expect(matrix.map((r) => r.reduce((a, b) => a + b, 0))).toEqual([98, 155]); // no/ and yes/
    await expect(page.getByTestId('classification-report')).toContainText('weighted avg');
    for (const id of ['accuracy', 'kappa', 'sensitivity', 'specificity', 'roc-auc']) await expect(page.getByTestId(id)).toHaveText(/^\d\.\d{4}$/);

    const csv = await downloadText(page, 'Download CSV');
    expect(csv.name).toBe('evaluation.csv');
    expectSameCsv(csv.text, await cli);

    // The report JSON holds what is on screen, with the CLI's keys.
    const report = JSON.parse((await downloadText(page, 'Report JSON')).text) as Record<string, unknown>;
    expect(report.confusion_matrix).toEqual(matrix);
    for (const key of ['accuracy', 'classes', 'per_class', 'macro_avg', 'weighted_avg', 'cohen_kappa', 'sensitivity', 'specificity', 'roc_auc']) expect(report).toHaveProperty(key);
    expect(report.classes).toEqual(['no', 'yes']);

    for (const [button, name] of [['Confusion matrix PNG', 'confusion-matrix.png'], ['ROC PNG', 'roc.png']]) {
      const png = await downloadText(page, button);
      expect(png.name).toBe(name);
      const meta = await sharp(png.bytes).metadata();
      expect(meta.format).toBe('png');
      expect(meta.width).toBeGreaterThanOrEqual(600);
    }

    // Mistakes only: as many rows as the matrix's off-diagonal cells hold.
    const wrong = matrix[0][1] + matrix[1][0];
    await page.getByLabel('Show').selectOption('mistakes');
    await expect(page.getByTestId('results-count')).toHaveText(`${wrong} shown`);
    await expect(page.getByTestId('results-table').locator('tbody tr.mistake')).toHaveCount(Math.min(wrong, 50));

    // A higher threshold for "yes": fewer yes predictions, so the matrix changes and still sums to 253.
    await page.getByLabel('Threshold', { exact: true }).fill('0.95');
    await expect.poll(async () => JSON.stringify(await confusionMatrix(page))).not.toBe(JSON.stringify(matrix));
    const strict = await confusionMatrix(page);
    expect(strict.flat().reduce((a, b) => a + b, 0)).toBe(253);
    expect(strict[0][1] + strict[1][1]).toBeLessThan(matrix[0][1] + matrix[1][1]);

    // Click a thumbnail to enlarge it.
    await page.getByLabel('Show').selectOption('all');
    await page.getByTestId('results-table').getByRole('button', { name: 'Enlarge' }).first().click();
    const enlarged = page.getByRole('dialog', { name: /^Image / });
    await expect(enlarged.locator('img')).toBeVisible();
    await expect.poll(() => enlarged.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await enlarged.getByRole('button', { name: 'Close' }).click();
    await expect(enlarged).toHaveCount(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad files among good ones: each skipped with its reason, every good file scored as the CLI scores it', async ({ page }) => {
  test.setTimeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-batch-bad-'));
  try {
    const folder = join(dir, 'mixed');
    for (const sub of ['yes', 'no']) mkdirSync(join(folder, sub), { recursive: true });
    copyFileSync(join(BRAIN_MRI, 'yes', 'Y1.jpg'), join(folder, 'yes', 'Y1.jpg'));
    copyFileSync(join(BRAIN_MRI, 'no', 'no.jpg'), join(folder, 'no', 'no.jpg')); // a PNG named .jpg, with alpha
    const whole = readFileSync(join(BRAIN_MRI, 'no', '1_no.jpeg'));
    writeFileSync(join(folder, 'no', 'corrupt.jpg'), whole.subarray(0, whole.length >> 1));
    writeFileSync(join(folder, 'no', 'notes.txt'), 'not an image\n');
    writeFileSync(join(folder, 'yes', 'fake.png'), 'not a PNG either\n');
    const rgb = Buffer.from(Array.from({ length: 128 * 120 * 3 }, (_, i) => (i * 53) % 251));
    await sharp(rgb, { raw: { width: 128, height: 120, channels: 3 } }).toColourspace('cmyk').tiff().toFile(join(folder, 'yes', 'cmyk.tif'));
    await sharp(rgb.subarray(0, 4 * 5 * 3), { raw: { width: 4, height: 5, channels: 3 } }).png().toFile(join(folder, 'no', 'tiny.png'));
    const cli = cliCsv(folder, dir);

    await openBatch(page);
    await scoreFolder(page, folder);
    await expect(page.getByTestId('skipped-summary')).toContainText('3 files skipped, 1 note');
    const skipped = page.getByTestId('skipped-list');
    await expect(skipped).toContainText('no/notes.txt is not a PNG, JPEG or TIFF file');
    await expect(skipped).toContainText('Cannot read no/corrupt.jpg as a JPEG image: the file is cut off');
    await expect(skipped).toContainText('Cannot read yes/fake.png as a PNG, JPEG or TIFF image');
    await expect(skipped).toContainText('no/tiny.png is 4 x 5 px, under half the model\'s 128 x 128 input');
    await expect(page.getByTestId('results-count')).toHaveText('4 shown');
    const csv = await downloadText(page, 'Download CSV');
    expectSameCsv(csv.text, await cli);
    expect(parseCsv(csv.text).rows.map((r) => r.name)).toEqual(['no/no.jpg', 'no/tiny.png', 'yes/Y1.jpg', 'yes/cmyk.tif']);

    // The app is still usable: a folder of text files, then an empty folder, each said plainly.
    const texts = join(dir, 'texts');
    mkdirSync(texts);
    writeFileSync(join(texts, 'a.txt'), 'a');
    writeFileSync(join(texts, 'b.csv'), 'b');
    await page.getByTestId('batch-folder-input').setInputFiles(texts);
    await expect(page.getByRole('alert')).toContainText('texts holds no PNG, JPEG or TIFF images (only 2 other files)');
    await expect(page.getByRole('button', { name: /^Score/ })).toBeDisabled();
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await page.getByTestId('batch-folder-input').setInputFiles(empty);
    await expect(page.getByRole('alert')).toContainText('holds no PNG, JPEG or TIFF images (it is empty)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('folders that match no class are mapped in the dialog; a run can be cancelled and what was scored stays', async ({ page }) => {
  test.setTimeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-batch-map-'));
  try {
    const folder = join(dir, 'renamed');
    const picks: [string, string, string][] = [['Tumour', 'yes', 'Y1.jpg'], ['Tumour', 'yes', 'Y10.jpg'], ['healthy', 'no', '10_no.jpg'], ['healthy', 'no', '11_no.jpg']];
    for (const [to, from, name] of picks) {
      mkdirSync(join(folder, to), { recursive: true });
      copyFileSync(join(BRAIN_MRI, from, name), join(folder, to, name));
    }
    await openBatch(page);
    await page.getByTestId('batch-folder-input').setInputFiles(folder);
    const dialog = page.getByRole('dialog', { name: 'Class folders' });
    await expect(dialog).toContainText('2 folders match no class of the model');
    await dialog.getByLabel('Class of folder Tumour').selectOption({ label: 'yes' });
    await dialog.getByLabel('Class of folder healthy').selectOption({ label: 'no' });
    await expect(dialog).toContainText('Class folders are the true classes');
    await page.getByRole('button', { name: 'Score 4 images' }).click();
    await expect(page.getByTestId('batch-progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
    const matrix = await confusionMatrix(page);
    expect(matrix.map((r) => r.reduce((a, b) => a + b, 0))).toEqual([2, 2]);

    // The whole brain-MRI folder, cancelled part way: the rows scored so far stay, and the app goes on.
    await page.getByTestId('batch-folder-input').setInputFiles(BRAIN_MRI);
    await page.getByRole('button', { name: 'Score 253 images' }).click();
    await expect.poll(async () => Number((await page.getByTestId('batch-progress').getByRole('status').textContent())?.match(/(\d+) scored/)?.[1] ?? 0), { timeout: 120_000 }).toBeGreaterThanOrEqual(16);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('batch-progress')).toHaveAttribute('data-status', 'cancelled');
    const shown = Number((await page.getByTestId('results-count').textContent())?.match(/^(\d+)/)?.[1]);
    expect(shown).toBeGreaterThanOrEqual(16);
    expect(shown).toBeLessThan(253);
    await expect(page.getByRole('button', { name: 'Score 253 images' })).toBeEnabled();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
