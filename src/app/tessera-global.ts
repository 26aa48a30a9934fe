import type { SlideAnalysisPlan } from '../analysis';
import type { AnnotationStore } from '../annotations';
import { openSlideInBrowser, type BrowserSlide } from '../slide/browser';
import { createSlideViewer, type SlideViewer } from '../viewer';
import type { BackendChoice, WorkerPredictor } from '../inference/worker';
import { syntheticCells, type CellSource } from './analysis/cell-source';

/**
 * What the page exposes on window.__tessera for benchmarks and browser tests: the slide engine's entry,
 * the viewer factory, and the slide and viewer currently shown (the viewer carries the test hooks).
 */
export interface TesseraGlobal {
  openSlideInBrowser: typeof openSlideInBrowser;
  createSlideViewer: typeof createSlideViewer;
  slide: BrowserSlide | null;
  viewer: SlideViewer | null;
  /** The current analysis's plan (grid, result store, tissue, mask), null before Analyze. */
  analysis: SlideAnalysisPlan | null;
  /** The loaded model, running in its inference worker, and its measured backends. */
  predictor: WorkerPredictor | null;
  backends: BackendChoice | null;
  /**
   * TF.js and the model runtime on the page's own thread, for tests and benchmarks that compare the
   * worker's results with a run here (the app itself never loads it: models run in the worker).
   */
  loadRuntime(): Promise<typeof import('./inference-global')>;
  /** The open slide's annotations (see app/annotations), null without a slide. */
  annotations: AnnotationStore | null;
  /** Cells drawn over the slide by window.__tessera.showCells (tests, the benchmark), null when none were given. */
  cells: CellSource | null;
  /**
   * Test hook (issue 13): draws these cells (dots, density, legend, hover) as a detection run's would be, with
   * no model; null removes them. Call again after adding cells to a source so the page redraws them.
   */
  showCells(source: CellSource | null): void;
  /** `count` made-up cells over the open slide (see analysis/cell-source.ts), for showCells. */
  syntheticCells(count: number, seed?: number): CellSource;
}

declare global {
  interface Window {
    __tessera: TesseraGlobal;
  }
}

export function installTesseraGlobal(): TesseraGlobal {
  const existing = (window.__tessera ?? {}) as Partial<TesseraGlobal>;
  window.__tessera = Object.assign(existing, {
    openSlideInBrowser,
    createSlideViewer,
    slide: existing.slide ?? null,
    viewer: existing.viewer ?? null,
    analysis: existing.analysis ?? null,
    predictor: existing.predictor ?? null,
    backends: existing.backends ?? null,
    loadRuntime: () => import('./inference-global'),
    cells: existing.cells ?? null,
    annotations: existing.annotations ?? null,
    showCells(source: CellSource | null) {
      window.__tessera.cells = source;
      window.dispatchEvent(new Event('tessera:cells'));
    },
    syntheticCells(count: number, seed?: number) {
      const slide = window.__tessera.slide;
      if (!slide) throw new Error('Open a slide before making cells for it.');
      return syntheticCells(slide.info, count, seed);
    },
  });
  return window.__tessera;
}

export function exposeCurrent(slide: BrowserSlide | null, viewer: SlideViewer | null): void {
  if (!window.__tessera) installTesseraGlobal();
  window.__tessera.slide = slide;
  window.__tessera.viewer = viewer;
}

export function exposeAnalysis(plan: SlideAnalysisPlan | null): void {
  if (!window.__tessera) installTesseraGlobal();
  window.__tessera.analysis = plan;
}

export function exposePredictor(predictor: WorkerPredictor | null, backends: BackendChoice | null): void {
  if (!window.__tessera) installTesseraGlobal();
  window.__tessera.predictor = predictor;
  window.__tessera.backends = backends;
}

export function exposeAnnotations(store: AnnotationStore | null): void {
  window.__tessera.annotations = store;
}
