/**
 * The batch part of `npm run bench` (issues 5 and 12): images per second for scoring the brain-MRI patch
 * folder with the shipped brain-MRI model in headless Chromium, on two paths side by side:
 *
 * - **worker** (the app since issue 12): the model in the inference worker, loaded by choosing it in the
 *   app's model list; `scoreEntries` with the app's predictor, each entry a file reference that the
 *   inference worker has the patch decoder's worker decode (worker to worker, as the batch screen runs it);
 * - **in-page** (the app before issue 12): the model opened on the page's own thread (`loadRuntime()`),
 *   `scoreEntries` with `localPredictor(model)`, each entry decoded by the `PatchDecoder` a few ahead.
 *
 * Each beside its **model-only** rate (the same images decoded beforehand, only preprocessing and the model
 * timed), and with the page's longest main-thread task during the scoring run (bench/worker/page-meter.ts).
 * Targets: worker ÷ in-page scoring >= 0.95, scoring ÷ model-only >= 0.9, longest task <= 100 ms.
 * Merges its figures into bench/results/latest.json under "batch". bench/worker/worker.ts runs the same
 * measurement on WebAssembly as part of issue 12's benchmark. See bench/README.md.
 *
 * Environment: BENCH_BATCH_BACKENDS (wasm,webgpu), BENCH_BATCH_IMAGES (images per backend, default 96 on
 * wasm and 24 on webgpu, which runs on SwiftShader without a GPU), BENCH_BATCH_ROUNDS (3; the round with
 * the median worker ÷ in-page ratio is reported), BENCH_BATCH_TIMEOUT_S (900, each round).
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type {} from '../../src/app/tessera-global';
import type {} from '../../src/app/inference-global';
import type {} from '../../src/app/batch/batch-global';
import { SHARED, Skip, envInt, foreignLoadMeter, log, mergeIntoLatest, startSession, withTimeout, type Session } from '../lib';
import { installMeter, type Responsiveness } from '../worker/page-meter';

export const FOLDER = join(SHARED, 'fixtures/patches/brain-mri');
export const BRAIN_MODEL_URL = '/models/brain-mri-classifier/';
export const BRAIN_MODEL_NAME = 'Brain MRI tumour (yes/no)';
export const BATCH_SIZE = 8;
const ROUNDS = envInt('BENCH_BATCH_ROUNDS', 3);
export const BATCH_TIMEOUT_MS = envInt('BENCH_BATCH_TIMEOUT_S', 900) * 1000;
const DEFAULT_IMAGES: Record<string, number> = { wasm: 96, webgpu: 24 };
export const TARGETS = { workerVsPage: 0.95, endToEndVsModelOnly: 0.9, longestTaskMs: 100, probeGapMs: 150, rafP95Ms: 50 };

export type PathName = 'worker' | 'page';

/** One path's figures in one round. */
export interface BatchPathFigures {
  images: number;
  modelOnlyPerSecond: number;
  scoringPerSecond: number;
  /** scoring ÷ model only */
  ratio: number;
  /** The main thread during the scoring run. */
  scoring: Responsiveness;
}

export interface BatchRound {
  worker: BatchPathFigures;
  page: BatchPathFigures;
  /** worker scoring ÷ in-page scoring */
  workerVsPage: number;
  order: PathName[];
}

export interface BatchBackendResult {
  backend: string;
  /** The backends that actually ran (a missing one falls back). */
  ranWorker: string;
  ranPage: string;
  images: number;
  rounds: BatchRound[];
  /** The round with the median worker ÷ in-page ratio. */
  median: BatchRound;
}

type BatchWindow = Window & {
  __benchBatchModel?: import('../../src/inference').Model;
  __benchEntries: import('../../src/batch/browser').BrowserEntry[];
};

/** Gives the page the folder as the batch screen's picker does: <input webkitdirectory> filled by Playwright. */
export async function giveFolderToPage(page: Page): Promise<number> {
  await page.waitForFunction(() => !!window.__tesseraBatch, null, { timeout: 60_000 });
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-folder-input';
    input.webkitdirectory = true;
    input.style.display = 'none';
    document.body.append(input);
  });
  await page.setInputFiles('#bench-folder-input', FOLDER, { timeout: 60_000 });
  return page.evaluate(() => {
    const files = Array.from((document.getElementById('bench-folder-input') as HTMLInputElement).files ?? []);
    const batch = window.__tesseraBatch!;
    const entries = batch.folderFromFileList(files).entries.filter((e) => batch.isImageName(e.path));
    (window as unknown as BatchWindow).__benchEntries = entries;
    return entries.length;
  });
}

