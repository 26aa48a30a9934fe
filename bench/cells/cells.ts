/**
 * The cells part of `npm run bench` (issue 13): is the viewer still smooth with a million cells loaded?
 *
 * The app in headless Chromium, a slide opened with "Open file…", then, alternating in each round, no cells
 * and 1,000,000 synthetic cells put on the page through window.__tessera.showCells (the test hook; no model:
 * analysis/cell-source.ts makes them, about as many in every 256 px tile at 0.5 µm/px, stored tile by tile
 * as a detection run stores them). With the cells on screen as dots, the view is
 * - **panned**: dragged in a circle (bench/worker/page-meter.ts's dragView) for BENCH_CELLS_DRAG_MS;
 * - **zoomed**: mouse-wheel steps in and out (between about 1x and 2x of the start) for BENCH_CELLS_ZOOM_MS;
 * and the requestAnimationFrame intervals meanwhile are the figures (p50, p95), side by side with the same
 * motion and no cells, with their ratios. Also: the cell layer's own time per frame on the page's thread
 * (lastDraw().ms), the longest long task and a 50 ms probe's longest gap during the motion, and what
 * loading the cells costs the page (showCells to the last cell on the GPU: time, longest task).
 *
 * Two scenes: **slide**, the 1.2-gigapixel benchmark slide (about 3,400 cells per mm², as tissue has) at 10x,
 * where a view holds a few thousand cells; **dense**, CMU-1-Small-Region with the same million cells (an
 * absurd 600,000 per mm²) at 5.5x, where every one of them is in view, the layer's worst case.
 *
 * The cells are drawn by the renderer the app chooses ("auto": WebGL where the GPU is real, a 2-D canvas on a
 * software GPU, cell-layer.ts) and, as another condition, by each renderer named in BENCH_CELLS_RENDERERS
 * (localStorage tessera.cell-renderer), so both paths are measured on any machine.
 *
 * Environment: BENCH_CELLS (1000000), BENCH_CELLS_ROUNDS (3; each condition's median round by pan p95),
 * BENCH_CELLS_DRAG_MS (3000), BENCH_CELLS_ZOOM_MS (3000), BENCH_CELLS_SCENES (slide,dense),
 * BENCH_CELLS_RENDERERS (auto,webgl,2d), BENCH_CELLS_TIMEOUT_S (1200). Merged into bench/results/latest.json under "cells".
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type {} from '../../src/app/tessera-global';
import { LARGE_SLIDE, SHARED, ensureLargeSlide, envInt, foreignLoadMeter, log, mergeIntoLatest, startSession, withTimeout, type Session } from '../lib';
import { installMeter, panMotion, viewerBox, zoomMotion, type FrameStats, type LayerSampler, type Responsiveness } from '../worker/page-meter';

const COUNT = envInt('BENCH_CELLS', 1_000_000);
const ROUNDS = envInt('BENCH_CELLS_ROUNDS', 3);
const DRAG_MS = envInt('BENCH_CELLS_DRAG_MS', 3000);
const ZOOM_MS = envInt('BENCH_CELLS_ZOOM_MS', 3000);
export const CELLS_TIMEOUT_MS = envInt('BENCH_CELLS_TIMEOUT_S', 1200) * 1000;
type Renderer = 'auto' | 'webgl' | '2d';
const RENDERERS = (process.env.BENCH_CELLS_RENDERERS ?? 'auto,webgl,2d').split(',').map((s) => s.trim()).filter(Boolean) as Renderer[];
for (const r of RENDERERS) if (!['auto', 'webgl', '2d'].includes(r)) throw new Error(`BENCH_CELLS_RENDERERS: unknown renderer "${r}" (auto, webgl, 2d)`);
const SCENES = (process.env.BENCH_CELLS_SCENES ?? 'slide,dense').split(',').map((s) => s.trim()).filter(Boolean);
const SMALL = join(SHARED, 'fixtures/slides/CMU-1-Small-Region.svs');

interface Scene {
  name: string;
  path: () => Promise<string>;
  /** Where the view starts for each measurement: the slide's middle at this magnification. */
  magnification: number;
}

const SCENE_DEFS: Record<string, Scene> = {
  slide: { name: 'slide', path: ensureLargeSlide, magnification: 10 },
  dense: { name: 'dense', path: async () => SMALL, magnification: 5.5 },
};

interface Motion {
  frames: FrameStats;
  main: Responsiveness;
  /** The cell layer's own draw time per frame it drew, ms (null without cells). */
  layerMs: { p50: number; max: number; frames: number; cellsDrawnMax: number } | null;
}

