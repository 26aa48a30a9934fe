import type { TileGrid } from '../grid/tile-grid';
import { countStates, TileState } from '../results/result-store';
import type { CellStore } from '../cells/cell-store';
import type { SlideAnalysisPlan } from '../slide-analysis';
import { analysisKey, type SavedAnalysis, type SavedAnalysisSummary, type SavedCells } from './saved-analysis';

/**
 * Saved analyses written in increments (issue 15, "nothing lost on close"): the results are cut into
 * chunks of tiles (and the stitched mask into bands of rows), each a record of its own, and a save writes
 * only the chunks whose tiles finished since the last save. A save is then small enough to make on every
 * `pagehide`, so a tab closed or reloaded mid-run keeps every tile finished before it went; the whole
 * result set (a 64 MB mask, say) is no longer copied every few seconds.
 */

/** Tiles per chunk: small enough that a save during a run writes a few kB, large enough to keep records few. */
export const CHUNK_TILES = 1024;
/** Bytes of stitched mask per chunk (whole rows): a batch's row of tiles rewrites one or two bands. */
export const MASK_CHUNK_BYTES = 1 << 18;
const NOT_ANALYSED = 255;

/** The record that names an incrementally saved analysis: the summary, the grid and how it is cut. */
export interface IncrementalRecord extends SavedAnalysisSummary {
  format: 2;
  grid: TileGrid;
  classNames: string[];
  measureNames: string[];
  chunkTiles: number;
  mask?: { width: number; height: number; downsample: number; originX: number; originY: number; chunkRows: number };
  hasCells: boolean;
}

/** One chunk of tiles [index * chunkTiles, ...): the store's arrays over those tiles, and their cells. */
export interface TileChunk {
  key: string;
  kind: 't';
  index: number;
  state: Uint8Array;
  probabilities: Float32Array;
  classIndex: Int16Array;
  tissue: Float32Array;
  measures: Float32Array;
  /** The cells of the chunk's done tiles; tileStart counts from the chunk's first cell (-1: none). */
  cells?: SavedCells;
}

/** One band of the stitched mask: rows [index * chunkRows, ...). */
export interface MaskChunk {
  key: string;
  kind: 'm';
  index: number;
  data: Uint8Array;
}

export type ChunkRecord = TileChunk | MaskChunk;

/** One write: the record, its summary and the chunks that changed; `clear` drops the key's older chunks first. */
export interface Increment {
  record: IncrementalRecord;
  chunks: ChunkRecord[];
  clear: boolean;
}

type Persisted = Pick<SlideAnalysisPlan, 'grid' | 'store' | 'mask'> & { cells?: CellStore | null };
export type SaverMeta = Omit<SavedAnalysisSummary, 'tilesDone' | 'tilesTotal' | 'bytes' | 'updatedAt' | 'key'>;

/** A tile's state as saved: in flight or unreadable counts as not analysed, so a resumed run tries it again. */
function savedState(s: number): number {
  return s === TileState.done || s === TileState.background ? s : TileState.pending;
}

/**
 * Follows one run's results and says what to write: `next()` gives the chunks changed since the last
 * increment it gave. The first increment clears what was saved under the key before (a new run with the
 * same settings replaces it) and writes every tile chunk and the mask bands of finished tiles.
 */
export class IncrementTracker {
  /** Per tile, its saved state as last written; null before the first increment. */
  private written: Uint8Array | null = null;

  constructor(
    private readonly plan: Persisted,
    private readonly meta: SaverMeta,
  ) {}

  /** Forget what was written (a write failed): the next increment writes everything again. */
  reset(): void {
    this.written = null;
  }

