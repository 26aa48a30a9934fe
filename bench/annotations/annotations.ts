/**
 * The annotations part of `npm run bench` (issue 14 part 7): is the viewer still smooth with a model's
 * nuclei imported as annotations, 10,000 shapes of 100 vertices each (1,000,000 vertices)?
 *
 * The app in headless Chromium, the 1.2-gigapixel benchmark slide (the cells part's) opened with "Open
 * file…", then, alternating in each round, no annotations and the 10,000 nuclei put in the open slide's
 * store (window.__tessera.annotations.load; the app's store, drawn by the viewer's annotation layer). The
 * nuclei are seeded nucleus-like polygons (4-6 µm radius) at tissue density (BENCH_ANNOTATIONS_DENSITY,
 * 3,400 per mm², as the cells part's) in a square patch at the slide's middle, where the view starts. The
 * view is panned (dragged in a circle, bench/worker/page-meter.ts) and zoomed (mouse-wheel steps in and
 * out), and the requestAnimationFrame intervals meanwhile (p50, p95) are the figures, side by side with the
 * same motion and no annotations, with their ratios (goal: p95 at most 1.5x none's). Also: the layer's
 * own draw time per frame (lastDraw().ms), the shapes and vertices it drew, the longest long task, what
 * loading the 10,000 costs the page, and what the app's saving them in IndexedDB costs (once after each
 * load; waited for before the motions, which measure panning and zooming with the shapes held).
 *
 * Scenes: **slide** at 10x (a view holds a few hundred nuclei, each drawn with its simplified outline) and
 * **patch** at 2x (all 10,000 in view, most of them dots: the layer's worst case for culling).
 *
 * Environment: BENCH_ANNOTATIONS (10000), BENCH_ANNOTATIONS_VERTICES (100), BENCH_ANNOTATIONS_DENSITY (3400 per
 * mm²), BENCH_ANNOTATIONS_ROUNDS (3; each condition's median round by pan p95), BENCH_ANNOTATIONS_DRAG_MS
 * (3000), BENCH_ANNOTATIONS_ZOOM_MS (3000), BENCH_ANNOTATIONS_SCENES (slide,patch), BENCH_ANNOTATIONS_HIDDEN
 * (1: also the shapes loaded with the layer hidden, which tells the layer's cost from the rest of the app's),
 * BENCH_ANNOTATIONS_TIMEOUT_S (900). Merged into bench/results/latest.json under "annotations".
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import type {} from '../../src/app/tessera-global';
import { LARGE_SLIDE, ensureLargeSlide, envInt, foreignLoadMeter, log, mergeIntoLatest, startSession, withTimeout, type Session } from '../lib';
import { installMeter, panMotion, viewerBox, zoomMotion, type FrameStats, type LayerSampler, type Responsiveness } from '../worker/page-meter';

const COUNT = envInt('BENCH_ANNOTATIONS', 10_000);
const VERTICES = envInt('BENCH_ANNOTATIONS_VERTICES', 100);
const DENSITY = envInt('BENCH_ANNOTATIONS_DENSITY', 3400);
const ROUNDS = envInt('BENCH_ANNOTATIONS_ROUNDS', 3);
const DRAG_MS = envInt('BENCH_ANNOTATIONS_DRAG_MS', 3000);
const ZOOM_MS = envInt('BENCH_ANNOTATIONS_ZOOM_MS', 3000);
export const ANNOTATIONS_TIMEOUT_MS = envInt('BENCH_ANNOTATIONS_TIMEOUT_S', 900) * 1000;
const SCENES = (process.env.BENCH_ANNOTATIONS_SCENES ?? 'slide,patch').split(',').map((s) => s.trim()).filter(Boolean);
const SCENE_MAGNIFICATION: Record<string, number> = { slide: 10, patch: 2 };
/** Also measure the shapes loaded with the layer hidden: what the app pays for holding them, apart from drawing them. */
const HIDDEN = process.env.BENCH_ANNOTATIONS_HIDDEN === '1';
/** Longer than the app's wait before it saves a change (SAVE_DELAY_MS, 300 ms), so its "saving" shows before it is polled. */
const SAVE_WAIT_MS = 450;