interface Condition {
  cells: number;
  /** The renderer asked for, and the one the layer drew with. */
  renderer: Renderer | null;
  drewWith: string | null;
  pan: Motion;
  zoom: Motion;
}

interface Load {
  /** Making the synthetic cells (the bench's own work, not the app's). */
  makeMs: number;
  /** showCells to the last cell on the GPU. */
  ms: number;
  main: Responsiveness;
}

async function openScene(page: Page, path: string): Promise<void> {
  const name = path.split('/').pop()!;
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 60_000 }), page.getByRole('button', { name: 'Open file…' }).first().click()]);
  await chooser.setFiles(path);
  await page.waitForFunction((n) => window.__tessera?.viewer?.slide.info.name === n, name, { timeout: 120_000, polling: 250 });
  await page.evaluate(() => window.__tessera.viewer!.whenIdle(60_000));
}

/** The slide's middle at `magnification`, every tile drawn. */
async function resetView(page: Page, magnification: number): Promise<void> {
  await page.evaluate(async (m) => {
    const v = window.__tessera.viewer!;
    const { width, height } = v.slide.info.levels[0];
    v.setView({ centerX: width / 2, centerY: height / 2, imageZoom: v.viewState().imageZoom }, true);
    v.setMagnification(m);
    await v.whenIdle(60_000);
  }, magnification);
}

/** Puts the synthetic cells on the page (or takes them off) and waits until every cell is on the GPU. */
async function loadCells(page: Page, count: number, renderer: Renderer = 'auto'): Promise<Load | null> {
  return page.evaluate(async ({ n, renderer }) => {
    if (renderer === 'auto') localStorage.removeItem('tessera.cell-renderer');
    else localStorage.setItem('tessera.cell-renderer', renderer);
    const g = window.__tessera;
    if (!n) {
      g.showCells(null);
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return null;
    }
    const m0 = performance.now();
    const source = g.syntheticCells(n, 1);
    const makeMs = performance.now() - m0;
    await new Promise((r) => setTimeout(r, 100));
    window.__benchMeter!.start('load');
    const t0 = performance.now();
    g.showCells(source);
    for (;;) {
      await new Promise((r) => requestAnimationFrame(r));
      const layer = g.viewer!.cellLayers()[0];
      const s = layer?.lastDraw();
      if (s && s.uploaded >= n) break;
      if (performance.now() - t0 > 120_000) throw new Error('the cells were not all on the GPU after 120 s');
    }
    const ms = performance.now() - t0;
    const main = await window.__benchMeter!.stop('load');
    return { makeMs, ms, main };
  }, { n: count, renderer });
}