  next(): Increment {
    const { store, mask, grid } = this.plan;
    const n = store.state.length;
    const first = this.written === null;
    const written = this.written ?? new Uint8Array(n);
    const tileChunks = new Set<number>();
    const maskChunks = new Set<number>();
    const chunkRows = mask ? Math.max(1, Math.floor(MASK_CHUNK_BYTES / Math.max(1, mask.width))) : 1;
    for (let t = 0; t < n; t++) {
      const s = savedState(store.state[t]);
      if (first) tileChunks.add(Math.floor(t / CHUNK_TILES));
      if (s === written[t]) continue;
      tileChunks.add(Math.floor(t / CHUNK_TILES));
      written[t] = s;
      if (mask) for (const c of maskBandsOfRow(grid, mask, Math.floor(t / grid.cols), chunkRows)) maskChunks.add(c);
    }
    this.written = written;
    const key = analysisKey(this.meta.slideFingerprint, this.meta.modelKey, this.meta.settings);
    const chunks: ChunkRecord[] = [];
    for (const i of tileChunks) chunks.push(this.tileChunk(key, i));
    if (mask) {
      for (const i of maskChunks) chunks.push({ key, kind: 'm', index: i, data: mask.data.slice(i * chunkRows * mask.width, Math.min(mask.height, (i + 1) * chunkRows) * mask.width) });
    }
    const counts = countStates(store);
    const cellsBytes = this.plan.cells ? this.plan.cells.count * 13 + n * 8 : 0;
    const bytes = store.state.byteLength + store.probabilities.byteLength + store.classIndex.byteLength + store.tissue.byteLength + store.measures.byteLength + (mask?.data.byteLength ?? 0) + cellsBytes;
    const record: IncrementalRecord = {
      ...this.meta,
      key,
      format: 2,
      tilesDone: counts.done,
      tilesTotal: counts.done + counts.pending + counts.failed,
      bytes,
      updatedAt: Date.now(),
      grid: { ...grid },
      classNames: [...store.classNames],
      measureNames: [...store.measureNames],
      chunkTiles: CHUNK_TILES,
      mask: mask ? { width: mask.width, height: mask.height, downsample: mask.downsample, originX: mask.originX, originY: mask.originY, chunkRows } : undefined,
      hasCells: !!this.plan.cells,
    };
    return { record, chunks, clear: first };
  }

  private tileChunk(key: string, index: number): TileChunk {
    const { store, cells } = this.plan;
    const a = index * CHUNK_TILES;
    const b = Math.min(store.state.length, a + CHUNK_TILES);
    const c = store.classNames.length;
    const m = store.measureNames.length;
    const state = store.state.slice(a, b).map(savedState);
    return {
      key,
      kind: 't',
      index,
      state,
      probabilities: store.probabilities.slice(a * c, b * c),
      classIndex: store.classIndex.slice(a, b),
      tissue: store.tissue.slice(a, b),
      measures: store.measures.slice(a * m, b * m),
      cells: cells ? chunkCells(cells, state, a, b) : undefined,
    };
  }
}

/**
 * The mask bands a grid row's tiles may stitch into: every mask row whose pixel centre lies in the tile's
 * rectangle, and one more each side for rounding (a tile stitches only the part it owns, inside it).
 */
function maskBandsOfRow(grid: TileGrid, mask: NonNullable<Persisted['mask']>, row: number, chunkRows: number): number[] {
  const y0 = grid.originY + row * grid.stride0;
  const top = Math.max(0, Math.floor((y0 - mask.originY) / mask.downsample - 0.5));
  const bottom = Math.min(mask.height - 1, Math.ceil((y0 + grid.size0 - mask.originY) / mask.downsample - 0.5));
  const out: number[] = [];
  for (let band = Math.floor(top / chunkRows); band <= Math.floor(bottom / chunkRows); band++) out.push(band);
  return out;
}

