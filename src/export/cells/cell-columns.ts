/**
 * The cells an export reads: the analysis's CellStore has these fields (analysis/cells/cell-store.ts), and
 * so can any other set of points (one image's cells in `tessera predict`). Named here by shape rather than
 * imported, so the writers take a store or plain columns alike.
 */
export interface CellTable {
  /** Class names in the model's order; `classIndex` indexes them. */
  readonly classNames: readonly string[];
  /** Cells held; columns may be longer (a store's spare capacity). */
  readonly count: number;
  /** Centres in level-0 pixels (or the image's pixels), pixel i spanning [i, i + 1). */
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly classIndex: ArrayLike<number>;
  readonly score: ArrayLike<number>;
}

/**
 * Float32 values to the digits they hold: nine significant digits give the stored value back exactly.
 * The same text as String(Number(v.toPrecision(9))), made by trimming trailing zeros instead of parsing
 * and printing again (half the time over a million cells).
 */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return '';
  const t = v.toPrecision(9);
  if (t.includes('e')) return String(Number(t));
  return t.includes('.') ? t.replace(/\.?0+$/, '') : t;
}

/** The same as a JSON number (Infinity and NaN are not JSON: null). */
export function float32Number(v: number): number | null {
  return Number.isFinite(v) ? Number(v.toPrecision(9)) : null;
}
