/**
 * The worker part of `npm run bench` (issue 12): does running models in the inference worker keep the
 * throughput of running them on the page's thread, and does the page stay responsive meanwhile?
 *
 * Analysis: the shipped nuclei model (256 px segmentation) over CMU-1-Small-Region.svs's tissue on
 * WebAssembly (threads), on three paths, in alternating order each round:
 * - **app**: the app's own path. The slide opened with the app's "Open file…" picker, the model chosen in
 *   the model list (localStorage tessera.backend-always = wasm, so it loads without measuring), Analyze
 *   pressed; timed from data-phase "running" to "completed" on data-testid=analysis-progress;
 * - **worker, bench-driven**: planSlideAnalysis + startSlideAnalysis with the app's worker predictor
 *   (window.__tessera.predictor), so app ÷ this row is the cost of the app's own work (overlays, saves);
 * - **in-page**: the app before issue 12: TF.js loaded on the page (loadRuntime), chooseBackend('wasm'),
 *   the model opened there, startSlideAnalysis(slide, localPredictor(model), ...) with the same settings.
 * Each run is measured for tiles/s and for the main thread (longest 'longtask', a 50 ms probe's longest
 * gap; the app's from Analyze, the bench-driven ones from the run's start, after the bench planned the run
 * on the page); the app and in-page paths also run once more with the view dragged a quarter of the way in
 * (requestAnimationFrame intervals over the drag; that run is cancelled once the drag ends). Model only: a sample of the same
 * tiles, read beforehand, through the worker's predictBatches and the page's.
 *
 * Batch scoring: the brain-MRI folder with the shipped brain-MRI model on WebAssembly, worker and in-page
 * (bench/batch/batch.ts's measurement, so both parts report alike).
 *
 * Prints the table with the targets (worker ÷ in-page >= 0.95, end-to-end ÷ model-only >= 0.9, longest
 * task <= 100 ms, probe gap <= 150 ms, rAF p95 while dragging <= 50 ms) and merges everything into
 * bench/results/latest.json under "worker". See bench/README.md.
 *
 * Environment: BENCH_WORKER_ROUNDS (3; the round with the median worker ÷ in-page ratio is reported),
 * BENCH_WORKER_SECTIONS (analysis,batch), BENCH_WORKER_SAMPLE (64: model only runs every tissue tile up to this many), BENCH_WORKER_OVERLAP
 * (0: the panel's default; 0.25, 0.5 or 0.75 for more tiles), BENCH_WORKER_DRAG_MS (3000; 0: no drag
 * runs), BENCH_WORKER_IMAGES (96 brain-MRI images), BENCH_WORKER_TIMEOUT_S (2400, the whole part).
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type {} from '../../src/app/tessera-global';
import type {} from '../../src/app/inference-global';
import {
  BATCH_SIZE, BRAIN_MODEL_URL, FOLDER, TARGETS, chooseAppModel, closePageBrainModel, giveFolderToPage, logBatchRound, measureBatchRound, medianBy, met,
  openPageBrainModel, openWorkerBrainModel, type BatchRound,
} from '../batch/batch';
import { SHARED, envInt, foreignLoadMeter, log, mergeIntoLatest, startSession, withTimeout, type Session } from '../lib';
import { dragView, installMeter, type FrameStats, type Responsiveness } from './page-meter';

const SLIDE = join(SHARED, 'fixtures/slides/CMU-1-Small-Region.svs');
const NUCLEI_URL = '/models/nuclei-segmentation/';
const NUCLEI_NAME = 'Nuclei (H&E)';
const ROUNDS = envInt('BENCH_WORKER_ROUNDS', 3);
/** Model only: every tissue tile of the run up to this many (so the batches, the padded last one too, are the run's), else a spread sample. */
const SAMPLE = envInt('BENCH_WORKER_SAMPLE', 64);
const DRAG_MS = Number(process.env.BENCH_WORKER_DRAG_MS ?? 3000);
const IMAGES = envInt('BENCH_WORKER_IMAGES', 96);
export const WORKER_TIMEOUT_MS = envInt('BENCH_WORKER_TIMEOUT_S', 2400) * 1000;
const SECTIONS = new Set((process.env.BENCH_WORKER_SECTIONS ?? 'analysis,batch').split(',').map((s) => s.trim()).filter(Boolean));
/** Analysis settings, as the Analysis panel sends them with its defaults (overlap from BENCH_WORKER_OVERLAP). */
const OVERLAP = Number(process.env.BENCH_WORKER_OVERLAP ?? 0);
const SETTINGS = { overlap: OVERLAP, minTissue: 0.5, tissueThreshold: null, region: null };
/** One analysis run's limit. */
const RUN_TIMEOUT_MS = 600_000;
/** The drag starts this share of the way into the run (by the time the same path's full run took in the round). */
const DRAG_AT = 0.25;

