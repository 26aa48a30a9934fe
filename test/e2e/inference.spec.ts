import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { HAVE_FIXTURES, SKIP_REASON } from '../support/fixtures';
import { ICIAR18_PATCHES, readPatch, type Iciar18Record } from '../unit/inference/iciar18-patches';
import { expect, test } from './helpers';
import type {} from '../../src/app/inference-global';

// The model runtime in headless Chromium on WebGPU (SwiftShader, software: slow, so few and small runs).
// The ICIAR 2018 fixture model is served read-only by vite/fixture-models-plugin.ts; its CPU-backend
// probabilities in Node are recorded in test/unit/inference/reference/iciar18-cpu.json.

const RECORD = JSON.parse(readFileSync(join(import.meta.dirname, '../unit/inference/reference/iciar18-cpu.json'), 'utf8')) as Iciar18Record;

async function runtimeReady(page: Page): Promise<void> {
  await page.goto('/');
  await page.waitForFunction(() => window.__tesseraInference?.currentBackend() != null, undefined, { timeout: 60_000 });
}

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

test('the backend panel shows WebGPU and the SwiftShader adapter, and switches backend', async ({ page }) => {
  await runtimeReady(page);
  const info = await page.evaluate(() => window.__tesseraInference!.currentBackend());
  expect(info?.name).toBe('webgpu');
  expect(info?.adapter?.architecture).toBe('swiftshader');
  const summary = page.getByTestId('backend-summary');
  await expect(summary).toHaveText(/^WebGPU · .*swiftshader/i);
  await summary.click();
  await expect(page.getByTestId('backend-adapter')).toContainText(/swiftshader/i);
  // The page is cross-origin isolated: TF.js's threaded wasm computes on one thread per logical core.
  // (Read before switching: while the wasm backend starts, the page reports twice the cores; backend.ts.)
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await page.getByLabel('Backend', { exact: true }).selectOption('wasm');
  await expect(summary).toHaveText(cores > 1 ? `WebAssembly · SIMD, ${cores} threads` : 'WebAssembly · SIMD, one thread');
  const onWasm = await page.evaluate(async () => {
    const { tf } = window.__tesseraInference!;
    const y = tf.conv2d(tf.ones([1, 4, 4, 2]) as import('@tensorflow/tfjs').Tensor4D, tf.ones([3, 3, 2, 1]) as import('@tensorflow/tfjs').Tensor4D, 1, 'same');
    return { backend: tf.getBackend(), values: Array.from(await y.data()).slice(0, 2) };
  });
  expect(onWasm).toEqual({ backend: 'wasm', values: [8, 12] });
  await page.getByLabel('Backend', { exact: true }).selectOption('webgpu');
  await expect(summary).toHaveText(/^WebGPU · /);
});

test.describe(() => {
  test.skip(!HAVE_FIXTURES, SKIP_REASON);

  test('ICIAR 2018 on WebGPU gives the probabilities TF.js CPU gives in Node, within 1e-4', async ({ page }) => {
    test.setTimeout(600_000);
    // Two real H&E patches: a 224 px Kather patch (resized in the page) and a 128 px crop (unresized).
    const chosen = [0, 3];
    const images = await Promise.all(chosen.map((i) => readPatch(ICIAR18_PATCHES[i])));
    await runtimeReady(page);
    const result = await page.evaluate(async (imgs) => {
      const rt = window.__tesseraInference!;
      const model = await rt.openModel(rt.filesFromUrl('/fixture-models/iciar18-breast-tfjs/'));
      const images = imgs.map((i) => ({ ...i, data: Uint8Array.from(i.data) }));
      const before = rt.tf.memory().numTensors;
      const predictions = await rt.predict(model, images, { batchSize: 2 });
      // The same patches with 0-255 pixels straight into the model, where its outputs differ between patches.
      const batch = await rt.preprocessBatch(images, { ...model.manifest, input: { ...model.manifest.input, scale: 1 } }, { batchSize: 2 });
      const out = model.predict(batch);
      const unscaled = Array.from(await out.data());
      rt.tf.dispose([batch, out]);
      const leaked = rt.tf.memory().numTensors - before;
      const backend = model.backend;
      model.dispose();
      return { backend, leaked, probabilities: predictions.map((p) => Array.from(p.probabilities)), unscaled };
    }, images.map((im) => ({ width: im.width, height: im.height, format: im.format, data: Array.from(im.data) })));
    expect(result.backend).toBe('webgpu');
    expect(result.leaked).toBe(0);
    const diffs = chosen.map((p, i) => ({
      patch: `${ICIAR18_PATCHES[p].file} (${ICIAR18_PATCHES[p].x}, ${ICIAR18_PATCHES[p].y})`,
      probabilities: maxAbsDiff(result.probabilities[i], RECORD.patches[p].probabilities),
      unscaled: maxAbsDiff(result.unscaled.slice(i * 4, i * 4 + 4), RECORD.patches[p].unscaledProbabilities),
    }));
    test.info().annotations.push({ type: 'max |WebGPU - CPU|', description: JSON.stringify(diffs) });
    console.log('ICIAR 2018, max |WebGPU - CPU|:', JSON.stringify(diffs));
    for (const d of diffs) {
      expect(d.probabilities, d.patch).toBeLessThanOrEqual(1e-4);
      expect(d.unscaled, d.patch).toBeLessThanOrEqual(1e-4);
    }
  });
});

