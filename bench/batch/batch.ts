/**
 * The batch part of `npm run bench` (issue 5): images per second for scoring the brain-MRI patch folder
 * with the shipped brain-MRI model in headless Chromium, the way the batch screen scores it (files read
 * and decoded in the decode worker, a few ahead of the model, then batches of 8 through the model), beside
 * the model-only rate on the same backend (the same images decoded beforehand, only preprocessing and
 * the model timed). The target is a ratio of at least 0.9: decoding keeps up with the model.
 * Merges its figures into bench/results/latest.json under "batch". See bench/README.md.
 *
 * Environment: BENCH_BATCH_BACKENDS (wasm,webgpu), BENCH_BATCH_IMAGES (images per backend, default 96 on
 * wasm and 24 on webgpu, which runs on SwiftShader without a GPU), BENCH_BATCH_ROUNDS (3; the round with
 * the median ratio is reported), BENCH_BATCH_TIMEOUT_S (900, the whole part).
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SHARED, Skip, envInt, foreignLoadMeter, log, mergeIntoLatest, startSession, withTimeout, type Session } from '../lib';

const FOLDER = join(SHARED, 'fixtures/patches/brain-mri');
const MODEL_URL = '/models/brain-mri-classifier/';
const BATCH_SIZE = 8;
const ROUNDS = envInt('BENCH_BATCH_ROUNDS', 3);
export const BATCH_TIMEOUT_MS = envInt('BENCH_BATCH_TIMEOUT_S', 900) * 1000;
const DEFAULT_IMAGES: Record<string, number> = { wasm: 96, webgpu: 24 };
const TARGET = 0.9;

interface Round {
  modelOnlyPerSecond: number;
  scoringPerSecond: number;
}

interface BackendResult {
  backend: string;
  /** The backend that actually ran (a missing one falls back). */
  ran: string;
  images: number;
  rounds: Round[];
  modelOnlyPerSecond: number;
  scoringPerSecond: number;
  ratio: number;
}

/** One round on the page: the model-only rate, then the scoring run's, on the same images. */
async function measureRound(page: Page, count: number): Promise<Round> {
  return page.evaluate(async ({ count, batchSize }) => {
    type W = Window & { __benchModel?: unknown; __benchEntries: unknown[] };
    const w = window as unknown as W;
    const rt = window.__tesseraInference!;
    const batch = window.__tesseraBatch!;
    const model = w.__benchModel as Awaited<ReturnType<typeof rt.openModel>>;
    const entries = (w.__benchEntries as import('../../src/batch/browser').BrowserEntry[]).slice(0, count);
    // Model only: the images decoded first (untimed), then preprocessing and the model, timed.
    const decoder = new batch.PatchDecoder(entries);
    const images = [];
    for (const e of entries) images.push(await decoder.decode(e));
    decoder.dispose();
    let t = performance.now();
    let n = 0;
    for await (const p of rt.predictBatches(model, images, { batchSize })) n += p.length;
    const modelOnlyPerSecond = (n * 1000) / (performance.now() - t);
    images.length = 0;
    // The batch screen's run: read, decode in the worker, score.
    const { scoreEntries } = await batch.scoring();
    const classes = model.manifest.output.classes.map((c) => c.name);
    const labels = batch.folderLabels(entries.map((e) => e.path), classes);
    const reader = new batch.PatchDecoder(entries);
    t = performance.now();
    n = 0;
    for await (const ev of scoreEntries(model, entries, labels, { decode: (e) => reader.decode(e as (typeof entries)[number]), batchSize })) if (ev.kind === 'scored') n += ev.images.length;
    const scoringPerSecond = (n * 1000) / (performance.now() - t);
    reader.dispose();
    return { modelOnlyPerSecond, scoringPerSecond };
  }, { count, batchSize: BATCH_SIZE });
}