type AnalysisPath = 'app' | 'worker' | 'page';
const PATH_LABELS: Record<AnalysisPath, string> = {
  app: 'worker: the app (Analyze)',
  worker: 'worker: startSlideAnalysis',
  page: 'in-page (before issue 12)',
};

interface AnalysisRunFigures {
  tiles: number;
  failed: number;
  ms: number;
  tilesPerSecond: number;
  /** Planning (tissue detection) before the run, in ms (bench-driven paths only). */
  planMs: number | null;
  /** The main thread during the run: the app's from Analyze (planning included) to "completed"; the bench-driven runs' from their start. */
  main: Responsiveness;
}

interface DragFigures {
  frames: FrameStats & { moves: number };
  /** The main thread over the whole drag run (Analyze to cancelled). */
  main: Responsiveness;
  /** Tiles done (and unreadable) when the drag started and when it ended: does the run go on while the view is dragged? */
  tilesAtDrag: number;
  tilesAfterDrag: number;
}

interface AnalysisRound {
  order: AnalysisPath[];
  runs: Record<AnalysisPath, AnalysisRunFigures>;
  drags: Partial<Record<'app' | 'page', DragFigures>>;
  modelOnly: { worker: number; page: number };
  /** app tiles/s ÷ in-page tiles/s */
  workerVsPage: number;
}

type BenchWindow = Window & {
  __benchModel?: import('../../src/inference').Model;
  __benchTiles?: import('../../src/inference').ModelImage[];
  __benchRun?: { run: import('../../src/analysis').AnalysisRun; t0: number; planMs: number };
  __benchPhases?: { log: { phase: string; t: number }[]; observer: MutationObserver };
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Opens the slide as a user does: the toolbar's "Open file…", the file chooser, then waits for the view to settle. */
export async function openSlideWithPicker(page: Page, path: string): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 60_000 }), page.getByRole('button', { name: 'Open file…' }).first().click()]);
  await chooser.setFiles(path);
  await page.waitForFunction(() => window.__tessera?.viewer?.slide.info.name === 'CMU-1-Small-Region.svs', null, { timeout: 120_000, polling: 250 });
  await page.evaluate(() => window.__tessera.viewer!.whenIdle(60_000));
}

/** The view as it was when the slide opened (a drag moves it; view-first ordering depends on it). */
async function resetView(page: Page, view: { centerX: number; centerY: number; imageZoom: number }): Promise<void> {
  await page.evaluate(async (v) => {
    window.__tessera.viewer!.setView(v, true);
    await window.__tessera.viewer!.whenIdle(30_000);
  }, view);
}

/** Watches data-phase on the analysis progress: every change, with its time. */
export async function watchPhases(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as BenchWindow;
    w.__benchPhases?.observer.disconnect();
    const current = () => document.querySelector('[data-testid="analysis-progress"]')?.getAttribute('data-phase') ?? null;
    let last = current();
    const log: { phase: string; t: number }[] = [];
    const observer = new MutationObserver(() => {
      const p = current();
      if (p && p !== last) log.push({ phase: p, t: performance.now() });
      last = p;
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'] });
    w.__benchPhases = { log, observer };
  });
}

export async function waitForPhase(page: Page, phase: string, timeout: number): Promise<void> {
  await page.waitForFunction(
    (p) => {
      const log = (window as unknown as BenchWindow).__benchPhases!.log;
      const bad = log.find((e) => e.phase === 'failed');
      if (bad) throw new Error(`the analysis failed: ${document.querySelector('[data-testid="analysis-error"]')?.textContent ?? '(no message)'}`);
      return log.some((e) => e.phase === p);
    },
    phase,
    { timeout, polling: 250 },
  );
}

