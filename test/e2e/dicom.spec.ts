import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { expect, meanAbsDiff, openUrl, openWithPicker, slideScreenshot, stdDev, test, waitForSlide, waitIdle, type RgbImage } from './helpers';

// Issue 16, part 1 (app side): a DICOM WSI (one instance per level) opens as one slide from the start
// screen's list, the folder picker, a drop of its files; a damaged set names what it could not read.

test.skip(!HAVE_FIXTURES, SKIP_REASON);

const FOLDER = 'dicom-cmu-1-small-region';
const SVS = 'CMU-1-Small-Region.svs';
const dicomDir = () => fixture('slides', FOLDER);
const dicomNames = () => readdirSync(dicomDir()).filter((n) => n.endsWith('.dcm')).sort();

/** Waits for a DICOM slide on screen, every tile drawn; returns the name the engine gave it. */
async function waitForDicom(page: Page): Promise<string> {
  await page.waitForFunction(() => window.__tessera?.viewer?.slide.info.format === 'dicom', null, { timeout: 60_000 });
  const name = await page.evaluate(() => window.__tessera.viewer!.slide.info.name);
  await waitForSlide(page, name);
  return name;
}

/** What a person checks in the info panel: the format, the levels, the pixel size. */
async function expectDicomInfo(page: Page): Promise<void> {
  const panel = page.getByLabel('Slide information');
  await expect(panel).toContainText(/\/ dicom/);
  const levels = await page.evaluate(() => window.__tessera.viewer!.slide.info.levels.length);
  expect(levels, 'the fixture stores 12 levels, 2220 × 2967 down to 1 × 1').toBe(12);
  await expect(page.getByRole('table', { name: 'Levels' }).locator('tbody tr')).toHaveCount(levels);
  await expect(page.getByTestId('mpp')).toHaveText('0.499 µm/px');
  await expect(panel).toContainText('2220 × 2967 px');
}

/** Screenshot of the tiles at a view given in level-0 pixels (imageZoom: screen pixels per level-0 pixel). */
async function shotAt(page: Page, view: { centerX: number; centerY: number; imageZoom: number }): Promise<RgbImage> {
  await page.evaluate((v) => window.__tessera.viewer!.setView(v, true), view);
  await waitIdle(page);
  return slideScreenshot(page);
}

/** The files of the fixture as the browser would hand them over (name, type, bytes as base64). */
function filePayloads(dir: string, names: string[]) {
  return names.map((name) => ({ name, base64: readFileSync(join(dir, name)).toString('base64') }));
}

/** Drops several files on the page together, as a DataTransfer the browser builds for a multi-file drop. */
async function dropFiles(page: Page, files: { name: string; base64: string }[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const { name, base64 } of list) {
      const bin = atob(base64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], name, { type: 'application/dicom' }));
    }
    return dt;
  }, files);
  await page.dispatchEvent('main', 'dragenter', { dataTransfer });
  await page.dispatchEvent('main', 'dragover', { dataTransfer });
  await page.dispatchEvent('main', 'drop', { dataTransfer });
}

/**
 * Where each encapsulated JPEG frame of a DICOM file starts (its SOI marker, FF D8 FF): in a TILED_FULL
 * level frame k is tile (k mod columns, k div columns). Checked against the file's own frame count.
 */
function jpegFrameStarts(bytes: Buffer): number[] {
  const starts: number[] = [];
  for (let i = bytes.indexOf(Buffer.from([0xff, 0xd8, 0xff])); i >= 0; i = bytes.indexOf(Buffer.from([0xff, 0xd8, 0xff]), i + 3)) starts.push(i);
  return starts;
}

// The view compared with the SVS: level 0 at 1:1 over tissue, and a quarter zoom (the DICOM's stored level 2
// against the SVS's synthesised one).
const TISSUE = { centerX: 1110, centerY: 1480 };
// Mean abs difference (0-255, RGB) allowed between the DICOM and the SVS on screen. Reference, on the
// rectangle the screenshot covers (test/support cannot hold it: measured once with /usr/bin/python3,
// pydicom + Pillow decoding the DICOM frames against OpenSlide reading the SVS): 6.1 at 1:1; 6.5 at 1:4
// (DICOM level 2 against the SVS's level 0 averaged 2 x 2 twice, as Tessera synthesises it, over the part
// of the clip inside the slide). This app measured 4.8 and 3.7. A view 6 px off gives 36 (38 in Python).
const FULL_TOLERANCE = 8;
const QUARTER_TOLERANCE = 8;