/**
 * Chooses a model in the visible model list (`tessera.backend-always` set to `backend` first, so it loads
 * there without measuring), and waits until window.__tessera.predictor is that model. Returns its backend.
 */
export async function chooseAppModel(page: Page, label: RegExp, name: string, backend: string): Promise<string> {
  await page.evaluate((b) => localStorage.setItem('tessera.backend-always', b), backend);
  const select = page.getByLabel('Choose model').filter({ visible: true });
  const option = select.locator('option', { hasText: label });
  await option.first().waitFor({ state: 'attached', timeout: 60_000 });
  const value = await option.first().getAttribute('value');
  await select.selectOption(value!);
  try {
    await page.waitForFunction((n) => window.__tessera.predictor?.manifest.name === n || !!document.querySelector('[data-testid="model-error"]'), name, { timeout: 240_000, polling: 250 });
  } catch (e) {
    const status = await page.evaluate(() => document.querySelector('[data-testid="model-loading"]')?.textContent ?? '').catch(() => '(page did not answer)');
    throw new Error(`${name} did not load${status ? ` (the page says: ${status})` : ''}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const error = await page.evaluate(() => document.querySelector('[data-testid="model-error"]')?.textContent ?? null);
  if (error) throw new Error(`${name} could not be loaded: ${error}`);
  return page.evaluate(() => window.__tessera.predictor!.backend.name);
}

/**
 * The worker path's model on `backend`: the brain-MRI model chosen on the batch screen (or, already
 * chosen, moved to `backend`), then one untimed batch to compile its kernels.
 */
export async function openWorkerBrainModel(page: Page, backend: string): Promise<string> {
  const loaded = await page.evaluate((n) => window.__tessera.predictor?.manifest.name === n, BRAIN_MODEL_NAME);
  let ran: string;
  if (!loaded) {
    await page.getByRole('button', { name: 'Batch scoring' }).click();
    log('batch: choosing the brain-MRI model on the batch screen');
    ran = await chooseAppModel(page, /Brain MRI/, BRAIN_MODEL_NAME, backend);
    log(`batch: the brain-MRI model runs in the worker on ${ran}`);
  } else {
    ran = await page.evaluate(async (b) => (await window.__tessera.predictor!.switchBackend(b as 'wasm', [b as 'wasm', 'wasm', 'cpu'])).name, backend);
  }
  await page.evaluate(async ({ batchSize }) => {
    const w = window as unknown as BatchWindow;
    const decoder = new window.__tesseraBatch!.PatchDecoder(w.__benchEntries);
    const images = [];
    for (const e of w.__benchEntries.slice(0, batchSize)) images.push(await decoder.decode(e));
    decoder.dispose();
    for await (const _ of window.__tessera.predictor!.predictBatches(images, { batchSize })) void _;
  }, { batchSize: BATCH_SIZE });
  return ran;
}

/**
 * The in-page path's model on `backend`: TF.js and the runtime loaded on the page, its backend switched
 * as the app did before the worker (threaded WebAssembly), the model opened, one untimed batch.
 */
export async function openPageBrainModel(page: Page, backend: string): Promise<string> {
  return page.evaluate(async ({ backend, modelUrl, batchSize }) => {
    const w = window as unknown as BatchWindow;
    await window.__tessera.loadRuntime();
    const rt = window.__tesseraInference!;
    w.__benchBatchModel?.dispose();
    w.__benchBatchModel = undefined;
    const info = await rt.chooseBackend(backend as Parameters<typeof rt.chooseBackend>[0]);
    const model = await rt.openModel(await rt.filesFromUrl(modelUrl));
    w.__benchBatchModel = model;
    const decoder = new window.__tesseraBatch!.PatchDecoder(w.__benchEntries);
    const images = [];
    for (const e of w.__benchEntries.slice(0, batchSize)) images.push(await decoder.decode(e));
    decoder.dispose();
    for await (const _ of rt.localPredictor(model).predictBatches(images, { batchSize })) void _;
    return info.name;
  }, { backend, modelUrl: BRAIN_MODEL_URL, batchSize: BATCH_SIZE });
}

/** The page's model, disposed (TF.js's memory on the page goes back). */
export async function closePageBrainModel(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as BatchWindow;
    w.__benchBatchModel?.dispose();
    w.__benchBatchModel = undefined;
  });
}

/**
 * One path, once: the model-only rate (images decoded first, untimed; then preprocessing and the model,
 * timed), then the scoring run as that path runs it, with the main thread measured meanwhile.
 */
export async function measureBatchPath(page: Page, path: PathName, count: number): Promise<BatchPathFigures> {
  return page.evaluate(async ({ path, count, batchSize }) => {
    const w = window as unknown as BatchWindow;
    const batch = window.__tesseraBatch!;
    const entries = w.__benchEntries.slice(0, count);
    const predictor = path === 'worker' ? window.__tessera.predictor! : window.__tesseraInference!.localPredictor(w.__benchBatchModel!);
    // Model only: the images decoded first (untimed), then preprocessing and the model, timed.
    const decoder = new batch.PatchDecoder(entries);
    const decoded = [];
    for (const e of entries) decoded.push(await decoder.decode(e));
    decoder.dispose();
    // The worker is handed the pixels (transferred): it gets copies, made before the clock starts.
    const images = path === 'worker' ? decoded.map((d) => ({ ...d, data: d.data.slice() })) : decoded;
    let t = performance.now();
    let n = 0;
    for await (const p of predictor.predictBatches(images, { batchSize })) n += p.length;
    const modelOnlyPerSecond = (n * 1000) / (performance.now() - t);
    decoded.length = 0;
    images.length = 0;
    // The scoring run: the worker has the decode worker decode each file (the batch screen's run); the
    // page had the PatchDecoder decode them here, a few ahead, and ran the model on its own thread.
    const { scoreEntries } = await batch.scoring();
    const classes = predictor.manifest.output.classes.map((c) => c.name);
    const labels = batch.folderLabels(entries.map((e) => e.path), classes);
    const reader = new batch.PatchDecoder(entries);
    const options =
      path === 'worker'
        ? { toRef: (e: import('../../src/batch/folder').BatchEntry) => ({ kind: 'file' as const, file: (e as (typeof entries)[number]).file, name: e.path }), sources: { files: reader }, batchSize }
        : { toRef: (e: import('../../src/batch/folder').BatchEntry) => reader.decode(e as (typeof entries)[number]), batchSize };
    window.__benchMeter!.start('scoring');
    t = performance.now();
    n = 0;
    for await (const ev of scoreEntries(predictor, entries, labels, options)) if (ev.kind === 'scored') n += ev.images.length;
    const scoringPerSecond = (n * 1000) / (performance.now() - t);
    const scoring = await window.__benchMeter!.stop('scoring');
    reader.dispose();
    return { images: n, modelOnlyPerSecond, scoringPerSecond, ratio: scoringPerSecond / modelOnlyPerSecond, scoring };
  }, { path, count, batchSize: BATCH_SIZE });
}

/** One round: both paths, in `order` (rounds alternate it, so neither always runs first). */
export async function measureBatchRound(page: Page, count: number, order: PathName[]): Promise<BatchRound> {
  const figures: Partial<Record<PathName, BatchPathFigures>> = {};
  for (const path of order) figures[path] = await withTimeout(measureBatchPath(page, path, count), BATCH_TIMEOUT_MS, `batch ${path} round`);
  const worker = figures.worker!;
  const pageFigures = figures.page!;
  return { worker, page: pageFigures, workerVsPage: worker.scoringPerSecond / pageFigures.scoringPerSecond, order };
}

export function medianBy<T>(rounds: T[], key: (r: T) => number): T {
  return [...rounds].sort((a, b) => key(a) - key(b))[Math.floor((rounds.length - 1) / 2)];
}

export const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

export function logBatchRound(label: string, r: BatchRound, i: number): void {
  const f = (p: BatchPathFigures) => `model only ${p.modelOnlyPerSecond.toFixed(2)}, scoring ${p.scoringPerSecond.toFixed(2)} images/s (${p.ratio.toFixed(2)}), longest task ${p.scoring.longestTaskMs.toFixed(0)} ms`;
  log(`${label} round ${i + 1} (${r.order.join(' then ')}): worker ${f(r.worker)}; in-page ${f(r.page)}; worker ÷ in-page ${r.workerVsPage.toFixed(2)}`);
}

/** The batch rows and targets of one backend's median round. */
export function printBatchTable(results: BatchBackendResult[], rounds: number): void {
  console.log(`\nBatch scoring, brain-MRI folder, shipped brain-MRI model (224 px grey), batch ${BATCH_SIZE}; the round with the median worker ÷ in-page ratio of ${rounds}`);
  const head = ['backend ', 'path                         ', 'images', 'model only img/s', 'scoring img/s', 'scoring ÷ model only', 'longest task ms', 'probe gap ms'];
  console.log(head.join('  '));
  for (const r of results) {
    for (const [path, name, ran] of [['worker', 'worker (the app)', r.ranWorker], ['page', 'in-page (before issue 12)', r.ranPage]] as const) {
      const p = r.median[path];
      console.log(
        [
          ran.padEnd(head[0].length), name.padEnd(head[1].length), String(p.images).padStart(head[2].length), p.modelOnlyPerSecond.toFixed(2).padStart(head[3].length),
          p.scoringPerSecond.toFixed(2).padStart(head[4].length), p.ratio.toFixed(2).padStart(head[5].length), p.scoring.longestTaskMs.toFixed(0).padStart(head[6].length),
          p.scoring.probeMaxGapMs.toFixed(0).padStart(head[7].length),
        ].join('  '),
      );
    }
    const m = r.median;
    console.log(`  ${r.ranWorker}: worker ÷ in-page scoring ${m.workerVsPage.toFixed(2)} (>= ${TARGETS.workerVsPage} ${met(m.workerVsPage >= TARGETS.workerVsPage)}); worker scoring ÷ model only ${m.worker.ratio.toFixed(2)} (>= ${TARGETS.endToEndVsModelOnly} ${met(m.worker.ratio >= TARGETS.endToEndVsModelOnly)}); ` +
      `longest task ${m.worker.scoring.longestTaskMs.toFixed(0)} ms (<= ${TARGETS.longestTaskMs} ${met(m.worker.scoring.longestTaskMs <= TARGETS.longestTaskMs)}; in-page ${m.page.scoring.longestTaskMs.toFixed(0)} ms ${met(m.page.scoring.longestTaskMs <= TARGETS.longestTaskMs)})`);
    console.log(`  rounds, worker ÷ in-page: ${r.rounds.map((x) => x.workerVsPage.toFixed(2)).join(' ')}`);
  }
}

export async function runBatchPart(): Promise<void> {
  const date = new Date().toISOString();
  const machine = { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadAverage1m: Number(loadavg()[0].toFixed(2)) };
  if (!existsSync(FOLDER)) {
    const why = `${FOLDER} is absent: there is nothing to score`;
    console.log(`\nbatch bench SKIPPED: ${why}`);
    mergeIntoLatest('batch', { date, skipped: why, machine });
    return;
  }
  const backends = (process.env.BENCH_BATCH_BACKENDS ?? 'wasm,webgpu').split(',').map((b) => b.trim()).filter(Boolean);
  let session: Session | undefined;
  const results: BatchBackendResult[] = [];
  const foreign = foreignLoadMeter();
  try {
    session = await startSession();
    const { page } = session;
    page.setDefaultTimeout(120_000); // a click or a select that cannot happen says so, instead of waiting forever
    await installMeter(page);
    const total = await giveFolderToPage(page);
    log(`batch: ${total} images in ${FOLDER}`);
    for (const backend of backends) {
      const images = Math.min(total, envInt('BENCH_BATCH_IMAGES', DEFAULT_IMAGES[backend] ?? 24));
      const ranWorker = await withTimeout(openWorkerBrainModel(page, backend), 300_000, `opening the model in the worker on ${backend}`);
      const ranPage = await withTimeout(openPageBrainModel(page, backend), 300_000, `opening the model on the page on ${backend}`);
      if (ranWorker !== backend || ranPage !== backend) log(`batch: ${backend} is not available here; the worker ran ${ranWorker}, the page ${ranPage}`);
      const rounds: BatchRound[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const round = await measureBatchRound(page, images, r % 2 ? ['page', 'worker'] : ['worker', 'page']);
        logBatchRound(`batch ${backend}`, round, r);
        rounds.push(round);
      }
      await closePageBrainModel(page);
      results.push({ backend, ranWorker, ranPage, images, rounds, median: medianBy(rounds, (x) => x.workerVsPage) });
    }
    if (session.pageErrors.length) throw new Error(`the page reported errors: ${session.pageErrors.join('; ')}`);
  } catch (e) {
    if (e instanceof Skip) {
      console.log(`\nbatch bench SKIPPED: ${e.message}`);
      mergeIntoLatest('batch', { date, skipped: e.message, machine });
      return;
    }
    throw e;
  } finally {
    await session?.close();
  }
  const otherCpuShare = foreign();
  printBatchTable(results, ROUNDS);
  if (otherCpuShare !== null) console.log(`CPU used by other processes during the part: ${(100 * otherCpuShare).toFixed(0)}% of ${cpus().length} cores`);
  mergeIntoLatest('batch', { date, folder: FOLDER, model: BRAIN_MODEL_URL, batchSize: BATCH_SIZE, rounds: ROUNDS, targets: TARGETS, results, machine, otherCpuShare });
}