interface LayerSample {
  p50: number;
  max: number;
  frames: number;
  shapesMax: number;
  verticesMax: number;
  dotsMax: number;
}

interface Motion {
  frames: FrameStats;
  main: Responsiveness;
  /** The annotation layer's own draw time per frame it drew, ms, and what it drew (null without annotations). */
  layer: LayerSample | null;
}

interface Condition {
  annotations: number;
  pan: Motion;
  zoom: Motion;
}

interface Load {
  /** Making the shapes (the bench's own work). */
  makeMs: number;
  /** store.load to the first frame drawn with them. */
  ms: number;
  main: Responsiveness;
  /**
   * The app keeping them in the browser (IndexedDB, ~300 ms after the change): store.load to "Saved in
   * this browser", and the page's responsiveness meanwhile; null where the app does not save (no IndexedDB).
   */
  save: { ms: number; main: Responsiveness } | null;
}

export async function openSlide(page: Page, path: string): Promise<void> {
  const name = path.split('/').pop()!;
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 60_000 }), page.getByRole('button', { name: 'Open file…' }).first().click()]);
  await chooser.setFiles(path);
  await page.waitForFunction((n) => window.__tessera?.viewer?.slide.info.name === n && !!window.__tessera.annotations, name, { timeout: 120_000, polling: 250 });
  await page.evaluate(() => window.__tessera.viewer!.whenIdle(60_000));
  // The app attaches its store to the viewer; where it does not (yet), the bench does, as the app would.
  await page.evaluate(() => {
    const t = window.__tessera;
    const info = t.slide!.info;
    if (!t.viewer!.annotationView()) t.viewer!.attachAnnotations(t.annotations!, { pixelSize: info.mppX ? { x: info.mppX, y: info.mppY ?? info.mppX } : null });
  });
}

export async function resetView(page: Page, magnification: number): Promise<void> {
  await page.evaluate(async (m) => {
    const v = window.__tessera.viewer!;
    const { width, height } = v.slide.info.levels[0];
    v.setView({ centerX: width / 2, centerY: height / 2, imageZoom: v.viewState().imageZoom }, true);
    v.setMagnification(m);
    await v.whenIdle(60_000);
  }, magnification);
}