/** The cells of the done tiles in [a, b), tile after tile. */
function chunkCells(cells: CellStore, state: Uint8Array, a: number, b: number): SavedCells {
  let count = 0;
  for (let t = a; t < b; t++) if (state[t - a] === TileState.done && cells.tileStart[t] >= 0) count += cells.tileCount[t];
  const out: SavedCells = { count, x: new Float32Array(count), y: new Float32Array(count), classIndex: new Uint8Array(count), score: new Float32Array(count), tileStart: new Int32Array(b - a).fill(-1), tileCount: new Int32Array(b - a) };
  let at = 0;
  for (let t = a; t < b; t++) {
    const start = cells.tileStart[t];
    if (state[t - a] !== TileState.done || start < 0) continue;
    const k = cells.tileCount[t];
    out.x.set(cells.x.subarray(start, start + k), at);
    out.y.set(cells.y.subarray(start, start + k), at);
    out.classIndex.set(cells.classIndex.subarray(start, start + k), at);
    out.score.set(cells.score.subarray(start, start + k), at);
    out.tileStart[t - a] = at;
    out.tileCount[t - a] = k;
    at += k;
  }
  return out;
}

/** An incrementally saved analysis put back together, as restoreAnalysis takes it (chunks never written: as a fresh plan has them). */
export function assembleAnalysis(record: IncrementalRecord, chunks: ChunkRecord[]): SavedAnalysis {
  const n = record.grid.cols * record.grid.rows;
  const c = record.classNames.length;
  const m = record.measureNames.length;
  const state = new Uint8Array(n);
  const probabilities = new Float32Array(n * c);
  const classIndex = new Int16Array(n).fill(-1);
  const tissue = new Float32Array(n).fill(Number.NaN);
  const measures = new Float32Array(n * m);
  const maskData = record.mask ? new Uint8Array(record.mask.width * record.mask.height).fill(NOT_ANALYSED) : null;
  const tiles = chunks.filter((k): k is TileChunk => k.kind === 't').sort((x, y) => x.index - y.index);
  for (const k of tiles) {
    const a = k.index * record.chunkTiles;
    if (a + k.state.length > n) continue; // not of this grid: left as never analysed
    state.set(k.state, a);
    probabilities.set(k.probabilities, a * c);
    classIndex.set(k.classIndex, a);
    tissue.set(k.tissue, a);
    measures.set(k.measures, a * m);
  }
  if (maskData && record.mask) {
    for (const k of chunks) if (k.kind === 'm' && k.index * record.mask.chunkRows * record.mask.width + k.data.length <= maskData.length) maskData.set(k.data, k.index * record.mask.chunkRows * record.mask.width);
  }
  const { format: _f, chunkTiles: _c, hasCells, mask, ...summary } = record;
  return {
    ...summary,
    state,
    probabilities,
    classIndex,
    tissue,
    measures,
    mask: mask && maskData ? { width: mask.width, height: mask.height, downsample: mask.downsample, originX: mask.originX, originY: mask.originY, data: maskData } : undefined,
    cells: hasCells ? joinCells(tiles, n, record.chunkTiles) : undefined,
  };
}

function joinCells(tiles: TileChunk[], n: number, chunkTiles: number): SavedCells {
  const count = tiles.reduce((s, k) => s + (k.cells?.count ?? 0), 0);
  const out: SavedCells = { count, x: new Float32Array(count), y: new Float32Array(count), classIndex: new Uint8Array(count), score: new Float32Array(count), tileStart: new Int32Array(n).fill(-1), tileCount: new Int32Array(n) };
  let at = 0;
  for (const k of tiles) {
    const cells = k.cells;
    if (!cells) continue;
    const a = k.index * chunkTiles;
    out.x.set(cells.x, at);
    out.y.set(cells.y, at);
    out.classIndex.set(cells.classIndex, at);
    out.score.set(cells.score, at);
    for (let i = 0; i < cells.tileStart.length; i++) {
      out.tileStart[a + i] = cells.tileStart[i] < 0 ? -1 : cells.tileStart[i] + at;
      out.tileCount[a + i] = cells.tileCount[i];
    }
    at += cells.count;
  }
  return out;
}
