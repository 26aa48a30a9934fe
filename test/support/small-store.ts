import type { TileGrid } from '../../src/analysis/grid/tile-grid';
import { createResultStore, setTileResult, setTileState, TileState, type ResultStore } from '../../src/analysis/results/result-store';

/** A 4 x 3 grid of 100 px tiles with 50% overlap (stride 50), starting at (1000, 2000) level-0. */
export function smallGrid(overrides: Partial<TileGrid> = {}): TileGrid {
  return { cols: 4, rows: 3, originX: 1000, originY: 2000, size0: 100, stride0: 50, level: 0, levelSize: 100, patchSize: [100, 100], mpp: 0.5, mppSource: 'slide', modelMpp: 0.5, ...overrides };
}

/**
 * Three classes and one measure. Tile states by index:
 *   0 done (p = 0.1, 0.2, 0.7; class 2), 1 done (0.6, 0.3, 0.1; class 0), 2 background, 3 failed,
 *   4 done (0, 1, 0; class 1), 5 pending, rest pending.
 */
export function smallStore(): ResultStore {
  const store = createResultStore(smallGrid(), ['stroma', 'lymph', 'tumour'], ['nucleus_fraction']);
  setTileResult(store, 0, [0.1, 0.2, 0.7], 2, [0.25]);
  setTileResult(store, 1, [0.6, 0.3, 0.1], 0, [0.5]);
  setTileState(store, 2, TileState.background);
  setTileState(store, 3, TileState.failed);
  setTileResult(store, 4, [0, 1, 0], 1, [1]);
  store.tissue.set([0.9, 0.8, 0.05, 0.6, 1, 0.5]);
  return store;
}

export const CLASS_COLORS = ['#3b8f4a', '#4a7fbf', '#c0392b'];