async function waitUntil(check: () => Promise<boolean>, timeout: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeout) throw new Error(`${what} took longer than ${timeout / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The viewer's box on screen, for the drag (read before a run starts, while the page answers at once). */
async function viewerBox(page: Page) {
  const box = await page.getByTestId('viewer').boundingBox();
  if (!box) throw new Error('the viewer is not on screen');
  return box;
}

/**
 * The app's path: Analyze pressed, timed from "running" to "completed". With `dragAfterMs`, the view is
 * dragged that long after "running" and the run is cancelled after the drag (if it is still going).
 */
async function appRun(page: Page, dragAfterMs: number | null): Promise<AnalysisRunFigures | DragFigures> {
  const box = dragAfterMs === null ? null : await viewerBox(page);
  await watchPhases(page);
  await page.evaluate((drag) => {
    window.__benchMeter!.start('app');
    window.__benchProgress = () => {
      let n = 0;
      for (const s of window.__tessera.analysis?.store.state ?? []) if (s === 1 || s === 3) n++;
      return n;
    };
    if (drag) window.__benchMeter!.startFrames();
  }, dragAfterMs !== null);
  await page.getByRole('button', { name: 'Analyze' }).click();
  await waitForPhase(page, 'running', 120_000);
  if (box && dragAfterMs !== null) {
    const frames = await dragView(page, box, DRAG_MS, Date.now(), dragAfterMs);
    const ended = () => page.evaluate(() => (window as unknown as BenchWindow).__benchPhases!.log.some((e) => e.phase === 'completed' || e.phase === 'cancelled'));
    if (!(await ended())) await page.getByRole('button', { name: 'Cancel' }).click({ timeout: 10_000 }).catch(() => {});
    await waitUntil(ended, 120_000, 'the app run ending after the drag');
    const main = await page.evaluate(() => window.__benchMeter!.stop('app'));
    return { frames, main, tilesAtDrag: frames.progressAtDown ?? -1, tilesAfterDrag: frames.progressAtUp ?? -1 };
  }
  await waitForPhase(page, 'completed', RUN_TIMEOUT_MS);
  return page.evaluate(async () => {
    const main = await window.__benchMeter!.stop('app');
    const log = (window as unknown as BenchWindow).__benchPhases!.log;
    const t0 = log.find((e) => e.phase === 'running')!.t;
    const t1 = log.find((e) => e.phase === 'completed')!.t;
    const state = window.__tessera.analysis!.store.state;
    let tiles = 0;
    let failed = 0;
    for (const s of state) {
      if (s === 1) tiles++;
      else if (s === 3) failed++;
    }
    return { tiles, failed, ms: t1 - t0, tilesPerSecond: ((tiles + failed) * 1000) / (t1 - t0), planMs: null, main };
  });
}

/**
 * A run driven by the benchmark: plan, then startSlideAnalysis with the worker predictor or a page-thread
 * one. With `dragAfterMs`, the view is dragged that long after the run started, then the run is cancelled.
 */
async function benchRun(page: Page, path: 'worker' | 'page', dragAfterMs: number | null): Promise<AnalysisRunFigures | DragFigures> {
  const box = dragAfterMs === null ? null : await viewerBox(page);
  await page.evaluate(async ({ path, settings, drag }) => {
    const w = window as unknown as BenchWindow;
    const rt = window.__tesseraInference!;
    const slide = window.__tessera.slide!;
    const predictor = path === 'page' ? rt.localPredictor(w.__benchModel!) : window.__tessera.predictor!;
    // Planning here detects tissue on the page's thread (the app does it off the page): the main thread
    // is measured from the run's start.
    const tPlan = performance.now();
    const plan = await rt.slideAnalysis.planSlideAnalysis(slide, predictor, settings);
    window.__benchMeter!.start('run');
    if (drag) window.__benchMeter!.startFrames();
    const t0 = performance.now();
    const run = rt.slideAnalysis.startSlideAnalysis(slide, predictor, plan, { ...settings, first: window.__tessera.viewer!.visibleRegion() });
    w.__benchRun = { run, t0, planMs: t0 - tPlan };
    window.__benchProgress = () => run.progress().done + run.progress().failed;
  }, { path, settings: SETTINGS, drag: dragAfterMs !== null });
  let frames: DragFigures['frames'] | null = null;
  if (box && dragAfterMs !== null) {
    frames = await dragView(page, box, DRAG_MS, Date.now(), dragAfterMs);
    await page.evaluate(() => (window as unknown as BenchWindow).__benchRun!.run.cancel());
  }
  const r = await withTimeout(
    page.evaluate(async () => {
      const b = (window as unknown as BenchWindow).__benchRun!;
      const outcome = await b.run.finished;
      const t1 = performance.now();
      const main = await window.__benchMeter!.stop('run');
      return { status: outcome.status, error: outcome.error?.message, done: outcome.progress.done, failed: outcome.progress.failed, ms: t1 - b.t0, planMs: b.planMs, main };
    }),
    RUN_TIMEOUT_MS,
    `the ${path} analysis run`,
  );
  if (frames) return { frames, main: r.main, tilesAtDrag: frames.progressAtDown ?? -1, tilesAfterDrag: frames.progressAtUp ?? -1 };
  if (r.status !== 'completed') throw new Error(`the ${path} analysis run ended ${r.status}${r.error ? `: ${r.error}` : ''}`);
  return { tiles: r.done, failed: r.failed, ms: r.ms, tilesPerSecond: ((r.done + r.failed) * 1000) / r.ms, planMs: r.planMs, main: r.main };
}

/** Model only: the sampled tiles (read beforehand) through one path's predictBatches. */
async function modelOnly(page: Page, path: 'worker' | 'page'): Promise<number> {
  return page.evaluate(async ({ path, batchSize }) => {
    const w = window as unknown as BenchWindow;
    const tiles = w.__benchTiles!;
    // The worker is handed the pixels (transferred): copies, made before the clock starts.
    const images = path === 'worker' ? tiles.map((t) => ({ ...t, data: t.data.slice() })) : tiles;
    const predictor = path === 'page' ? window.__tesseraInference!.localPredictor(w.__benchModel!) : window.__tessera.predictor!;
    const t0 = performance.now();
    let n = 0;
    for await (const b of predictor.predictBatches(images, { batchSize })) n += b.length;
    return (n * 1000) / (performance.now() - t0);
  }, { path, batchSize: BATCH_SIZE });
}

/**
 * The in-page model: TF.js on the page, threaded WebAssembly as the app ran it before the worker, the
 * nuclei model opened there. Then the model-only sample: tissue tiles spread over the slide, read once.
 */
async function preparePage(page: Page): Promise<{ backend: string; tissueTiles: number; sample: number; tileSize: string }> {
  return page.evaluate(async ({ modelUrl, settings, sample }) => {
    const w = window as unknown as BenchWindow;
    await window.__tessera.loadRuntime();
    const rt = window.__tesseraInference!;
    const info = await rt.chooseBackend('wasm');
    w.__benchModel = await rt.openModel(await rt.filesFromUrl(modelUrl));
    const slide = window.__tessera.slide!;
    const plan = await rt.slideAnalysis.planSlideAnalysis(slide, w.__benchModel, settings);
    const tissue: number[] = [];
    for (let t = 0; t < plan.grid.cols * plan.grid.rows; t++) if (!plan.tissueFractions || plan.tissueFractions[t] >= settings.minTissue) tissue.push(t);
    const n = Math.min(sample, tissue.length);
    const tiles = [];
    for (let i = 0; i < n; i++) {
      const r = rt.slideAnalysis.tileRegion(plan.grid, slide.info, tissue[Math.floor((i * tissue.length) / n)]);
      const img = await slide.readRegion(r.level, r.x, r.y, r.width, r.height);
      tiles.push({ width: img.width, height: img.height, data: img.data, format: 'rgba' as const });
    }
    w.__benchTiles = tiles;
    return { backend: info.name, tissueTiles: tissue.length, sample: n, tileSize: `${tiles[0]?.width} x ${tiles[0]?.height}` };
  }, { modelUrl: NUCLEI_URL, settings: SETTINGS, sample: SAMPLE });
}

/** One untimed batch through each model (weights packed, kernels set up) before the first round. */
async function warmUp(page: Page): Promise<void> {
  await page.evaluate(async ({ batchSize }) => {
    const w = window as unknown as BenchWindow;
    const tiles = w.__benchTiles!.slice(0, batchSize);
    for await (const _ of window.__tessera.predictor!.predictBatches(tiles.map((t) => ({ ...t, data: t.data.slice() })), { batchSize })) void _;
    for await (const _ of window.__tesseraInference!.localPredictor(w.__benchModel!).predictBatches(tiles, { batchSize })) void _;
  }, { batchSize: BATCH_SIZE });
}

/**
 * After a cancelled run the worker still finishes the batch it is in (a model call cannot be stopped
 * halfway): one small run through it waits for that, so the next measurement starts on an idle worker.
 */
async function settleWorker(page: Page): Promise<void> {
  await page.evaluate(async ({ batchSize }) => {
    const t = (window as unknown as BenchWindow).__benchTiles![0];
    for await (const _ of window.__tessera.predictor!.predictBatches([{ ...t, data: t.data.slice() }], { batchSize })) void _;
  }, { batchSize: BATCH_SIZE });
}

/**
 * One round: the three paths' full runs (in `order`), the model-only rates (worker and page, in the
 * order of the round), then the drag runs of the app and the in-page path (cancelled after the drag;
 * the worker is let finish its batch before anything else is timed).
 */
async function analysisRound(page: Page, order: AnalysisPath[], view: { centerX: number; centerY: number; imageZoom: number }): Promise<AnalysisRound> {
  const runs: Partial<Record<AnalysisPath, AnalysisRunFigures>> = {};
  const drags: Partial<Record<'app' | 'page', DragFigures>> = {};
  for (const path of order) {
    await resetView(page, view);
    const clean = (path === 'app' ? await appRun(page, null) : await benchRun(page, path, null)) as AnalysisRunFigures;
    runs[path] = clean;
    const at = clean.main.longest.map((x) => `${x.ms} ms at ${(x.atMs / 1000).toFixed(1)} s`).join(', ');
    log(`  ${PATH_LABELS[path]}: ${clean.tiles + clean.failed} tiles in ${(clean.ms / 1000).toFixed(1)} s, ${clean.tilesPerSecond.toFixed(2)} tiles/s${clean.planMs === null ? '' : ` (planned in ${(clean.planMs / 1000).toFixed(1)} s)`}; longest task ${clean.main.longestTaskMs.toFixed(0)} ms, probe gap ${clean.main.probeMaxGapMs.toFixed(0)} ms; longest tasks: ${at || 'none'}`);
  }
  const modelOnlyRates = { worker: 0, page: 0 };
  for (const path of order[0] === 'page' ? (['page', 'worker'] as const) : (['worker', 'page'] as const)) {
    modelOnlyRates[path] = await withTimeout(modelOnly(page, path), RUN_TIMEOUT_MS, `model only (${path})`);
  }
  log(`  model only (the ${SAMPLE < 64 ? 'sampled' : 'run\'s'} tiles): worker ${modelOnlyRates.worker.toFixed(2)}, in-page ${modelOnlyRates.page.toFixed(2)} tiles/s`);
  if (DRAG_MS > 0) {
    for (const path of order.filter((p): p is 'app' | 'page' => p !== 'worker')) {
      await resetView(page, view);
      // The drag starts a quarter of the way into the run (by this round's full run of the same path).
      const after = DRAG_AT * runs[path]!.ms;
      const d = (path === 'app' ? await appRun(page, after) : await benchRun(page, path, after)) as DragFigures;
      drags[path] = d;
      log(`  ${PATH_LABELS[path]}, dragged from tile ${d.tilesAtDrag} to ${d.tilesAfterDrag}: ${d.frames.moves} moves, ${d.frames.frames} frames, rAF p95 ${d.frames.p95Ms.toFixed(1)} ms, by time ${d.frames.timeP95Ms.toFixed(1)} ms (max ${d.frames.maxMs.toFixed(0)}); longest task ${d.main.longestTaskMs.toFixed(0)} ms`);
      if (path === 'app') await withTimeout(settleWorker(page), RUN_TIMEOUT_MS, 'letting the worker finish its batch');
    }
  }
  return { order, runs: runs as Record<AnalysisPath, AnalysisRunFigures>, drags, modelOnly: modelOnlyRates, workerVsPage: runs.app!.tilesPerSecond / runs.page!.tilesPerSecond };
}

function pad(s: string, n: number, right = true) {
  return right ? s.padStart(n) : s.padEnd(n);
}

function printAnalysisTable(m: AnalysisRound, rounds: AnalysisRound[], info: { tissueTiles: number; sample: number; tileSize: string }): void {
  console.log(
    `\nAnalysis: shipped nuclei model (256 px segmentation) over CMU-1-Small-Region.svs's tissue (${m.runs.app.tiles + m.runs.app.failed} tiles of ${info.tileSize} px, overlap ${OVERLAP}), ` +
      `WebAssembly (threads), batch ${BATCH_SIZE}; the round with the median worker ÷ in-page ratio of ${rounds.length}`,
  );
  const head = ['path                        ', 'tiles/s', 'model only tiles/s', 'e2e ÷ model only', 'longest task ms', 'probe gap ms', 'drag: rAF p95 ms', 'by time', 'max', 'drag: longest task ms', 'tiles during drag'];
  console.log(head.join('  '));
  for (const path of ['app', 'worker', 'page'] as const) {
    const r = m.runs[path];
    const mo = path === 'page' ? m.modelOnly.page : m.modelOnly.worker;
    const d = path === 'worker' ? undefined : m.drags[path];
    console.log(
      [
        pad(PATH_LABELS[path], head[0].length, false), pad(r.tilesPerSecond.toFixed(2), head[1].length), pad(mo.toFixed(2), head[2].length), pad((r.tilesPerSecond / mo).toFixed(2), head[3].length),
        pad(r.main.longestTaskMs.toFixed(0), head[4].length), pad(r.main.probeMaxGapMs.toFixed(0), head[5].length),
        pad(d ? d.frames.p95Ms.toFixed(1) : '', head[6].length), pad(d ? d.frames.timeP95Ms.toFixed(1) : '', head[7].length), pad(d ? d.frames.maxMs.toFixed(0) : '', head[8].length),
        pad(d ? d.main.longestTaskMs.toFixed(0) : '', head[9].length), pad(d ? `${d.tilesAtDrag} -> ${d.tilesAfterDrag}` : '', head[10].length),
      ].join('  '),
    );
  }
  console.log(`  rounds, worker (app) ÷ in-page tiles/s: ${rounds.map((r) => r.workerVsPage.toFixed(2)).join(' ')}; model only sample: ${info.sample} of ${info.tissueTiles} tissue tiles`);
  const med = (p: AnalysisPath) => median(rounds.map((r) => r.runs[p].tilesPerSecond));
  console.log(`  each path's median round, tiles/s: app ${med('app').toFixed(2)}, startSlideAnalysis ${med('worker').toFixed(2)}, in-page ${med('page').toFixed(2)} (app ÷ in-page ${(med('app') / med('page')).toFixed(2)})`);
}

