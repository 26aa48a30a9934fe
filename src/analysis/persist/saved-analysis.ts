import { TesseraError } from '../../core';
import type { Manifest } from '../../inference';
import type { TileGrid } from '../grid/tile-grid';
import { countStates, TileState } from '../results/result-store';
import type { CellStore } from '../cells/cell-store';
import type { SlideAnalysisPlan } from '../slide-analysis';
import { validateAnalysisSettings, type SlideAnalysisSettings } from '../settings';
import type { StackPlane } from '../../slide';
import { sha256Hex } from './slide-fingerprint';

/**
 * The settings that decide which tiles a run has (saved with it, so a resumed run plans the same grid and
 * region). `shapes` only when the run has them: the keys of analyses saved before shapes existed stay.
 */
/** `plane`: the Z-stack's or time series' plane analysed (0-based), only for such slides: part of the key. */
export type SavedSettings = Pick<SlideAnalysisSettings, 'overlap' | 'detectTissue' | 'minTissue' | 'tissueThreshold' | 'mppOverride' | 'region' | 'shapes'> & { plane?: StackPlane };

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
  /** A detection model's cells (level-0 px), those of done tiles only, with each tile's start and count. */
  cells?: SavedCells;
}

/** The columns of a CellStore as saved: exactly `count` long. */
export interface SavedCells {
  count: number;
  x: Float32Array;
  y: Float32Array;
  classIndex: Uint8Array;
  score: Float32Array;
  tileStart: Int32Array;
  tileCount: Int32Array;
}

/** The plan parts a save reads and a restore writes: a detection plan's cells besides the store and mask. */
type Persisted = Pick<SlideAnalysisPlan, 'grid' | 'store' | 'mask'> & { cells?: CellStore | null };

/**
 * A model's identity: its manifest (name, classes, preprocessing, weights file names) and a digest of its
 * weights files' bytes (inference's weightsDigest). Saved results key on both, so changed weights under an
 * unchanged manifest never reopen results the old weights computed. `null` keys on the manifest alone,
 * for what depends on the model's shape only (the remembered backend speeds), as keys did before.
 */
export function modelKey(manifest: Manifest, weightsDigest: string | null): Promise<string> {
  const identity = weightsDigest === null ? manifest : { manifest, weights: weightsDigest };
  return sha256Hex(new TextEncoder().encode(JSON.stringify(identity)));
}

export function savedSettings(s: Partial<SlideAnalysisSettings>): SavedSettings {
  const v = validateAnalysisSettings(s);
  return { overlap: v.overlap, detectTissue: v.detectTissue, minTissue: v.minTissue, tissueThreshold: v.tissueThreshold, mppOverride: v.mppOverride, region: v.region ?? null, ...(v.shapes ? { shapes: v.shapes } : {}) };
}

/**
 * One saved analysis per slide, model and settings. A region of shapes enters the key as a 64-bit hash of
 * its outlines, not the outlines themselves: a brushed outline of thousands of vertices would make a key
 * of hundreds of kB (the shapes themselves are kept in `settings`).
 */
export function analysisKey(slideFingerprint: string, modelKey: string, settings: SavedSettings): string {
  const { shapes, ...rest } = settings;
  const region = shapes ? `|shapes:${hash64(JSON.stringify(shapes))}` : '';
  return `${slideFingerprint}|${modelKey}|${JSON.stringify(rest)}${region}`;
}

/** Two 32-bit FNV-1a hashes with different offsets, as 16 hex digits (a key, not a security measure). */
function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** A copy of the plan's results as they stand (copies, so the run can go on writing into its own). */
export function snapshotAnalysis(plan: Persisted, meta: Omit<SavedAnalysisSummary, 'tilesDone' | 'tilesTotal' | 'bytes' | 'updatedAt' | 'key'>): SavedAnalysis {
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
    cells: plan.cells ? savedCells(plan.cells, store.state) : undefined,
  };
  const c = saved.cells;
  saved.bytes = [saved.state, saved.probabilities, saved.classIndex, saved.tissue, saved.measures, saved.mask?.data, c?.x, c?.y, c?.classIndex, c?.score, c?.tileStart, c?.tileCount].reduce((n, a) => n + (a?.byteLength ?? 0), 0);
  return saved;
}

/** Puts saved results into a freshly planned analysis of the same slide, model and settings. */
export function restoreAnalysis(plan: Persisted, saved: SavedAnalysis): void {
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
  if (plan.cells && saved.cells) restoreCells(plan.cells, saved.cells);
  store.version++;
}

/**
 * The cells of the tiles that are done, tile after tile: a tile whose cells arrived but whose result is
 * not in the store (none today, as the sink and the store are written together) would be run again on
 * resuming and must not be there twice.
 */
function savedCells(cells: CellStore, state: Uint8Array): SavedCells {
  const tiles = cells.tileStart.length;
  let count = 0;
  for (let t = 0; t < tiles; t++) if (state[t] === TileState.done && cells.tileStart[t] >= 0) count += cells.tileCount[t];
  const out: SavedCells = { count, x: new Float32Array(count), y: new Float32Array(count), classIndex: new Uint8Array(count), score: new Float32Array(count), tileStart: new Int32Array(tiles).fill(-1), tileCount: new Int32Array(tiles) };
  let at = 0;
  for (let t = 0; t < tiles; t++) {
    const start = cells.tileStart[t];
    if (state[t] !== TileState.done || start < 0) continue;
    const n = cells.tileCount[t];
    out.x.set(cells.x.subarray(start, start + n), at);
    out.y.set(cells.y.subarray(start, start + n), at);
    out.classIndex.set(cells.classIndex.subarray(start, start + n), at);
    out.score.set(cells.score.subarray(start, start + n), at);
    out.tileStart[t] = at;
    out.tileCount[t] = n;
    at += n;
  }
  return out;
}

/** Puts saved cells into a fresh plan's (empty) cell store: the columns replaced, the tile index copied. */
function restoreCells(cells: CellStore, saved: SavedCells): void {
  if (saved.tileStart.length !== cells.tileStart.length) throw new TesseraError('invalid-argument', 'The saved cells do not fit this slide and model (their tile grid differs); delete the saved analysis and analyse again.');
  const capacity = Math.max(saved.count, cells.x.length);
  cells.x = new Float32Array(capacity);
  cells.y = new Float32Array(capacity);
  cells.classIndex = new Uint8Array(capacity);
  cells.score = new Float32Array(capacity);
  cells.x.set(saved.x.subarray(0, saved.count));
  cells.y.set(saved.y.subarray(0, saved.count));
  cells.classIndex.set(saved.classIndex.subarray(0, saved.count));
  cells.score.set(saved.score.subarray(0, saved.count));
  cells.tileStart.set(saved.tileStart);
  cells.tileCount.set(saved.tileCount);
  cells.count = saved.count;
  cells.version++;
}

export function summaryOf(saved: SavedAnalysis): SavedAnalysisSummary {
  const { key, slideFingerprint, slideName, modelKey: model, modelName, settings, tilesDone, tilesTotal, bytes, updatedAt } = saved;
  return { key, slideFingerprint, slideName, modelKey: model, modelName, settings, tilesDone, tilesTotal, bytes, updatedAt };
}
