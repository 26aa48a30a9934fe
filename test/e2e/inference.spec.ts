import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { ModelImage } from '../../src/inference';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { ICIAR18_PATCHES, readPatch, type Iciar18Record } from '../unit/inference/iciar18-patches';
import { chooseModel, expect, pinBackendAlways, test } from './helpers';

// Models run in the inference worker (src/inference/worker), on the backend measured fastest for each model
// on this machine (choose-backend.ts), or on the one pinned. Here, headless Chromium without a GPU: WebGPU
// and WebGL are SwiftShader (software, slow), so WebAssembly wins, and WebGPU runs stay few and small.
// The ICIAR 2018 fixture model is served read-only by vite/fixture-models-plugin.ts; its CPU-backend
// probabilities in Node are recorded in test/unit/inference/reference/iciar18-cpu.json.

const RECORD = JSON.parse(readFileSync(join(import.meta.dirname, '../unit/inference/reference/iciar18-cpu.json'), 'utf8')) as Iciar18Record;

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

/** The batch screen (its Model panel needs no slide), with `always` pinned for every model when given. */
async function batchScreen(page: Page, always?: 'webgpu' | 'webgl' | 'wasm' | 'cpu'): Promise<void> {
  await page.goto('/');
  if (always) await pinBackendAlways(page, always);
  await page.getByRole('button', { name: 'Batch scoring' }).click();
}

/** Every text the backend summary shows from now on (to tell whether a load measured anything). */
async function recordSummaries(page: Page): Promise<void> {
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="backend-summary"]')!;
    const seen: string[] = [];
    (window as unknown as { __summaries: string[] }).__summaries = seen;
    new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
  });
}

function summaries(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __summaries: string[] }).__summaries);
}

type Wire = { width: number; height: number; format: ModelImage['format']; data: number[] };
const toWire = (im: ModelImage): Wire => ({ width: im.width, height: im.height, format: im.format, data: Array.from(im.data) });

/** The loaded predictor's probabilities for `images`, in batches of `batchSize`, run in its worker. */
function predictInWorker(page: Page, images: Wire[], batchSize: number): Promise<{ backend: string; probabilities: number[][] }> {
  return page.evaluate(async ({ imgs, batchSize }) => {
    const predictor = window.__tessera.predictor!;
    const images = imgs.map((i) => ({ ...i, data: Uint8Array.from(i.data) }));
    const probabilities: number[][] = [];
    for await (const batch of predictor.predictBatches(images, { batchSize })) probabilities.push(...batch.map((p) => Array.from(p.probabilities)));
    return { backend: predictor.backend.name, probabilities };
  }, { imgs: images, batchSize });
}