interface Target {
  what: string;
  worker: number;
  page: number | null;
  target: string;
  ok: boolean;
  unit?: string;
}

function targetRows(analysis: AnalysisRound | null, batch: BatchRound | null): Target[] {
  const t: Target[] = [];
  if (analysis) {
    const a = analysis;
    t.push({ what: 'analysis: worker ÷ in-page tiles/s', worker: a.workerVsPage, page: null, target: `>= ${TARGETS.workerVsPage}`, ok: a.workerVsPage >= TARGETS.workerVsPage });
    const e2e = a.runs.app.tilesPerSecond / a.modelOnly.worker;
    t.push({ what: 'analysis: end-to-end ÷ model only', worker: e2e, page: a.runs.page.tilesPerSecond / a.modelOnly.page, target: `>= ${TARGETS.endToEndVsModelOnly}`, ok: e2e >= TARGETS.endToEndVsModelOnly });
    const longest = Math.max(a.runs.app.main.longestTaskMs, a.drags.app?.main.longestTaskMs ?? 0);
    t.push({ what: 'analysis: longest task', worker: longest, page: Math.max(a.runs.page.main.longestTaskMs, a.drags.page?.main.longestTaskMs ?? 0), target: `<= ${TARGETS.longestTaskMs}`, ok: longest <= TARGETS.longestTaskMs, unit: 'ms' });
    const gap = Math.max(a.runs.app.main.probeMaxGapMs, a.drags.app?.main.probeMaxGapMs ?? 0);
    t.push({ what: 'analysis: 50 ms probe, longest gap', worker: gap, page: Math.max(a.runs.page.main.probeMaxGapMs, a.drags.page?.main.probeMaxGapMs ?? 0), target: `<= ${TARGETS.probeGapMs}`, ok: gap <= TARGETS.probeGapMs, unit: 'ms' });
    if (a.drags.app) {
      t.push({ what: 'analysis: rAF p95 while dragging', worker: a.drags.app.frames.p95Ms, page: a.drags.page?.frames.p95Ms ?? null, target: `<= ${TARGETS.rafP95Ms}`, ok: a.drags.app.frames.p95Ms <= TARGETS.rafP95Ms, unit: 'ms' });
      t.push({ what: 'analysis: rAF p95 by time, dragging', worker: a.drags.app.frames.timeP95Ms, page: a.drags.page?.frames.timeP95Ms ?? null, target: `<= ${TARGETS.rafP95Ms}`, ok: a.drags.app.frames.timeP95Ms <= TARGETS.rafP95Ms, unit: 'ms' });
    }
  }
  if (batch) {
    const b = batch;
    t.push({ what: 'batch: worker ÷ in-page images/s', worker: b.workerVsPage, page: null, target: `>= ${TARGETS.workerVsPage}`, ok: b.workerVsPage >= TARGETS.workerVsPage });
    t.push({ what: 'batch: end-to-end ÷ model only', worker: b.worker.ratio, page: b.page.ratio, target: `>= ${TARGETS.endToEndVsModelOnly}`, ok: b.worker.ratio >= TARGETS.endToEndVsModelOnly });
    t.push({ what: 'batch: longest task', worker: b.worker.scoring.longestTaskMs, page: b.page.scoring.longestTaskMs, target: `<= ${TARGETS.longestTaskMs}`, ok: b.worker.scoring.longestTaskMs <= TARGETS.longestTaskMs, unit: 'ms' });
    t.push({ what: 'batch: 50 ms probe, longest gap', worker: b.worker.scoring.probeMaxGapMs, page: b.page.scoring.probeMaxGapMs, target: `<= ${TARGETS.probeGapMs}`, ok: b.worker.scoring.probeMaxGapMs <= TARGETS.probeGapMs, unit: 'ms' });
  }
  return t;
}

