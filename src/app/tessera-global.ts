import type { SlideAnalysisPlan } from '../analysis';
import { openSlideInBrowser, type BrowserSlide } from '../slide/browser';
import { createSlideViewer, type SlideViewer } from '../viewer';

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
}

declare global {
  interface Window {
    __tessera: TesseraGlobal;
  }
}

export function installTesseraGlobal(): TesseraGlobal {
  const existing = (window.__tessera ?? {}) as Partial<TesseraGlobal>;
  window.__tessera = Object.assign(existing, { openSlideInBrowser, createSlideViewer, slide: existing.slide ?? null, viewer: existing.viewer ?? null, analysis: existing.analysis ?? null });
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