test('when the WebGPU device is lost mid-run, the run falls back to the next backend by itself and says so', async ({ page }) => {
  test.setTimeout(300_000);
  await runtimeReady(page);
  const result = await page.evaluate(async () => {
    const rt = window.__tesseraInference!;
    const { tf } = rt;
    // A small layers model made in the page, written as model.json plus weights.
    const net = tf.sequential();
    net.add(tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
    net.add(tf.layers.globalAveragePooling2d({}));
    net.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
    let saved: import('@tensorflow/tfjs').io.ModelArtifacts | undefined;
    await net.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' as const } };
    }));
    net.dispose();
    const files = rt.filesFromMap({
      'model.json': JSON.stringify({ format: 'layers-model', modelTopology: saved!.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: saved!.weightSpecs }] }),
      'w.bin': saved!.weightData as ArrayBuffer,
      'tessera.json': JSON.stringify({ name: 'tiny', format: 'tfjs-layers', weights: 'model.json', input: { size: [16, 16] }, output: { classes: ['a', 'b', 'c'] } }),
    });
    const model = await rt.openModel(files);
    const images = Array.from({ length: 4 }, (_, k) => ({ width: 16, height: 16, format: 'rgb' as const, data: Uint8Array.from({ length: 768 }, (_, i) => (i * (k + 3) * 31) % 256) }));
    const reference = (await rt.predict(model, images, { batchSize: 2 })).map((p) => Array.from(p.probabilities));
    const events: { type: string; from?: string; to?: string; reason?: string }[] = [];
    const stop = rt.onBackendEvent((e) => events.push(e.type === 'fallback' ? { type: e.type, from: e.from, to: e.to, reason: e.reason } : { type: e.type, to: e.backend.name }));
    const got: number[][] = [];
    const backends: string[] = [];
    for await (const batch of rt.predictBatches(model, images, { batchSize: 2 })) {
      got.push(...batch.map((p) => Array.from(p.probabilities)));
      backends.push(model.backend);
      // Lose the device between the first and the second batch.
      if (backends.length === 1) (tf.backend() as unknown as { device: GPUDevice }).device.destroy();
    }
    stop();
    model.dispose();
    const panel = document.querySelector('.backend-note')?.textContent ?? null;
    return { reference, got, backends, events, current: rt.currentBackend()?.name, panel };
  });
  expect(result.backends).toEqual(['webgpu', 'webgl']);
  expect(result.current).toBe('webgl');
  expect(result.events[0]).toMatchObject({ type: 'fallback', from: 'webgpu', to: 'webgl' });
  expect(result.events[0].reason).toMatch(/^lost its GPU device \(destroyed/);
  expect(result.events[1]).toMatchObject({ type: 'ready', to: 'webgl' });
  result.got.forEach((p, i) => expect(maxAbsDiff(p, result.reference[i])).toBeLessThanOrEqual(1e-4));
  await expect(page.locator('.backend-note')).toHaveText(/WebGPU lost its GPU device .*; using WebGL instead\./);
  await expect(page.getByTestId('backend-summary')).toHaveText(/^WebGL · /);
});
