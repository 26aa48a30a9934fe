import { TesseraError } from '../../core';
import type { Manifest } from '../../inference';
import type { TileGrid } from '../grid/tile-grid';
import { countStates, TileState } from '../results/result-store';
import type { SlideAnalysisPlan } from '../slide-analysis';
import { validateAnalysisSettings, type SlideAnalysisSettings } from '../settings';
import { sha256Hex } from './slide-fingerprint';

/** The settings that decide which tiles a run has (saved with it, so a resumed run plans the same grid). */
export type SavedSettings = Pick<SlideAnalysisSettings, 'overlap' | 'detectTissue' | 'minTissue' | 'tissueThreshold' | 'mppOverride' | 'region'>;

/** What the list of saved analyses shows, without the results themselves. */
export interface SavedAnalysisSummary {
  /** slide fingerprint | model key | settings: one saved analysis per slide, model and settings. */
  key: string;
  slideFingerprint: string;
  slideName: string;
  modelKey: string;
  modelName: string;
  settings: SavedSettings;
  tilesDone: number;
  tilesTotal: number;
  /** Bytes of results stored. */
  bytes: number;
  updatedAt: number;
}

/** One analysis as IndexedDB keeps it: the result store's arrays (and the stitched mask) as they are. */
export interface SavedAnalysis extends SavedAnalysisSummary {
  grid: TileGrid;
  classNames: string[];
  measureNames: string[];
  state: Uint8Array;
  probabilities: Float32Array;
  classIndex: Int16Array;
  tissue: Float32Array;
  measures: Float32Array;
  mask?: { width: number; height: number; downsample: number; originX: number; originY: number; data: Uint8Array };
}

/** A model's identity for saved results: its manifest (name, classes, preprocessing, weights file names). */
export function modelKey(manifest: Manifest): Promise<string> {
  return sha256Hex(new TextEncoder().encode(JSON.stringify(manifest)));
}

export function savedSettings(s: Partial<SlideAnalysisSettings>): SavedSettings {
  const v = validateAnalysisSettings(s);
  return { overlap: v.overlap, detectTissue: v.detectTissue, minTissue: v.minTissue, tissueThreshold: v.tissueThreshold, mppOverride: v.mppOverride, region: v.region ?? null };
}

export function analysisKey(slideFingerprint: string, modelKey: string, settings: SavedSettings): string {
  return `${slideFingerprint}|${modelKey}|${JSON.stringify(settings)}`;
}

/** A copy of the plan's results as they stand (copies, so the run can go on writing into its own). */
export function snapshotAnalysis(plan: Pick<SlideAnalysisPlan, 'grid' | 'store' | 'mask'>, meta: Omit<SavedAnalysisSummary, 'tilesDone' | 'tilesTotal' | 'bytes' | 'updatedAt' | 'key'>): SavedAnalysis {
  const { store, mask } = plan;
  const counts = countStates(store);
  const saved: SavedAnalysis = {
    ...meta,
    key: analysisKey(meta.slideFingerprint, meta.modelKey, meta.settings),
    tilesDone: counts.done,
    tilesTotal: counts.done + counts.pending + counts.failed,
    updatedAt: Date.now(),
    bytes: 0,
    grid: { ...plan.grid },
    classNames: [...store.classNames],
    measureNames: [...store.measureNames],
    // Tiles in flight or unreadable are saved as not analysed: a resumed run tries them again.
    state: store.state.map((s) => (s === TileState.done || s === TileState.background ? s : TileState.pending)),
    probabilities: store.probabilities.slice(),
    classIndex: store.classIndex.slice(),
    tissue: store.tissue.slice(),
    measures: store.measures.slice(),
    mask: mask ? { width: mask.width, height: mask.height, downsample: mask.downsample, originX: mask.originX, originY: mask.originY, data: mask.data.slice() } : undefined,
  };
  saved.bytes = [saved.state, saved.probabilities, saved.classIndex, saved.tissue, saved.measures, saved.mask?.data].reduce((n, a) => n + (a?.byteLength ?? 0), 0);
  return saved;
}

/** Puts saved results into a freshly planned analysis of the same slide, model and settings. */
export function restoreAnalysis(plan: Pick<SlideAnalysisPlan, 'grid' | 'store' | 'mask'>, saved: SavedAnalysis): void {
  const { store, mask, grid } = plan;
  const same = grid.cols === saved.grid.cols && grid.rows === saved.grid.rows && grid.size0 === saved.grid.size0 && grid.stride0 === saved.grid.stride0 && store.probabilities.length === saved.probabilities.length && store.measures.length === saved.measures.length;
  if (!same) throw new TesseraError('invalid-argument', `The saved analysis of ${saved.slideName} does not fit this slide and model (its tile grid differs); delete it and analyse again.`);
  store.state.set(saved.state);
  store.probabilities.set(saved.probabilities);
  store.classIndex.set(saved.classIndex);
  store.tissue.set(saved.tissue);
  store.measures.set(saved.measures);
  if (mask && saved.mask && saved.mask.data.length === mask.data.length) {
    mask.data.set(saved.mask.data);
    mask.version++;
  }
  store.version++;
}

export function summaryOf(saved: SavedAnalysis): SavedAnalysisSummary {
  const { key, slideFingerprint, slideName, modelKey: model, modelName, settings, tilesDone, tilesTotal, bytes, updatedAt } = saved;
  return { key, slideFingerprint, slideName, modelKey: model, modelName, settings, tilesDone, tilesTotal, bytes, updatedAt };
}
