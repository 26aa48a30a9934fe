/**
 * Every cell a detection run found on a slide, as columns in level-0 pixels (DESIGN.md, decision 6: plain
 * typed arrays that overlays, summaries, exports and persistence all read). Cells are appended a tile at
 * a time and each tile's cells are contiguous, so `tileStart`/`tileCount` double as a spatial index: the
 * cells in view are those of the tiles in view. A cell belongs to the tile that owns its centre (the tile
 * grid's ownership rule), so overlapping tiles never count one twice.
 */
export interface CellStore {
  readonly classNames: string[];
  /** Cells held; the columns below have room for more (their length is the capacity). */
  count: number;
  x: Float32Array;
  y: Float32Array;
  classIndex: Uint8Array;
  score: Float32Array;
  /** Per tile of the grid: index of its first cell, -1 before it arrived. */
  readonly tileStart: Int32Array;
  /** Per tile of the grid: how many cells it owns. */
  readonly tileCount: Int32Array;
  /** Goes up on every change, so views redraw only when cells arrived. */
  version: number;
}

/** The columns of some cells: the store's, or a tile's before it is added. */
export interface CellColumns {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  classIndex: ArrayLike<number>;
  score: ArrayLike<number>;
}

export function createCellStore(classNames: string[], tiles: number, capacity = 1024): CellStore {
  return {
    classNames,
    count: 0,
    x: new Float32Array(capacity),
    y: new Float32Array(capacity),
    classIndex: new Uint8Array(capacity),
    score: new Float32Array(capacity),
    tileStart: new Int32Array(tiles).fill(-1),
    tileCount: new Int32Array(tiles),
    version: 0,
  };
}

function grow<T extends Float32Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** Appends one tile's cells (already in level-0 pixels and owned by the tile). A tile is added once. */
export function addTileCells(store: CellStore, tile: number, cells: CellColumns): void {
  const n = cells.x.length;
  const need = store.count + n;
  if (need > store.x.length) {
    const size = Math.max(need, store.x.length * 2);
    store.x = grow(store.x, size);
    store.y = grow(store.y, size);
    store.classIndex = grow(store.classIndex, size);
    store.score = grow(store.score, size);
  }
  const at = store.count;
  for (let i = 0; i < n; i++) {
    store.x[at + i] = cells.x[i];
    store.y[at + i] = cells.y[i];
    store.classIndex[at + i] = cells.classIndex[i];
    store.score[at + i] = cells.score[i];
  }
  store.tileStart[tile] = at;
  store.tileCount[tile] = n;
  store.count = need;
  store.version++;
}

/** Cells per class over the whole store (or over the given tiles). */
export function countCellsByClass(store: CellStore, tiles?: Iterable<number>): number[] {
  const counts = new Array<number>(store.classNames.length).fill(0);
  if (!tiles) {
    for (let i = 0; i < store.count; i++) counts[store.classIndex[i]]++;
    return counts;
  }
  for (const t of tiles) {
    const start = store.tileStart[t];
    if (start < 0) continue;
    for (let i = start; i < start + store.tileCount[t]; i++) counts[store.classIndex[i]]++;
  }
  return counts;
}
