import type { TileGrid } from '../grid/tile-grid';

/** What happened to a tile of the grid. */
export const TileState = {
  /** Not analysed (yet, or outside what the run covers). */
  pending: 0,
  /** Analysed: its probabilities are in the store. */
  done: 1,
  /** Too little tissue: skipped. */
  background: 2,
  /** Its pixels could not be read (a corrupt tile in the file): marked and skipped. */
  failed: 3,
} as const;
export type TileStateValue = (typeof TileState)[keyof typeof TileState];

/**
 * A run's results as typed arrays indexed by tile (DESIGN.md, decision 6): overlays, the vote, exports
 * and persistence all read this one store. Plain data; `version` goes up on every change so that views
 * can redraw only when something arrived.
 */
export interface ResultStore {
  readonly grid: TileGrid;
  readonly classNames: string[];
  /** Per tile: TileState. */
  readonly state: Uint8Array;
  /** Per tile and class, classes last: probabilities (classification) or class area fractions (segmentation). */
  readonly probabilities: Float32Array;
  /** Per tile: the predicted class (classification) or the class most pixels have (segmentation); -1 before. */
  readonly classIndex: Int16Array;
  /** Per tile: fraction of the tile that is tissue (from the tissue mask), NaN when not measured. */
  readonly tissue: Float32Array;
  /** Per tile: measurements named in `measureNames` (segmentation summaries), classes last order. */
  readonly measureNames: string[];
  readonly measures: Float32Array;
  version: number;
}

export function createResultStore(grid: TileGrid, classNames: string[], measureNames: string[] = []): ResultStore {
  const n = grid.cols * grid.rows;
  return {
    grid,
    classNames,
    state: new Uint8Array(n),
    probabilities: new Float32Array(n * classNames.length),
    classIndex: new Int16Array(n).fill(-1),
    tissue: new Float32Array(n).fill(Number.NaN),
    measureNames,
    measures: new Float32Array(n * measureNames.length),
    version: 0,
  };
}

export function setTileResult(store: ResultStore, index: number, probabilities: ArrayLike<number>, classIndex: number, measures?: ArrayLike<number>): void {
  const k = store.classNames.length;
  store.probabilities.set(probabilities, index * k);
  store.classIndex[index] = classIndex;
  if (measures && store.measureNames.length) store.measures.set(measures, index * store.measureNames.length);
  store.state[index] = TileState.done;
  store.version++;
}

export function setTileState(store: ResultStore, index: number, state: TileStateValue): void {
  store.state[index] = state;
  store.version++;
}

export function tileProbabilities(store: ResultStore, index: number): Float32Array {
  const k = store.classNames.length;
  return store.probabilities.subarray(index * k, index * k + k);
}

export function countStates(store: ResultStore): Record<keyof typeof TileState, number> {
  const counts = { pending: 0, done: 0, background: 0, failed: 0 };
  for (const s of store.state) {
    if (s === TileState.done) counts.done++;
    else if (s === TileState.background) counts.background++;
    else if (s === TileState.failed) counts.failed++;
    else counts.pending++;
  }
  return counts;
}