/** Records the cell layer's draw statistics once a frame until stopped. */
async function startLayerSampling(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __benchLayer?: { running: boolean; ms: number[]; cells: number[]; last: string } };
    const s = { running: true, ms: [] as number[], cells: [] as number[], last: '' };
    w.__benchLayer = s;
    const tick = () => {
      if (!s.running) return;
      const d = window.__tessera.viewer?.cellLayers()[0]?.lastDraw();
      const key = d ? JSON.stringify(d) : '';
      // A frame the layer drew (its statistics change with every draw: the view moved).
      if (d && key !== s.last) {
        s.ms.push(d.ms);
        s.cells.push(d.cells);
      }
      s.last = key;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

async function stopLayerSampling(page: Page): Promise<Motion['layerMs']> {
  return page.evaluate(() => {
    const s = (window as unknown as { __benchLayer: { running: boolean; ms: number[]; cells: number[] } }).__benchLayer;
    s.running = false;
    if (!s.ms.length) return null;
    const sorted = [...s.ms].sort((a, b) => a - b);
    return { p50: sorted[Math.floor((sorted.length - 1) / 2)], max: sorted[sorted.length - 1], frames: sorted.length, cellsDrawnMax: Math.max(...s.cells) };
  });
}

const LAYER: LayerSampler<Motion['layerMs']> = { start: startLayerSampling, stop: stopLayerSampling };

async function pan(page: Page): Promise<Motion> {
  const m = await panMotion(page, DRAG_MS, LAYER);
  return { frames: m.frames, main: m.main, layerMs: m.layer };
}

async function zoom(page: Page): Promise<Motion> {
  const m = await zoomMotion(page, ZOOM_MS, LAYER);
  return { frames: m.frames, main: m.main, layerMs: m.layer };
}

async function measure(page: Page, scene: Scene, cells: number, renderer: Renderer | null): Promise<Condition> {
  await resetView(page, scene.magnification);
  const drewWith = await page.evaluate(() => window.__tessera.viewer!.cellLayers()[0]?.lastDraw()?.renderer ?? null);
  const p = await pan(page);
  await resetView(page, scene.magnification);
  const z = await zoom(page);
  return { cells, renderer, drewWith, pan: p, zoom: z };
}

const median = <T>(xs: T[], by: (x: T) => number): T => [...xs].sort((a, b) => by(a) - by(b))[Math.floor((xs.length - 1) / 2)];
const f1 = (v: number | null | undefined) => (v == null || Number.isNaN(v) ? 'n/a' : v.toFixed(1));

interface SceneResult {
  scene: string;
  slide: string;
  magnification: number;
  viewer: { width: number; height: number };
  cellsInView: number | null;
  /** 1, or n when only every n-th cell in view was drawn at the start view (thinning). */
  every: number | null;
  none: Condition & { rounds: number[] };
  /** Per renderer condition: its median round, its loading, and its ratios to no cells. */
  cells: (Condition & { rounds: number[]; load: Load; ratios: { panP50: number; panP95: number; zoomP50: number; zoomP95: number } })[];
}

async function runScene(session: Session, scene: Scene): Promise<SceneResult> {
  const { page } = session;
  const path = await scene.path();
  log(`cells (${scene.name}): opening ${path}...`);
  await openScene(page, path);
  await installMeter(page);
  const kinds: (Renderer | 'none')[] = ['none', ...RENDERERS];
  const rounds = new Map<Renderer | 'none', Condition[]>(kinds.map((k) => [k, []]));
  const loads = new Map<Renderer, Load[]>(RENDERERS.map((k) => [k, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate the order, so a machine getting busier or quieter weighs on every condition alike.
    const order = round % 2 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      log(`cells (${scene.name}) round ${round}/${ROUNDS}: ${kind === 'none' ? 'no cells' : `${COUNT.toLocaleString('en')} cells, renderer ${kind}`}, pan ${DRAG_MS} ms and zoom ${ZOOM_MS} ms...`);
      const load = await withTimeout(loadCells(page, kind === 'none' ? 0 : COUNT, kind === 'none' ? 'auto' : kind), 180_000, 'loading the cells');
      if (load && kind !== 'none') loads.get(kind)!.push(load);
      rounds.get(kind)!.push(await withTimeout(measure(page, scene, kind === 'none' ? 0 : COUNT, kind === 'none' ? null : kind), 120_000, `measuring ${kind}`));
      if (kind !== 'none') await loadCells(page, 0);
    }
  }
  // Cells in view at the start view (what one frame draws), with the cells on.
  await loadCells(page, COUNT);
  await resetView(page, scene.magnification);
  const startDraw = await page.evaluate(() => window.__tessera.viewer!.cellLayers()[0]?.lastDraw() ?? null);
  const inView = startDraw?.cells ?? null;
  const viewer = await viewerBox(page);
  await loadCells(page, 0);
  const pick = (cs: Condition[]) => ({ ...median(cs, (c) => c.pan.frames.p95Ms), rounds: cs.map((c) => Number(c.pan.frames.p95Ms.toFixed(1))) });
  const none = pick(rounds.get('none')!);
  return {
    scene: scene.name,
    slide: path.split('/').pop()!,
    magnification: scene.magnification,
    viewer: { width: Math.round(viewer.width), height: Math.round(viewer.height) },
    cellsInView: inView,
    every: startDraw?.every ?? null,
    none,
    cells: RENDERERS.map((r) => {
      const c = pick(rounds.get(r)!);
      return {
        ...c,
        load: median(loads.get(r)!, (l) => l.ms),
        ratios: {
          panP50: c.pan.frames.p50Ms / none.pan.frames.p50Ms,
          panP95: c.pan.frames.p95Ms / none.pan.frames.p95Ms,
          zoomP50: c.zoom.frames.p50Ms / none.zoom.frames.p50Ms,
          zoomP95: c.zoom.frames.p95Ms / none.zoom.frames.p95Ms,
        },
      };
    }),
  };
}

function printScene(r: SceneResult): void {
  const pad = (s: string, n: number) => s.padStart(n);
  console.log(`\nCells (${r.scene}): ${r.slide} at ${r.magnification}x, viewer ${r.viewer.width} x ${r.viewer.height} CSS px, ${r.cellsInView ?? 'n/a'} cells in the start view${r.every && r.every > 1 ? `, 1 in ${r.every} drawn` : ''}`);
  console.log(['cells'.padEnd(24), pad('pan p50', 8), pad('pan p95', 8), pad('zoom p50', 9), pad('zoom p95', 9), pad('pan p95 ÷ none', 15), pad('zoom p95 ÷ none', 16), pad('layer ms p50/max', 17), pad('longest task', 13), pad('probe gap', 10)].join('  '));
  const x = (v: number) => `${v.toFixed(2)}x`;
  for (const c of [r.none, ...r.cells]) {
    const label = c.renderer ? `${c.cells.toLocaleString('en')} (${c.renderer}${c.renderer === 'auto' ? `: ${c.drewWith}` : ''})` : 'none';
    const layer = c.pan.layerMs ? `${f1(c.pan.layerMs.p50)}/${f1(Math.max(c.pan.layerMs.max, c.zoom.layerMs?.max ?? 0))}` : '—';
    const longest = Math.max(c.pan.main.longestTaskMs, c.zoom.main.longestTaskMs);
    const gap = Math.max(c.pan.main.probeMaxGapMs, c.zoom.main.probeMaxGapMs);
    const ratios = 'ratios' in c ? (c as SceneResult['cells'][number]).ratios : null;
    console.log([label.padEnd(24), pad(f1(c.pan.frames.p50Ms), 8), pad(f1(c.pan.frames.p95Ms), 8), pad(f1(c.zoom.frames.p50Ms), 9), pad(f1(c.zoom.frames.p95Ms), 9), pad(ratios ? x(ratios.panP95) : '', 15), pad(ratios ? x(ratios.zoomP95) : '', 16), pad(layer, 17), pad(f1(longest), 13), pad(f1(gap), 10)].join('  '));
  }
  console.log(`(requestAnimationFrame intervals, ms, median round by pan p95; rounds' pan p95: ${[r.none, ...r.cells].map((c) => `${c.renderer ?? 'none'} ${c.rounds.join(' ')}`).join('; ')})`);
  for (const c of r.cells) {
    console.log(`loading ${COUNT.toLocaleString('en')} cells (${c.renderer}): ${f1(c.load.ms)} ms from showCells to the last cell drawable, longest task ${f1(c.load.main.longestTaskMs)} ms, probe gap ${f1(c.load.main.probeMaxGapMs)} ms (making them, the bench's own work: ${f1(c.load.makeMs)} ms)`);
  }
}

export async function runCellsPart(): Promise<void> {
  if (!existsSync(SMALL)) {
    log(`cells part SKIPPED: ${SMALL} is missing (no ../shared next to the project)`);
    mergeIntoLatest('cells', { date: new Date().toISOString(), skipped: `${SMALL} is missing` });
    return;
  }
  const date = new Date().toISOString();
  const foreign = foreignLoadMeter();
  let session: Session | undefined;
  const results: SceneResult[] = [];
  try {
    session = await startSession();
    log(`Chromium ${session.env.chromiumVersion}, ${COUNT.toLocaleString('en')} cells, ${ROUNDS} rounds, scenes ${SCENES.join(', ')}`);
    for (const name of SCENES) {
      const scene = SCENE_DEFS[name];
      if (!scene) throw new Error(`BENCH_CELLS_SCENES: unknown scene "${name}" (scenes: ${Object.keys(SCENE_DEFS).join(', ')})`);
      if (name === 'slide' && !existsSync(LARGE_SLIDE) && !process.env.BENCH_SLIDE) log('the 1.2-gigapixel slide is made first (about 20 s)');
      const r = await runScene(session, scene);
      printScene(r);
      results.push(r);
      // A fresh page per scene: the next slide opens on the start screen's state.
      if (SCENES.indexOf(name) < SCENES.length - 1) await session.page.reload({ waitUntil: 'load' });
    }
    const otherLoad = foreign();
    if (otherLoad !== null) console.log(`CPU used by other processes during the part: ${(100 * otherLoad).toFixed(0)}% of ${cpus().length} cores`);
    mergeIntoLatest('cells', {
      date,
      count: COUNT,
      rounds: ROUNDS,
      dragMs: DRAG_MS,
      zoomMs: ZOOM_MS,
      renderers: RENDERERS,
      chromium: session.env.chromiumVersion,
      machine: { cores: cpus().length, loadAverage1m: Number(loadavg()[0].toFixed(2)), cpuModel: cpus()[0]?.model ?? 'unknown' },
      otherProcessesCpuShare: otherLoad,
      scenes: results,
      pageErrors: session.pageErrors,
    });
  } finally {
    await session?.close();
  }
}