/** Loads `count` nuclei into the store (0: empties it) and waits for the frame that draws them. */
export async function loadAnnotations(page: Page, count: number): Promise<Load | null> {
  return page.evaluate(
    async ({ n, vertices, density, delay }) => {
      const t = window.__tessera;
      const store = t.annotations!;
      const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      // The app writes a change ~300 ms after it (use-annotation-saving): the panel says "saved" when done. Waited
      // for, so that the motions measure panning with the shapes held, not the one-off write of 10,000 of them.
      const saved = async (t0: number): Promise<number | null> => {
        await new Promise((r) => setTimeout(r, delay));
        for (;;) {
          const phase = document.querySelector<HTMLElement>('[data-testid="annotations-saved"]')?.dataset.phase;
          if (phase === 'saved') return performance.now() - t0;
          if (phase !== 'saving' || performance.now() - t0 > 120_000) return null;
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      if (!n) {
        const t0 = performance.now();
        store.load([]);
        await frames();
        await saved(t0);
        return null;
      }
      const m0 = performance.now();
      const info = t.slide!.info;
      const mpp = info.mppX ?? 0.5;
      const { width: w0, height: h0 } = info.levels[0];
      // A square patch at the slide's middle holding n nuclei at `density` per mm².
      const side = (Math.sqrt(n / density) * 1000) / mpp;
      let seed = 20241203;
      const rnd = () => {
        seed = (seed * 1664525 + 1013904223) >>> 0;
        return seed / 2 ** 32;
      };
      const classes = ['Tumor', 'Stroma', 'Immune cells', 'Necrosis', 'Other'];
      const list = [];
      for (let k = 0; k < n; k++) {
        const cx = w0 / 2 + (rnd() - 0.5) * side;
        const cy = h0 / 2 + (rnd() - 0.5) * side;
        const r = (4 + 2 * rnd()) / mpp;
        const phase = rnd() * 6.28;
        const ring: [number, number][] = [];
        for (let i = 0; i < vertices; i++) {
          const a = (2 * Math.PI * i) / vertices;
          const wobble = 1 + 0.12 * Math.sin(3 * a + phase) + 0.05 * Math.sin(7 * a);
          ring.push([cx + r * wobble * Math.cos(a), cy + r * 0.8 * wobble * Math.sin(a)]);
        }
        list.push({ id: crypto.randomUUID(), name: '', className: classes[k % classes.length], locked: false, shape: { type: 'polygon' as const, polygons: [[ring]] } });
      }
      const makeMs = performance.now() - m0;
      await new Promise((r) => setTimeout(r, 100));
      window.__benchMeter!.start('load');
      window.__benchMeter!.start('save');
      const t0 = performance.now();
      store.load(list);
      await frames();
      const ms = performance.now() - t0;
      const main = await window.__benchMeter!.stop('load');
      const save = await saved(t0);
      const saveMain = await window.__benchMeter!.stop('save');
      return { makeMs, ms, main, save: save === null ? null : { ms: save, main: saveMain } };
    },
    { n: count, vertices: VERTICES, density: DENSITY, delay: SAVE_WAIT_MS },
  );
}

/** Records the annotation layer's draw statistics once a frame until stopped. */
async function startLayerSampling(page: Page): Promise<void> {
  await page.evaluate(() => {
    type S = { running: boolean; ms: number[]; shapes: number[]; vertices: number[]; dots: number[]; last: string };
    const s: S = { running: true, ms: [], shapes: [], vertices: [], dots: [], last: '' };
    (window as unknown as { __benchAnnotations?: S }).__benchAnnotations = s;
    const tick = () => {
      if (!s.running) return;
      const d = window.__tessera.viewer?.annotationView()?.lastDraw();
      const key = d ? JSON.stringify(d) : '';
      if (d && key !== s.last && d.shapes > 0) {
        s.ms.push(d.ms);
        s.shapes.push(d.shapes);
        s.vertices.push(d.vertices);
        s.dots.push(d.dots);
      }
      s.last = key;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

async function stopLayerSampling(page: Page): Promise<LayerSample | null> {
  return page.evaluate(() => {
    const s = (window as unknown as { __benchAnnotations: { running: boolean; ms: number[]; shapes: number[]; vertices: number[]; dots: number[] } }).__benchAnnotations;
    s.running = false;
    if (!s.ms.length) return null;
    const sorted = [...s.ms].sort((a, b) => a - b);
    return { p50: sorted[Math.floor((sorted.length - 1) / 2)], max: sorted[sorted.length - 1], frames: sorted.length, shapesMax: Math.max(...s.shapes), verticesMax: Math.max(...s.vertices), dotsMax: Math.max(...s.dots) };
  });
}

const LAYER: LayerSampler<LayerSample | null> = { start: startLayerSampling, stop: stopLayerSampling };
const pan = (page: Page): Promise<Motion> => panMotion(page, DRAG_MS, LAYER);
const zoom = (page: Page): Promise<Motion> => zoomMotion(page, ZOOM_MS, LAYER);

async function measure(page: Page, magnification: number, annotations: number): Promise<Condition> {
  await resetView(page, magnification);
  const p = await pan(page);
  await resetView(page, magnification);
  const z = await zoom(page);
  return { annotations, pan: p, zoom: z };
}

const median = <T>(xs: T[], by: (x: T) => number): T => [...xs].sort((a, b) => by(a) - by(b))[Math.floor((xs.length - 1) / 2)];
const f1 = (v: number | null | undefined) => (v == null || Number.isNaN(v) ? 'n/a' : v.toFixed(1));

interface SceneResult {
  scene: string;
  magnification: number;
  viewer: { width: number; height: number };
  /** What the layer drew at the start view. */
  startDraw: { shapes: number; vertices: number; dots: number; ms: number } | null;
  none: Condition & { rounds: number[] };
  shapes: Condition & { rounds: number[]; load: Load; ratios: Ratios };
  /** BENCH_ANNOTATIONS_HIDDEN=1: the shapes loaded, the layer hidden. */
  hidden: (Condition & { rounds: number[]; ratios: Ratios }) | null;
}

interface Ratios {
  panP50: number;
  panP95: number;
  zoomP50: number;
  zoomP95: number;
}

function ratios(c: Condition, none: Condition): Ratios {
  return {
    panP50: c.pan.frames.p50Ms / none.pan.frames.p50Ms,
    panP95: c.pan.frames.p95Ms / none.pan.frames.p95Ms,
    zoomP50: c.zoom.frames.p50Ms / none.zoom.frames.p50Ms,
    zoomP95: c.zoom.frames.p95Ms / none.zoom.frames.p95Ms,
  };
}

function setLayerVisible(page: Page, visible: boolean): Promise<void> {
  return page.evaluate((v) => window.__tessera.viewer!.annotationView()!.setVisible(v), visible);
}

async function runScene(page: Page, scene: string): Promise<SceneResult> {
  const magnification = SCENE_MAGNIFICATION[scene];
  if (!magnification) throw new Error(`BENCH_ANNOTATIONS_SCENES: unknown scene "${scene}" (scenes: ${Object.keys(SCENE_MAGNIFICATION).join(', ')})`);
  const rounds = { none: [] as Condition[], shapes: [] as Condition[], hidden: [] as Condition[] };
  const loads: Load[] = [];
  const kinds: ('none' | 'shapes' | 'hidden')[] = HIDDEN ? ['none', 'shapes', 'hidden'] : ['none', 'shapes'];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate the order, so a machine getting busier or quieter weighs on every condition alike.
    const order = round % 2 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      const what = kind === 'none' ? 'no annotations' : `${COUNT.toLocaleString('en')} shapes x ${VERTICES} vertices${kind === 'hidden' ? ', layer hidden' : ''}`;
      log(`annotations (${scene}) round ${round}/${ROUNDS}: ${what}, pan ${DRAG_MS} ms and zoom ${ZOOM_MS} ms...`);
      const load = await withTimeout(loadAnnotations(page, kind === 'none' ? 0 : COUNT), 180_000, 'loading the annotations');
      if (load && kind === 'shapes') loads.push(load);
      if (kind === 'hidden') await setLayerVisible(page, false);
      rounds[kind].push(await withTimeout(measure(page, magnification, kind === 'none' ? 0 : COUNT), 120_000, `measuring ${kind}`));
      if (kind === 'hidden') await setLayerVisible(page, true);
      if (kind !== 'none') await loadAnnotations(page, 0);
    }
  }
  await loadAnnotations(page, COUNT);
  await resetView(page, magnification);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const startDraw = await page.evaluate(() => window.__tessera.viewer!.annotationView()?.lastDraw() ?? null);
  const viewer = await viewerBox(page);
  await loadAnnotations(page, 0);
  const pick = (cs: Condition[]) => ({ ...median(cs, (c) => c.pan.frames.p95Ms), rounds: cs.map((c) => Number(c.pan.frames.p95Ms.toFixed(1))) });
  const none = pick(rounds.none);
  const shapes = pick(rounds.shapes);
  const hidden = HIDDEN ? pick(rounds.hidden) : null;
  return {
    scene,
    magnification,
    viewer: { width: Math.round(viewer.width), height: Math.round(viewer.height) },
    startDraw,
    none,
    shapes: { ...shapes, load: median(loads, (l) => l.ms), ratios: ratios(shapes, none) },
    hidden: hidden && { ...hidden, ratios: ratios(hidden, none) },
  };
}

function printScene(r: SceneResult): void {
  const pad = (s: string, n: number) => s.padStart(n);
  const d = r.startDraw;
  console.log(`\nAnnotations (${r.scene}): ${COUNT.toLocaleString('en')} shapes x ${VERTICES} vertices at ${r.magnification}x, viewer ${r.viewer.width} x ${r.viewer.height} CSS px; start view: ${d ? `${d.shapes} shapes drawn (${d.dots} as dots), ${d.vertices} vertices, ${f1(d.ms)} ms` : 'n/a'}`);
  console.log(['annotations'.padEnd(14), pad('pan p50', 8), pad('pan p95', 8), pad('pan fps', 8), pad('zoom p50', 9), pad('zoom p95', 9), pad('pan p95 ÷ none', 15), pad('zoom p95 ÷ none', 16), pad('layer ms p50/max', 17), pad('shapes max', 11), pad('longest task', 13)].join('  '));
  // Frames per second while dragging: finer than the percentiles, which move in whole frames (16.7 ms steps).
  const fps = (f: FrameStats) => (f.durationMs > 0 ? ((1000 * f.frames) / f.durationMs).toFixed(1) : 'n/a');
  const x = (v: number) => `${v.toFixed(2)}x`;
  for (const c of [r.none, r.shapes, ...(r.hidden ? [r.hidden] : [])]) {
    const layer = c.pan.layer ? `${f1(c.pan.layer.p50)}/${f1(Math.max(c.pan.layer.max, c.zoom.layer?.max ?? 0))}` : '—';
    const shapesMax = c.pan.layer ? String(Math.max(c.pan.layer.shapesMax, c.zoom.layer?.shapesMax ?? 0)) : '—';
    const longest = Math.max(c.pan.main.longestTaskMs, c.zoom.main.longestTaskMs);
    const ratios = c === r.shapes ? r.shapes.ratios : c === r.hidden ? r.hidden.ratios : null;
    const label = c === r.hidden ? `${c.annotations.toLocaleString('en')} hidden` : c.annotations ? c.annotations.toLocaleString('en') : 'none';
    console.log([label.padEnd(14), pad(f1(c.pan.frames.p50Ms), 8), pad(f1(c.pan.frames.p95Ms), 8), pad(fps(c.pan.frames), 8), pad(f1(c.zoom.frames.p50Ms), 9), pad(f1(c.zoom.frames.p95Ms), 9), pad(ratios ? x(ratios.panP95) : '', 15), pad(ratios ? x(ratios.zoomP95) : '', 16), pad(layer, 17), pad(shapesMax, 11), pad(f1(longest), 13)].join('  '));
  }
  console.log(`(requestAnimationFrame intervals, ms, median round by pan p95; rounds' pan p95: none ${r.none.rounds.join(' ')}; shapes ${r.shapes.rounds.join(' ')}${r.hidden ? `; hidden ${r.hidden.rounds.join(' ')}` : ''})`);
  const l = r.shapes.load;
  console.log(`loading ${COUNT.toLocaleString('en')} shapes: ${f1(l.ms)} ms from store.load to the frame drawing them, longest task ${f1(l.main.longestTaskMs)} ms (making them, the bench's own work: ${f1(l.makeMs)} ms)`);
  console.log(
    l.save
      ? `saving them in the browser (the app, once after the load; waited for before measuring): ${f1(l.save.ms)} ms from store.load to "saved", longest task ${f1(l.save.main.longestTaskMs)} ms`
      : 'saving them in the browser: the app did not save (no "saved" shown)',
  );
}

export async function runAnnotationsPart(): Promise<void> {
  const date = new Date().toISOString();
  const foreign = foreignLoadMeter();
  let session: Session | undefined;
  const results: SceneResult[] = [];
  try {
    if (!existsSync(LARGE_SLIDE) && !process.env.BENCH_SLIDE) log('the 1.2-gigapixel slide is made first (about 20 s)');
    const path = await ensureLargeSlide();
    session = await startSession();
    log(`Chromium ${session.env.chromiumVersion}, ${COUNT.toLocaleString('en')} annotations x ${VERTICES} vertices, ${ROUNDS} rounds, scenes ${SCENES.join(', ')}`);
    log(`annotations: opening ${path}...`);
    await openSlide(session.page, path);
    await installMeter(session.page);
    for (const scene of SCENES) {
      const r = await runScene(session.page, scene);
      printScene(r);
      results.push(r);
    }
    const otherLoad = foreign();
    if (otherLoad !== null) console.log(`CPU used by other processes during the part: ${(100 * otherLoad).toFixed(0)}% of ${cpus().length} cores`);
    mergeIntoLatest('annotations', {
      date,
      count: COUNT,
      verticesEach: VERTICES,
      densityPerMm2: DENSITY,
      rounds: ROUNDS,
      dragMs: DRAG_MS,
      zoomMs: ZOOM_MS,
      slide: path.split('/').pop(),
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