/** Switches the page's backend and opens the model there, with one untimed batch to compile its kernels. */
async function prepareBackend(page: Page, backend: string): Promise<string> {
  return page.evaluate(async ({ backend, modelUrl, batchSize }) => {
    const w = window as unknown as { __benchModel?: { dispose(): void }; __benchEntries: import('../../src/batch/browser').BrowserEntry[] };
    const rt = window.__tesseraInference!;
    w.__benchModel?.dispose();
    const info = await rt.chooseBackend(backend as Parameters<typeof rt.chooseBackend>[0]);
    const model = await rt.openModel(await rt.filesFromUrl(modelUrl));
    w.__benchModel = model;
    const decoder = new window.__tesseraBatch!.PatchDecoder(w.__benchEntries);
    const images = [];
    for (const e of w.__benchEntries.slice(0, batchSize)) images.push(await decoder.decode(e));
    decoder.dispose();
    for await (const _ of rt.predictBatches(model, images, { batchSize })) void _;
    return info.name;
  }, { backend, modelUrl: MODEL_URL, batchSize: BATCH_SIZE });
}

/** Gives the page the folder as the batch screen's picker does: <input webkitdirectory> filled by Playwright. */
async function giveFolderToPage(page: Page): Promise<number> {
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
    (window as unknown as { __benchEntries: unknown[] }).__benchEntries = entries;
    return entries.length;
  });
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
  const results: BackendResult[] = [];
  const foreign = foreignLoadMeter();
  try {
    session = await startSession();
    const { page } = session;
    await page.waitForFunction(() => !!window.__tesseraInference && !!window.__tesseraBatch, null, { timeout: 60_000 });
    const total = await giveFolderToPage(page);
    log(`batch: ${total} images in ${FOLDER}`);
    for (const backend of backends) {
      const images = Math.min(total, envInt('BENCH_BATCH_IMAGES', DEFAULT_IMAGES[backend] ?? 24));
      const ran = await withTimeout(prepareBackend(page, backend), 300_000, `opening the model on ${backend}`);
      if (ran !== backend) log(`batch: ${backend} is not available here; ${ran} ran instead`);
      const rounds: Round[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const round = await withTimeout(measureRound(page, images), BATCH_TIMEOUT_MS, `batch round on ${ran}`);
        log(`batch ${ran}, round ${r + 1}: model only ${round.modelOnlyPerSecond.toFixed(2)} images/s, scoring ${round.scoringPerSecond.toFixed(2)} images/s`);
        rounds.push(round);
      }
      // The round with the median ratio: its two rates ran back to back, under the same background load.
      const mid = [...rounds].sort((a, b) => a.scoringPerSecond / a.modelOnlyPerSecond - b.scoringPerSecond / b.modelOnlyPerSecond)[Math.floor((rounds.length - 1) / 2)];
      results.push({ backend, ran, images, rounds, modelOnlyPerSecond: mid.modelOnlyPerSecond, scoringPerSecond: mid.scoringPerSecond, ratio: mid.scoringPerSecond / mid.modelOnlyPerSecond });
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
  console.log(`\nBatch scoring, brain-MRI folder, shipped brain-MRI model (224 px grey), batch ${BATCH_SIZE}, the median-ratio round of ${ROUNDS}`);
  console.log('backend   images   model only (img/s)   scoring (img/s)   ratio   target');
  for (const r of results) {
    console.log(`${r.ran.padEnd(8)}  ${String(r.images).padStart(6)}   ${r.modelOnlyPerSecond.toFixed(2).padStart(18)}   ${r.scoringPerSecond.toFixed(2).padStart(15)}   ${r.ratio.toFixed(2).padStart(5)}   >= ${TARGET} ${r.ratio >= TARGET ? 'met' : 'NOT met'}`);
  }
  mergeIntoLatest('batch', { date, folder: FOLDER, model: MODEL_URL, batchSize: BATCH_SIZE, rounds: ROUNDS, target: TARGET, results, machine, otherCpuShare: foreign() });
}
