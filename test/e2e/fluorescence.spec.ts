import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from '@playwright/test';
import { ROOT, tessera } from '../support/run-cli';
import { fixture } from '../support/fixtures';
import { CAN_MAKE_FLUORESCENCE, FLUORESCENCE_SKIP, PYTHON, fluorescenceDir, fluorescenceSlide } from '../support/fluorescence';
import { chooseModel, expect, openWithPicker, slideScreenshot, test, useWasm, waitForSlide, waitIdle, type RgbImage } from './helpers';
import { viewerRegion } from './viewer-pixels';

// A multi-channel fluorescence OME-TIFF (16-bit, DAPI and TRITC from two real channels of one scan, made
// by test/support/fluorescence.ts) in the app: the info panel lists its channels, the Channels panel shows
// them in the file's colours, and each change there is what the screen shows: the viewer's tiles equal the
// composite formula (sum over visible channels of colour x clamp((v - min) / (max - min))) computed here
// from the slide's raw planes (readChannels) and the limits the panel shows. A model that takes RGB sees
// the composite as shown, before and after a change, through the same worker path as an analysis.

type Display = { visible: boolean; color: [number, number, number]; min: number; max: number };

/** The composite as the panel says it should be, from raw planes (one per channel, in the slide's order). */
function composite(planes: number[][], display: Display[], n: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const sum = [0, 0, 0];
    display.forEach((d, c) => {
      if (!d.visible) return;
      const t = Math.min(1, Math.max(0, (planes[c][i] - d.min) / (d.max - d.min)));
      for (let k = 0; k < 3; k++) sum[k] += t * d.color[k];
    });
    for (let k = 0; k < 3; k++) out[i * 4 + k] = Math.floor(Math.min(255, sum[k]) + 0.5);
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** What the Channels panel shows, read from its controls (not from the app's state). */
async function panelDisplay(page: Page, names: string[]): Promise<Display[]> {
  const out: Display[] = [];
  for (const name of names) {
    const hex = await page.getByLabel(`${name} colour`).inputValue();
    out.push({
      visible: await page.getByLabel(`Show ${name}`).isChecked(),
      color: [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number],
      min: Number(await page.getByLabel(`${name} minimum`, { exact: true }).inputValue()),
      max: Number(await page.getByLabel(`${name} maximum`, { exact: true }).inputValue()),
    });
  }
  return out;
}

/** Waits until the panel's last change is in the slide workers and every tile of the view is drawn again. */
async function settled(page: Page): Promise<void> {
  await expect(page.getByTestId('channels-panel')).toHaveAttribute('aria-busy', 'false');
  await waitIdle(page);
}

const REGION = { level: 2, x: 120, y: 150, width: 200, height: 200 };

/** The viewer's tiles over REGION against the composite of the slide's raw planes there with the panel's display. */
async function checkTiles(page: Page, names: string[]): Promise<{ tiles: Buffer; maxDiff: number }> {
  const { level, x, y, width, height } = REGION;
  const region = await viewerRegion(page, level, x, y, width, height);
  expect(region.problems).toEqual([]);
  const planes = await page.evaluate(async (r) => {
    const p = await window.__tessera.slide!.readChannels!(r.level, r.x, r.y, r.width, r.height);
    return p.planes.map((a) => Array.from(a));
  }, REGION);
  const want = composite(planes, await panelDisplay(page, names), width * height);
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) if (i % 4 !== 3) maxDiff = Math.max(maxDiff, Math.abs(want[i] - region.rgba[i]));
  return { tiles: region.rgba, maxDiff };
}

/** Sum of one colour component (0 red, 1 green, 2 blue) over RGBA or RGB pixels. */
function componentSum(data: Uint8Array | Buffer, k: number, stride: number): number {
  let s = 0;
  for (let i = k; i < data.length; i += stride) s += data[i];
  return s;
}
const screenSum = (img: RgbImage, k: number) => componentSum(img.data, k, 3);

/** The loaded model on a slide region read by its worker from the slide workers (as an analysis reads), and on the page-read composite. */
function modelOnRegion(page: Page): Promise<{ viaWorkers: number[]; onPage: number[] }> {
  return page.evaluate(async () => {
    const { slide, predictor } = window.__tessera;
    const r = { level: 0, x: 700, y: 900, width: 256, height: 256 };
    const first = async (refs: Parameters<NonNullable<typeof predictor>['predictBatches']>[0]) => {
      for await (const b of predictor!.predictBatches(refs, { batchSize: 1, sources: { slide: slide! } })) return Array.from(b[0].probabilities);
      throw new Error('no prediction');
    };
    const viaWorkers = await first([{ kind: 'region', ...r }]);
    const img = await slide!.readRegion(r.level, r.x, r.y, r.width, r.height);
    const onPage = await first([{ width: img.width, height: img.height, data: img.data, format: 'rgba' }]);
    return { viaWorkers, onPage };
  });
}

const maxAbs = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

test.describe(() => {
  test.skip(!CAN_MAKE_FLUORESCENCE, FLUORESCENCE_SKIP);

  test('channels listed, shown in their colours, turned off, recoloured, contrasted and auto-restored; a model sees the composite as shown', async ({ page }) => {
    test.setTimeout(90_000);
    const path = fluorescenceSlide('uint16');
    await page.goto('/');
    await useWasm(page);
    await openWithPicker(page, path);
    await waitForSlide(page, basename(path));

    // The info panel lists the file's channels; the Channels panel shows both in the file's colours.
    const listed = page.getByTestId('info-channels');
    await expect(listed).toContainText('DAPI');
    await expect(listed).toContainText('TRITC');
    await expect(listed).toContainText('uint16');
    const rows = page.getByTestId('channel-row');
    await expect(rows).toHaveCount(2);
    const names = ['DAPI', 'TRITC'];
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-channel')))).toEqual(names);
    await expect(page.getByLabel('DAPI colour')).toHaveValue('#0000ff');
    await expect(page.getByLabel('TRITC colour')).toHaveValue('#ff0000');
    const auto = await panelDisplay(page, names);
    expect(auto.every((d) => d.visible && d.min < d.max && d.max <= 65535)).toBe(true);

    // As opened: the tiles are the composite of both channels.
    const opened = await checkTiles(page, names);
    expect(opened.maxDiff).toBeLessThanOrEqual(1);
    expect(componentSum(opened.tiles, 0, 4), 'TRITC (red) shows in this region').toBeGreaterThan(200 * 200 * 5);
    expect(componentSum(opened.tiles, 2, 4), 'DAPI (blue) shows in this region').toBeGreaterThan(200 * 200 * 5);
    const screenBefore = await slideScreenshot(page);

    await chooseModel(page, /iciar18-breast-tfjs/);
    const modelBefore = await modelOnRegion(page);
    expect(maxAbs(modelBefore.viaWorkers, modelBefore.onPage)).toBeLessThan(1e-5);

    // TRITC off: only DAPI's blue is left, on the tiles and on the screen.
    const viewBefore = await page.evaluate(() => window.__tessera.viewer!.viewState());
    await page.getByLabel('Show TRITC').uncheck();
    await settled(page);
    const viewAfter = await page.evaluate(() => window.__tessera.viewer!.viewState());
    expect(viewAfter.centerX).toBeCloseTo(viewBefore.centerX, 3);
    expect(viewAfter.imageZoom).toBeCloseTo(viewBefore.imageZoom, 6);
    const screenOff = await slideScreenshot(page);
    expect(screenSum(screenBefore, 0), 'red on screen before').toBeGreaterThan(screenBefore.width * screenBefore.height * 2);
    expect(screenSum(screenOff, 0), 'red on screen with TRITC off').toBeLessThan(screenSum(screenBefore, 0) * 0.01);
    expect(screenSum(screenOff, 1), 'green on screen with TRITC off').toBeLessThan(screenOff.width * screenOff.height * 0.05);
    expect(screenSum(screenOff, 2), 'blue stays').toBeGreaterThan(screenSum(screenBefore, 2) * 0.8);
    const off = await checkTiles(page, names);
    expect(off.maxDiff).toBeLessThanOrEqual(1);
    expect(componentSum(off.tiles, 0, 4)).toBe(0);

    // DAPI green with a lower max: brighter green where DAPI was blue.
    await page.getByLabel('DAPI colour').fill('#00ff00');
    const newMax = Math.round(auto[0].min + (auto[0].max - auto[0].min) / 2);
    await page.getByLabel('DAPI maximum', { exact: true }).fill(String(newMax));
    await settled(page);
    const recoloured = await panelDisplay(page, names);
    expect(recoloured[0]).toEqual({ visible: true, color: [0, 255, 0], min: auto[0].min, max: newMax });
    const green = await checkTiles(page, names);
    expect(green.maxDiff).toBeLessThanOrEqual(1);
    expect(componentSum(green.tiles, 2, 4)).toBe(0);
    expect(componentSum(green.tiles, 1, 4)).toBeGreaterThan(componentSum(off.tiles, 2, 4));

    // The model, through the workers as an analysis reads, sees the new composite (not the one it saw before).
    const modelAfter = await modelOnRegion(page);
    expect(maxAbs(modelAfter.viaWorkers, modelAfter.onPage)).toBeLessThan(1e-5);
    expect(maxAbs(modelAfter.viaWorkers, modelBefore.viaWorkers)).toBeGreaterThan(1e-3);

    // Auto gives DAPI back the contrast it opened with (its colour stays green).
    await page.getByLabel('Auto contrast for DAPI').click();
    await settled(page);
    expect((await panelDisplay(page, names))[0]).toEqual({ visible: true, color: [0, 255, 0], min: auto[0].min, max: auto[0].max });
    expect((await checkTiles(page, names)).maxDiff).toBeLessThanOrEqual(1);

    // An RGB slide has no channels: neither the panel nor the list.
    await openWithPicker(page, fixture('slides', 'CMU-1-Small-Region.svs'));
    await waitForSlide(page, 'CMU-1-Small-Region.svs');
    await expect(page.getByTestId('channels-panel')).toHaveCount(0);
    await expect(page.getByTestId('info-channels')).toHaveCount(0);
  });

  // A model whose manifest names slide channels (input.slideChannels) gets their raw samples in its order,
  // not the composite: picked as a folder in the app, it says so, and Analyze gives per tile what the CLI
  // gives on the same slide (the CLI's path is checked against PyTorch on tifffile's planes in
  // test/unit/inference/slide-channels.test.ts).
  test('a model fed named channels: the panel says which, and the analysis equals the CLI\'s per tile', async ({ page }) => {
    test.skip(spawnSync('/usr/bin/python3', ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status !== 0, 'needs /usr/bin/python3 with torch and onnx (the model is made by test/support/channels/channel_model_reference.py)');
    test.setTimeout(120_000);
    const path = fluorescenceSlide('uint16');
    const work = mkdtempSync(join(tmpdir(), 'tessera-channel-model-'));
    try {
      const folder = join(work, 'channel-means');
      mkdirSync(folder);
      const input = { size: [64, 64], slideChannels: ['TRITC', 'DAPI'], scale: 65535, mean: [0.02, 0.05], std: [0.1, 0.2] };
      const spec = { slideChannels: ['DAPI', 'TRITC'], wanted: input.slideChannels, scale: input.scale, mean: input.mean, std: input.std, regions: [{ tiff: path, level: 2, x: 0, y: 0, width: 64, height: 64 }] };
      writeFileSync(join(work, 'spec.json'), JSON.stringify(spec));
      const made = spawnSync('/usr/bin/python3', [join(ROOT, 'test/support/channels/channel_model_reference.py'), work], { encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
      writeFileSync(join(folder, 'model.onnx'), readFileSync(join(work, 'model.onnx')));
      // 64 px at 4x the slide's µm/px: tiles of 256 level-0 px read from level 2 as they are.
      const info = await tessera('info', path);
      expect(info.code, info.stderr).toBe(0);
      const mpp = (JSON.parse(info.stdout) as { mppX: number }).mppX;
      const manifest = { name: 'channel-means', format: 'onnx', weights: 'model.onnx', input: { ...input, spacingUmPx: mpp * 4 }, output: { activation: 'softmax', classes: ['a', 'b'] } };
      writeFileSync(join(folder, 'tessera.json'), JSON.stringify(manifest));
      const cliCsv = join(work, 'cli.csv');
      const cli = await tessera('analyze', path, '--model', folder, '--csv', cliCsv);
      expect(cli.code, cli.stderr).toBe(0);

      await page.goto('/');
      await useWasm(page);
      await openWithPicker(page, path);
      await waitForSlide(page, basename(path));
      await page.getByTestId('model-folder-input').setInputFiles(folder);
      await expect(page.getByTestId('model-loading')).toHaveCount(0, { timeout: 60_000 });
      await expect(page.getByTestId('model-error')).toHaveCount(0);
      await expect(page.getByTestId('model-facts')).toContainText("64 × 64 px, the slide's channels TRITC, DAPI (raw samples, not the picture shown)");
      // What is shown changes; what the model is fed, and where the tissue is (found on the raw channels,
      // in the dark: a DAPI-only picture is pure blue, which the brightfield rules took for pen ink), do not.
      await page.getByLabel('Show TRITC').uncheck();
      await settled(page);
      await page.getByRole('button', { name: 'Analyze' }).click();
      await expect(page.getByTestId('analysis-progress')).toHaveAttribute('data-phase', 'completed', { timeout: 90_000 });
      await expect(page.getByText(/brightness > \d+/)).toBeVisible();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tiles CSV' }).click()]);
      const rows = (text: string) => text.trimEnd().split('\n').map((l) => l.split(','));
      const mine = rows(readFileSync(await download.path(), 'utf8'));
      const theirs = rows(readFileSync(cliCsv, 'utf8'));
      expect(mine[0]).toEqual(theirs[0]);
      expect(mine.length).toBeGreaterThan(5);
      expect(mine.map((r) => r.slice(0, 4))).toEqual(theirs.map((r) => r.slice(0, 4)));
      let worst = 0;
      for (let i = 1; i < mine.length; i++) for (const j of [4, 5]) worst = Math.max(worst, Math.abs(Number(mine[i][j]) - Number(theirs[i][j])));
      expect(worst).toBeLessThanOrEqual(1e-4);
      // Not a constant: the tiles' probabilities differ across the slide.
      expect(new Set(mine.slice(1).map((r) => Number(r[4]).toFixed(3))).size).toBeGreaterThan(2);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
  // A Z-stack and time series (2 channels x 3 Z x 2 T, written by tifffile): the info panel says so, the
  // Channels panel chooses the plane, and what the viewer draws is that plane as tifffile reads it,
  // composited with the display the panel shows (kept across planes), without moving the view.
  test('a Z-stack: the plane chosen in the Channels panel is the plane tifffile reads, with the display kept', async ({ page }) => {
    test.setTimeout(180_000);
    const path = join(fluorescenceDir(), 'stack-zt.ome.tif');
    const region = { level: 1, x: 40, y: 30, width: 200, height: 160 };
    /** Plane (z, t) of each channel over the region, as tifffile reads the stored level. */
    const tifffilePlanes = (z: number, t: number): number[][] => {
      const script = 'import sys, tifffile; a = tifffile.TiffFile(sys.argv[1]).series[0].levels[1].asarray(); x, y, w, h, z, t = map(int, sys.argv[2:]); sys.stdout.buffer.write(a[t, z, :, y:y + h, x:x + w].tobytes())';
      const r = spawnSync(PYTHON, ['-c', script, path, ...[region.x, region.y, region.width, region.height, z, t].map(String)], { maxBuffer: 1 << 24 });
      expect(r.status, String(r.stderr)).toBe(0);
      const n = region.width * region.height;
      return [Array.from(r.stdout.subarray(0, n)), Array.from(r.stdout.subarray(n, 2 * n))];
    };
    const names = ['DAPI', 'TRITC'];
    await page.goto('/');
    await useWasm(page);
    const drawnIs = async (z: number, t: number) => {
      await expect(page.getByTestId('plane-controls')).toHaveAttribute('aria-busy', 'false');
      await settled(page);
      const view = await page.evaluate(() => window.__tessera.viewer!.viewState());
      const drawn = await viewerRegion(page, region.level, region.x, region.y, region.width, region.height);
      expect(drawn.problems).toEqual([]);
      const want = composite(tifffilePlanes(z, t), await panelDisplay(page, names), region.width * region.height);
      let maxDiff = 0;
      for (let i = 0; i < want.length; i++) if (i % 4 !== 3) maxDiff = Math.max(maxDiff, Math.abs(want[i] - drawn.rgba[i]));
      return { maxDiff, rgba: drawn.rgba, view };
    };

    await openWithPicker(page, path);
    await waitForSlide(page, 'stack-zt.ome.tif');
    await expect(page.getByTestId('info-stack')).toHaveText('Each channel has 3 Z planes and 2 time points.');
    await expect(page.getByLabel('Z plane number')).toHaveValue('1');
    await expect(page.getByTestId('plane-z')).toContainText('of 3');
    await expect(page.getByLabel('Time point number')).toHaveValue('1');
    await expect(page.getByTestId('plane-t')).toContainText('of 2');
    const first = await drawnIs(0, 0);
    expect(first.maxDiff).toBeLessThanOrEqual(1);

    // TRITC off, then Z 3 typed: the third plane, still without TRITC, the view where it was.
    await page.getByLabel('Show TRITC').uncheck();
    await settled(page);
    const before = await page.evaluate(() => window.__tessera.viewer!.viewState());
    await page.getByLabel('Z plane number').fill('3');
    const z3 = await drawnIs(2, 0);
    expect(z3.maxDiff).toBeLessThanOrEqual(1);
    expect(componentSum(z3.rgba, 0, 4), 'TRITC stays off').toBe(0);
    expect(z3.view.centerX).toBeCloseTo(before.centerX, 3);
    expect(z3.view.imageZoom).toBeCloseTo(before.imageZoom, 6);
    await expect(page.getByLabel('Show TRITC')).not.toBeChecked();

    // Time point 2 on the slider: that plane (inverted here), at Z 3 still.
    await page.getByLabel('Time point slider').fill('2');
    await expect(page.getByLabel('Time point number')).toHaveValue('2');
    const t2 = await drawnIs(2, 1);
    expect(t2.maxDiff).toBeLessThanOrEqual(1);
    expect(componentSum(t2.rgba, 2, 4)).not.toBe(componentSum(z3.rgba, 2, 4));

    // Back to the first plane: what was drawn at the start, less TRITC.
    await page.getByLabel('Z plane number').fill('1');
    await page.getByLabel('Time point number').fill('1');
    expect((await drawnIs(0, 0)).maxDiff).toBeLessThanOrEqual(1);

    // An analysis is of the plane shown, saved as such, and shown on its plane again.
    await chooseModel(page, /iciar18-breast-tfjs/);
    const analyse = async () => {
      await page.getByRole('button', { name: 'Analyze' }).click();
      await expect(page.getByTestId('analysis-progress')).toHaveAttribute('data-phase', 'completed', { timeout: 120_000 });
      return page.evaluate(() => Array.from(window.__tessera.analysis!.store.probabilities));
    };
    await page.getByLabel('Z plane number').fill('3');
    await expect(page.getByTestId('plane-controls')).toHaveAttribute('aria-busy', 'false');
    const atZ3 = await analyse();
    const saved = page.getByTestId('saved-for-slide').locator('li');
    await expect(saved).toHaveCount(1);
    await expect(saved.first()).toContainText('Z 3, T 1');
    await page.getByLabel('Z plane number').fill('1');
    await expect(page.getByTestId('analysis-other-plane')).toHaveText('These results are of Z 3, T 1; the slide shows Z 1, T 1.');
    // The same settings on another plane: a second analysis, not the first one resumed.
    const atZ1 = await analyse();
    await expect(saved).toHaveCount(2);
    await expect(page.getByTestId('saved-for-slide')).toContainText('Z 1, T 1');
    expect(atZ1.length).toBe(atZ3.length);
    expect(maxAbs(atZ1, atZ3)).toBeGreaterThan(1e-3);
    // Showing the Z 3 results again goes back to Z 3.
    await saved.filter({ hasText: 'Z 3, T 1' }).getByRole('button', { name: 'Show results' }).click();
    await expect(page.getByTestId('analysis-progress')).toHaveAttribute('data-phase', 'completed', { timeout: 60_000 });
    await expect(page.getByLabel('Z plane number')).toHaveValue('3');
    await expect(page.getByTestId('analysis-other-plane')).toHaveCount(0);
    expect(maxAbs(await page.evaluate(() => Array.from(window.__tessera.analysis!.store.probabilities)), atZ3)).toBe(0);

    // A slide with one plane per channel has no plane controls.
    await openWithPicker(page, fluorescenceSlide('uint8'));
    await waitForSlide(page, 'fluo-uint8.ome.tif');
    await expect(page.getByTestId('channels-panel')).toBeVisible();
    await expect(page.getByTestId('plane-controls')).toHaveCount(0);
    await expect(page.getByTestId('info-stack')).toHaveCount(0);
  });
});