test.describe(() => {
  test.skip(!HAVE_FIXTURES, SKIP_REASON);

  test('each shipped model: the backends are measured and WebAssembly chosen, the choice is remembered, a pinned backend survives a reload', async ({ page }) => {
    test.setTimeout(360_000);
    await batchScreen(page);
    const summary = page.getByTestId('backend-summary');
    await expect(summary).toHaveText('No model loaded');
    await recordSummaries(page);
    const measured: Record<string, { measuredAt: number; seconds: number }> = {};
    for (const label of [/Nuclei/, /Brain MRI/]) {
      const t0 = Date.now();
      await chooseModel(page, label, 240_000);
      const seconds = (Date.now() - t0) / 1000;
      const choice = (await page.evaluate(() => window.__tessera.backends))!;
      test.info().annotations.push({ type: `measured ${label.source} in ${seconds.toFixed(1)} s`, description: JSON.stringify(choice.rates) });
      console.log(`${label.source}: measured in ${seconds.toFixed(1)} s`, JSON.stringify(choice.rates));
      expect(choice).toMatchObject({ choice: 'wasm', pinned: false, remembered: false });
      // Measured in the trial order for a machine without a hardware GPU: wasm first, then WebGPU and WebGL.
      expect(choice.rates.map((r) => r.backend)).toEqual(['wasm', 'webgpu', 'webgl']);
      const [wasm, ...gpus] = choice.rates;
      expect(wasm.imagesPerSecond).toBeGreaterThan(0);
      for (const gpu of gpus) {
        // SwiftShader, a software GPU: measured slower than wasm, stopped as too slow, or (when its convolution
        // probe ran slower than wasm's: a software GPU must beat the fastest's probe outright, another backend
        // reach a quarter of it) not tried on the model at all.
        if (gpu.software !== undefined) expect(gpu.software, `${gpu.backend} on SwiftShader is a software GPU`).toBe(true);
        if (gpu.imagesPerSecond !== null) expect(gpu.imagesPerSecond, gpu.backend).toBeLessThan(wasm.imagesPerSecond!);
        else if (/convolution probe/.test(gpu.note ?? '')) {
          expect(gpu.note, gpu.backend).toMatch(/^\d+\.\d GFLOP\/s on a convolution probe, against \d+\.\d for the fastest: not tried on the model$/);
          expect(gpu.probeGflops!, gpu.backend).toBeLessThan((gpu.software ? 1 : 0.25) * wasm.probeGflops!);
        } else expect(gpu.note, gpu.backend).toMatch(/^stopped after \d+\.\d s, slower than the fastest$/);
      }
      expect(await page.evaluate(() => window.__tessera.predictor!.backend.name)).toBe('wasm');
      await expect(summary).toHaveText(/^WebAssembly · SIMD, /);
      // The panel's table says the same.
      await summary.click();
      const rates = page.getByTestId('backend-rates');
      await expect(rates.locator('tr[data-backend="wasm"]')).toHaveText(/^WebAssembly\s*[\d.]+ images\/s\s*fastest$/);
      expect(Number((await rates.locator('tr[data-backend="wasm"] td').first().textContent())!.match(/^([\d.]+) images/)![1])).toBeGreaterThan(0);
      for (const name of ['webgpu', 'webgl']) await expect(rates.locator(`tr[data-backend="${name}"] td`).first()).toHaveText(/^[\d.]+ images\/s|^stopped after |convolution probe/);
      await expect(page.getByLabel('Backend', { exact: true })).toHaveValue('');
      await summary.click();
      measured[label.source] = { measuredAt: choice.measuredAt, seconds };
    }
    // Loading said what it measured.
    expect(await summaries(page)).toEqual(expect.arrayContaining(['Measuring WebAssembly…', 'Measuring WebGPU…', 'Measuring WebGL…']));
    // Remembered per model and machine: after a reload, each model loads on wasm at once, measuring nothing.
    const remembered = async () => {
      for (const label of [/Nuclei/, /Brain MRI/]) {
        await chooseModel(page, label);
        const choice = (await page.evaluate(() => window.__tessera.backends))!;
        expect(choice, label.source).toMatchObject({ choice: 'wasm', pinned: false, remembered: true, measuredAt: measured[label.source].measuredAt });
        expect(choice.rates.map((r) => r.backend)).toEqual(['wasm', 'webgpu', 'webgl']);
        await expect(summary).toHaveText(/^WebAssembly · /);
      }
    };
    await page.reload();
    await page.getByRole('button', { name: 'Batch scoring' }).click();
    await recordSummaries(page);
    await remembered();
    expect((await summaries(page)).filter((s) => s.startsWith('Measuring'))).toEqual([]);

    // Pinning WebGL for the brain MRI model: the worker moves there, and the pin is remembered for that model only.
    await summary.click();
    await page.getByLabel('Backend', { exact: true }).selectOption('webgl');
    await expect(summary).toHaveText(/^WebGL · /, { timeout: 60_000 });
    // (The summary follows the worker's ready event; the choice is stored when the switch returns.)
    await expect.poll(() => page.evaluate(() => [window.__tessera.predictor!.backend.name, window.__tessera.backends!.choice, window.__tessera.backends!.pinned])).toEqual(['webgl', 'webgl', true]);
    await expect(page.getByTestId('backend-rates').locator('tr[data-backend="webgl"]')).toContainText('pinned');
    await page.reload();
    await page.getByRole('button', { name: 'Batch scoring' }).click();
    await recordSummaries(page);
    await chooseModel(page, /Brain MRI/);
    await expect(summary).toHaveText(/^WebGL · /);
    expect(await page.evaluate(() => window.__tessera.predictor!.backend.name)).toBe('webgl');
    expect(await page.evaluate(() => window.__tessera.backends)).toMatchObject({ choice: 'webgl', pinned: true, remembered: true });
    await summary.click();
    await expect(page.getByLabel('Backend', { exact: true })).toHaveValue('webgl');
    await summary.click();
    await chooseModel(page, /Nuclei/);
    expect(await page.evaluate(() => window.__tessera.backends)).toMatchObject({ choice: 'wasm', pinned: false, remembered: true });
    expect((await summaries(page)).filter((s) => s.startsWith('Measuring'))).toEqual([]);
  });

  test('ICIAR 2018 on WebGPU in the inference worker gives the probabilities TF.js CPU gives in Node, within 1e-4', async ({ page }) => {
    test.setTimeout(600_000);
    // Two real H&E patches: a 224 px Kather patch (resized in the worker) and a 128 px crop (unresized).
    const chosen = [0, 3];
    const images = (await Promise.all(chosen.map((i) => readPatch(ICIAR18_PATCHES[i])))).map(toWire);
    await batchScreen(page, 'webgpu');
    await chooseModel(page, /iciar18-breast-tfjs/);
    const info = await page.evaluate(() => window.__tessera.predictor!.backend);
    expect(info.name).toBe('webgpu');
    expect(info.adapter?.architecture).toBe('swiftshader');
    await expect(page.getByTestId('backend-summary')).toHaveText(/^WebGPU · .*swiftshader/i);
    const scaled = await predictInWorker(page, images, 2);
    expect(scaled.backend).toBe('webgpu');

    // The same patches with 0-255 pixels straight into the model, where its outputs differ strongly between
    // patches (see Iciar18Record): the model folder with its WSInfer config minus ToTensor (scale 1), picked
    // as a person picks their own model, run on WebGPU in its worker too.
    const dir = mkdtempSync(join(tmpdir(), 'tessera-iciar-unscaled-'));
    let unscaled: { backend: string; probabilities: number[][] };
    try {
      const folder = join(dir, 'iciar18-unscaled');
      mkdirSync(folder);
      const source = fixture('models', 'iciar18-breast-tfjs');
      for (const f of ['model.json', 'group1-shard1of1.bin']) copyFileSync(join(source, f), join(folder, f));
      const config = JSON.parse(readFileSync(join(source, 'config.json'), 'utf8')) as { transform: { name: string }[] };
      config.transform = config.transform.filter((t) => t.name !== 'ToTensor');
      writeFileSync(join(folder, 'config.json'), JSON.stringify(config));
      await page.getByTestId('model-folder-input').setInputFiles(folder);
      await expect(page.getByTestId('model-loading')).toHaveCount(0, { timeout: 120_000 });
      await expect(page.getByTestId('model-error')).toHaveCount(0);
      await expect(page.getByLabel('Choose model')).toHaveValue('own:iciar18-unscaled');
      expect(await page.evaluate(() => window.__tessera.predictor!.manifest.input.scale)).toBe(1);
      unscaled = await predictInWorker(page, images, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(unscaled.backend).toBe('webgpu');

    const diffs = chosen.map((p, i) => ({
      patch: `${ICIAR18_PATCHES[p].file} (${ICIAR18_PATCHES[p].x}, ${ICIAR18_PATCHES[p].y})`,
      probabilities: maxAbsDiff(scaled.probabilities[i], RECORD.patches[p].probabilities),
      unscaled: maxAbsDiff(unscaled.probabilities[i], RECORD.patches[p].unscaledProbabilities),
    }));
    test.info().annotations.push({ type: 'max |WebGPU (worker) - CPU|', description: JSON.stringify(diffs) });
    console.log('ICIAR 2018, max |WebGPU in the worker - CPU|:', JSON.stringify(diffs));
    for (const d of diffs) {
      expect(d.probabilities, d.patch).toBeLessThanOrEqual(1e-4);
      expect(d.unscaled, d.patch).toBeLessThanOrEqual(1e-4);
    }
  });

  test('when the WebGPU device is lost mid-run, the worker falls back to the next backend by itself, finishes the run, and the panel says so', async ({ page }) => {
    test.setTimeout(600_000);
    // Six H&E patches in three batches of two: the four recorded ones, then the first two again. Without the
    // loss they give the recorded CPU probabilities (within 1e-7 on WebGPU, the test above), so the record is
    // what the run must still give.
    const order = [0, 1, 2, 3, 0, 1];
    const patches = await Promise.all(ICIAR18_PATCHES.map((p) => readPatch(p)));
    const images = order.map((i) => toWire(patches[i]));
    await batchScreen(page, 'webgpu');
    await chooseModel(page, /iciar18-breast-tfjs/);
    expect(await page.evaluate(() => window.__tessera.predictor!.backend.name)).toBe('webgpu');

    const result = await page.evaluate(async (imgs) => {
      const predictor = window.__tessera.predictor!;
      const events: { type: string; from?: string; to?: string; reason?: string }[] = [];
      const stop = predictor.onBackendEvent((e) => events.push(e.type === 'fallback' ? { type: e.type, from: e.from, to: e.to, reason: e.reason } : { type: e.type, to: e.backend.name }));
      const got: number[][] = [];
      const batches: string[] = [];
      let lost: boolean | null = null;
      for await (const batch of predictor.predictBatches(imgs.map((i) => ({ ...i, data: Uint8Array.from(i.data) })), { batchSize: 2 })) {
        got.push(...batch.map((p) => Array.from(p.probabilities)));
        batches.push(predictor.backend.name);
        // Lose the device between the first and the second batch.
        if (batches.length === 1) lost = await predictor.loseDeviceForTest();
      }
      stop();
      return { got, batches, lost, events, backend: predictor.backend.name, crashed: predictor.crashed?.message ?? null };
    }, images);
    test.info().annotations.push({ type: 'backend events', description: JSON.stringify(result.events) });
    expect(result.lost, 'the worker was on WebGPU and destroyed its device').toBe(true);
    expect(result.crashed).toBeNull();
    expect(result.got).toHaveLength(images.length);
    // With 'webgpu' pinned for every model, the worker's order is fallbackOrder('webgpu', []) (choose-backend.ts):
    // WebGPU, then WebAssembly, then cpu. (In the page's old runtime it was WebGPU, WebGL, WebAssembly, cpu.)
    expect(result.backend).toBe('wasm');
    expect(result.batches[0]).toBe('webgpu');
    expect(result.batches.at(-1)).toBe('wasm');
    expect(result.events[0]).toMatchObject({ type: 'fallback', from: 'webgpu', to: 'wasm' });
    expect(result.events[0].reason).toMatch(/^lost its GPU device \(destroyed/);
    expect(result.events[1]).toMatchObject({ type: 'ready', to: 'wasm' });
    const diffs = result.got.map((p, i) => maxAbsDiff(p, RECORD.patches[order[i]].probabilities));
    test.info().annotations.push({ type: 'max |p - CPU record| per image', description: JSON.stringify({ backends: result.batches, diffs }) });
    diffs.forEach((d, i) => expect(d, `image ${i} (batch on ${result.batches[Math.floor(i / 2)]})`).toBeLessThanOrEqual(1e-4));
    await expect(page.locator('.backend-note[role="status"]')).toHaveText(/^WebGPU lost its GPU device \(destroyed.*\); using WebAssembly instead\.$/);
    await expect(page.getByTestId('backend-summary')).toHaveText(/^WebAssembly · /);
  });
});