test('the DICOM fixture opens from the start screen list, says DICOM, 12 levels, 0.499 µm/px, and shows the SVS it came from', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: `Open ${FOLDER}` }).click();
  expect(await waitForDicom(page), 'a folder slide goes by the folder\'s name').toBe(FOLDER);
  await expectDicomInfo(page);
  const dicomFull = await shotAt(page, { ...TISSUE, imageZoom: 1 });
  const dicomQuarter = await shotAt(page, { ...TISSUE, imageZoom: 0.25 });
  const dicomShifted = await shotAt(page, { centerX: TISSUE.centerX + 6, centerY: TISSUE.centerY, imageZoom: 1 });
  expect(stdDev(dicomFull), 'tissue is on screen').toBeGreaterThan(20);

  await openUrl(page, `/fixture-slides/${SVS}`);
  await waitForSlide(page, SVS);
  const svsFull = await shotAt(page, { ...TISSUE, imageZoom: 1 });
  const svsQuarter = await shotAt(page, { ...TISSUE, imageZoom: 0.25 });

  // The DICOM levels are JPEG re-encodings of the SVS (level 0) and of resampled copies (other levels):
  // they differ by the re-encoding (FULL_TOLERANCE says by how much), not by position or colour.
  const full = meanAbsDiff(dicomFull, svsFull);
  const quarter = meanAbsDiff(dicomQuarter, svsQuarter);
  const shifted = meanAbsDiff(dicomShifted, svsFull);
  test.info().annotations.push({ type: 'mean abs difference', description: `1:1 ${full.toFixed(2)}, 1:4 ${quarter.toFixed(2)}, 1:1 shifted 6 px ${shifted.toFixed(2)}` });
  expect(full, 'DICOM level 0 against the SVS at 1:1').toBeLessThan(FULL_TOLERANCE);
  expect(quarter, 'DICOM level 2 against the SVS synthesised at 1:4').toBeLessThan(QUARTER_TOLERANCE);
  // The check can fail: the same picture 6 px off is further from the SVS than the tolerance allows.
  expect(shifted, 'a view 6 px off').toBeGreaterThan(FULL_TOLERANCE);
});

test('the folder picker, several files in Open file… and a drop of its files open the DICOM slide', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('slide-folder-input').setInputFiles(dicomDir());
  expect(await waitForDicom(page)).toBe(FOLDER);
  await expectDicomInfo(page);

  await page.goto('/');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Open file…' }).click()]);
  expect(chooser.isMultiple()).toBe(true);
  await chooser.setFiles(dicomNames().map((n) => join(dicomDir(), n)));
  await waitForDicom(page);
  await expectDicomInfo(page);

  await page.goto('/');
  await dropFiles(page, filePayloads(dicomDir(), dicomNames()));
  await waitForDicom(page);
  await expectDicomInfo(page);
  expect(stdDev(await slideScreenshot(page))).toBeGreaterThan(10);
});

test('a DICOM folder with a file that is not DICOM and a frame that does not decode: both named; another slide opens after', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-dicom-'));
  try {
    for (const n of dicomNames()) copyFileSync(join(dicomDir(), n), join(dir, n));
    writeFileSync(join(dir, 'notes.txt'), 'Scanned on Tuesday; label re-printed.\n'.repeat(20));
    // Frame 12 of level 0 (500 × 500 tiles, 5 columns): tile (2, 2), x 1000-1500, y 1000-1500, under TISSUE.
    const level0 = join(dir, dicomNames()[0]);
    const bytes = readFileSync(level0);
    const starts = jpegFrameStarts(bytes);
    expect(starts, 'one JPEG per frame').toHaveLength(30);
    bytes.fill(0, starts[12] + 2, starts[12] + 402); // the frame's tables and header: no decoder reads it
    writeFileSync(level0, bytes);

    await page.goto('/');
    await page.getByTestId('slide-folder-input').setInputFiles(dir);
    await waitForDicom(page);
    await expect(page.getByTestId('slide-file-notes')).toContainText('"notes.txt" is not a DICOM file');
    await page.evaluate((v) => window.__tessera.viewer!.setView(v, true), { ...TISSUE, imageZoom: 1 });
    await waitIdle(page);
    const note = page.locator('.tile-note');
    // The viewer's tiles are smaller than the 500 px frame: every one over it is marked, the rest draw.
    await expect(note).toContainText(/\d+ tiles? could not be decoded/);
    await note.getByText('Technical details').click();
    await expect(note).toContainText(/level-0-frames-0-30\.dcm/);
    await expect(note).toContainText('frame 13 of 30'); // 1-based, as DICOM numbers frames

    await openWithPicker(page, fixture('slides', SVS));
    await waitForSlide(page, SVS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