function printTargets(rows: Target[]): void {
  console.log('\nIssue 12 targets (the worker path is judged; the in-page figure is what the app did before):');
  const fmt = (v: number | null, unit?: string) => (v === null ? '' : unit ? `${v.toFixed(0)} ${unit}` : v.toFixed(2));
  console.log(`${pad('what', 36, false)}  ${pad('worker', 9)}  ${pad('in-page', 9)}  ${pad('target', 8, false)}  verdict`);
  for (const r of rows) console.log(`${pad(r.what, 36, false)}  ${pad(fmt(r.worker, r.unit), 9)}  ${pad(fmt(r.page, r.unit), 9)}  ${pad(r.target, 8, false)}  ${met(r.ok)}`);
}

export async function runWorkerPart(): Promise<void> {
  const date = new Date().toISOString();
  const machine = { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadAverage1m: Number(loadavg()[0].toFixed(2)) };
  const missing = [SECTIONS.has('analysis') && !existsSync(SLIDE) ? SLIDE : null, SECTIONS.has('batch') && !existsSync(FOLDER) ? FOLDER : null].filter(Boolean);
  if (missing.length) {
    const why = `${missing.join(' and ')} absent: the worker part needs the shared fixtures`;
    console.log(`\nworker bench SKIPPED: ${why}`);
    mergeIntoLatest('worker', { date, skipped: why, machine });
    return;
  }
  let session: Session | undefined;
  const foreign = foreignLoadMeter();
  const result: Record<string, unknown> = { date, rounds: ROUNDS, batchSize: BATCH_SIZE, targets: TARGETS, machine };
  let analysisMedian: AnalysisRound | null = null;
  let batchMedian: BatchRound | null = null;
  try {
    session = await startSession();
    const { page, env } = session;
    result.chromium = env.chromiumVersion;
    result.hardwareConcurrency = env.hardwareConcurrency;
    result.crossOriginIsolated = env.crossOriginIsolated;
    page.setDefaultTimeout(120_000); // a click or a select that cannot happen says so, instead of waiting forever
    await installMeter(page);
    // The app loads models on WebAssembly without measuring backends (what a test not about the choice does).
    await page.evaluate(() => localStorage.setItem('tessera.backend-always', 'wasm'));

    if (SECTIONS.has('analysis')) {
      log(`worker: opening ${SLIDE} with the app's picker...`);
      await openSlideWithPicker(page, SLIDE);
      const workerBackend = await withTimeout(chooseAppModel(page, /Nuclei/, NUCLEI_NAME, 'wasm'), 300_000, 'loading the nuclei model in the worker');
      if (OVERLAP) await page.getByLabel('Tile overlap').fill(String(OVERLAP));
      const info = await withTimeout(preparePage(page), 300_000, 'loading the nuclei model on the page');
      log(`worker: nuclei model in the worker on ${workerBackend}, on the page on ${info.backend}; ${info.tissueTiles} tissue tiles of ${info.tileSize} px; model-only sample ${info.sample}`);
      await withTimeout(warmUp(page), 300_000, 'warming up both models');
      const view = await page.evaluate(() => window.__tessera.viewer!.viewState());
      const rounds: AnalysisRound[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        // Alternating order: the app first in odd rounds, the in-page baseline first in even ones.
        const order: AnalysisPath[] = r % 2 ? ['page', 'worker', 'app'] : ['app', 'worker', 'page'];
        log(`worker: analysis round ${r + 1}/${ROUNDS} (${order.join(', ')})`);
        const round = await analysisRound(page, order, view);
        log(`  worker (app) ÷ in-page: ${round.workerVsPage.toFixed(2)}`);
        rounds.push(round);
      }
      analysisMedian = medianBy(rounds, (x) => x.workerVsPage);
      result.analysis = {
        slide: SLIDE, model: NUCLEI_URL, settings: SETTINGS, dragMs: DRAG_MS, dragStartsAt: DRAG_AT, workerBackend, pageBackend: info.backend, ...info,
        median: analysisMedian, rounds,
        medianOfRounds: Object.fromEntries((['app', 'worker', 'page'] as const).map((p) => [p, median(rounds.map((r) => r.runs[p].tilesPerSecond))])),
      };
      printAnalysisTable(analysisMedian, rounds, info);
      await page.evaluate(() => {
        const w = window as unknown as BenchWindow;
        w.__benchModel?.dispose();
        w.__benchModel = undefined;
        w.__benchTiles = undefined;
      });
    }

    if (SECTIONS.has('batch')) {
      if (SECTIONS.has('analysis')) {
        // A fresh page: the batch section starts without a slide, as a batch-scoring session does (and
        // before 08a6a5f, choosing the brain-MRI model while the nuclei analysis was shown blanked the app).
        await page.reload({ waitUntil: 'load' });
        await page.waitForFunction(() => typeof window.__tessera?.openSlideInBrowser === 'function', null, { timeout: 60_000 });
        await installMeter(page);
      }
      const total = await giveFolderToPage(page);
      const images = Math.min(total, IMAGES);
      const ranWorker = await withTimeout(openWorkerBrainModel(page, 'wasm'), 300_000, 'loading the brain-MRI model in the worker');
      const ranPage = await withTimeout(openPageBrainModel(page, 'wasm'), 300_000, 'loading the brain-MRI model on the page');
      log(`worker: batch scoring, ${images} of ${total} images; worker on ${ranWorker}, page on ${ranPage}`);
      const rounds: BatchRound[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const round = await measureBatchRound(page, images, r % 2 ? ['page', 'worker'] : ['worker', 'page']);
        logBatchRound('worker: batch', round, r);
        rounds.push(round);
      }
      await closePageBrainModel(page);
      batchMedian = medianBy(rounds, (x) => x.workerVsPage);
      result.batch = { folder: FOLDER, model: BRAIN_MODEL_URL, images, workerBackend: ranWorker, pageBackend: ranPage, median: batchMedian, rounds };
      console.log(`\nBatch scoring: brain-MRI folder (${images} images), shipped brain-MRI model (224 px grey), WebAssembly (threads), batch ${BATCH_SIZE}; the round with the median worker ÷ in-page ratio of ${rounds.length}`);
      console.log('path                         model only img/s  scoring img/s  scoring ÷ model only  longest task ms  probe gap ms');
      for (const [path, name] of [['worker', 'worker (the app)'], ['page', 'in-page (before issue 12)']] as const) {
        const p = batchMedian[path];
        console.log(`${name.padEnd(27)}  ${p.modelOnlyPerSecond.toFixed(2).padStart(16)}  ${p.scoringPerSecond.toFixed(2).padStart(13)}  ${p.ratio.toFixed(2).padStart(20)}  ${p.scoring.longestTaskMs.toFixed(0).padStart(15)}  ${p.scoring.probeMaxGapMs.toFixed(0).padStart(12)}`);
      }
      console.log(`  rounds, worker ÷ in-page images/s: ${rounds.map((r) => r.workerVsPage.toFixed(2)).join(' ')}`);
      const med = (p: 'worker' | 'page') => median(rounds.map((r) => r[p].scoringPerSecond));
      console.log(`  each path's median round, scoring images/s: worker ${med('worker').toFixed(2)}, in-page ${med('page').toFixed(2)} (worker ÷ in-page ${(med('worker') / med('page')).toFixed(2)})`);
    }
    result.pageErrors = [...session.pageErrors];
    if (session.pageErrors.length) throw new Error(`the page reported errors: ${session.pageErrors.join('; ')}`);
  } catch (e) {
    if (session?.pageErrors.length) log(`the page reported errors:\n  ${session.pageErrors.join('\n  ')}`);
    throw e;
  } finally {
    await session?.close();
  }
  const rows = targetRows(analysisMedian, batchMedian);
  printTargets(rows);
  const otherCpuShare = foreign();
  if (otherCpuShare !== null) {
    console.log(`CPU used by other processes during the part: ${(100 * otherCpuShare).toFixed(0)}% of ${cpus().length} cores${otherCpuShare > 0.1 ? ' (rates are low and noisy; rerun on a quiet machine for figures to quote)' : ''}`);
  }
  mergeIntoLatest('worker', { ...result, verdicts: rows, otherCpuShare });
}
