import { lymphocyteClass, ownedAreaMm2, tumourClass, type TileGrid } from '../analysis';
import { TesseraError, createRgbaImage, type Rect, type RgbaImage } from '../core';
import { colormap, lutIndex, type ColormapName } from './colormaps';
import { heatmapRect } from './heatmap-raster';
import { formatTick, rampLegend, type Legend } from './legend';

/**
 * Cells seen from afar (issue 13): below about 5x single dots are too small to read, so each tile's square
 * is coloured by how many cells of a class it holds per mm², or by its lymphocyte ratio. One raster pixel
 * per tile, on the same lattice as the heatmap (heatmapRect), so the viewer draws it as a raster layer and
 * the PNG export paints the same picture. Pure functions, no DOM.
 */

/**
 * The columns of a CellStore (analysis/cells/cell-store.ts) this needs, named structurally so that render/
 * does not reach into analysis/'s internals: cells of tile t are [tileStart[t], tileStart[t] + tileCount[t]).
 */
export interface CellColumnsView {
  readonly classNames: string[];
  readonly count: number;
  readonly classIndex: ArrayLike<number>;
  readonly tileStart: ArrayLike<number>;
  readonly tileCount: ArrayLike<number>;
}

export type CellDensityMode =
  /** Cells of one class (or of every class, classIndex null) per mm² of the area each tile owns (as the tile measures count them). */
  | { kind: 'density'; classIndex: number | null; colormap: ColormapName; range?: [number, number] }
  /** Cells of class `of` ÷ cells of classes `of` and `against` together (the lymphocyte ratio); 0 to 1. */
  | { kind: 'ratio'; of: number; against: number[]; colormap: ColormapName; title?: string };

/**
 * The lymphocyte ratio's mode for these classes, or null when the model has no lymphocyte or no tumour
 * class (found by name as the slide summary finds them, analysis/cells/cell-summary.ts, so the heatmap and
 * the summary read the same classes).
 */
export function lymphocyteRatioMode(classNames: readonly string[], map: ColormapName = 'viridis'): CellDensityMode | null {
  const of = lymphocyteClass(classNames);
  const against = tumourClass(classNames);
  if (of < 0 || against < 0) return null;
  return { kind: 'ratio', of, against: [against], colormap: map, title: `Lymphocyte ratio (${classNames[of]} ÷ (${classNames[of]} + ${classNames[against]}))` };
}

/** Per tile and class, how many cells it owns: counts[t * classes + c]. Tiles not analysed yet count nothing (see `done`). */
export function tileClassCounts(store: CellColumnsView, tiles: number): { counts: Int32Array; done: Uint8Array } {
  const k = store.classNames.length;
  const counts = new Int32Array(tiles * k);
  const done = new Uint8Array(tiles);
  for (let t = 0; t < tiles; t++) {
    const start = store.tileStart[t];
    if (start < 0) continue;
    done[t] = 1;
    const end = start + store.tileCount[t];
    for (let i = start; i < end; i++) counts[t * k + store.classIndex[i]]++;
  }
  return { counts, done };
}

function checkClass(store: CellColumnsView, c: number): void {
  if (!(Number.isInteger(c) && c >= 0 && c < store.classNames.length)) throw new TesseraError('invalid-argument', `These cells have ${store.classNames.length} classes; there is no class ${c}.`);
}

/**
 * Each tile's value in `mode`, row by row as the grid numbers tiles: cells per mm², or the ratio. NaN where
 * nothing can be said (a tile not analysed, or a ratio of no cells), which the raster leaves clear.
 */
export function cellTileValues(store: CellColumnsView, grid: TileGrid, mode: CellDensityMode): Float32Array {
  const tiles = grid.cols * grid.rows;
  const k = store.classNames.length;
  const { counts, done } = tileClassCounts(store, tiles);
  const out = new Float32Array(tiles).fill(Number.NaN);
  if (mode.kind === 'density') {
    if (mode.classIndex !== null) checkClass(store, mode.classIndex);
    for (let t = 0; t < tiles; t++) {
      if (!done[t]) continue;
      // Edge tiles own more than their heatmap square (out to their own edge): densities divide by what they own.
      const perMm2 = 1 / ownedAreaMm2(grid, t);
      let n = 0;
      if (mode.classIndex === null) for (let c = 0; c < k; c++) n += counts[t * k + c];
      else n = counts[t * k + mode.classIndex];
      out[t] = n * perMm2;
    }
    return out;
  }
  checkClass(store, mode.of);
  mode.against.forEach((c) => checkClass(store, c));
  for (let t = 0; t < tiles; t++) {
    if (!done[t]) continue;
    const a = counts[t * k + mode.of];
    let b = 0;
    for (const c of mode.against) b += counts[t * k + c];
    if (a + b > 0) out[t] = a / (a + b);
  }
  return out;
}

/** The smallest of 1, 2, 2.5, 5 x 10^n at or above v (a colour range that reads well on a legend). */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * (1 - 1e-9)) return m * p;
  return 10 * p;
}

/** The colour range of a mode: its own, [0, 1] for ratios, else 0 to a round number at or above the highest tile. */
export function cellDensityRange(values: Float32Array, mode: CellDensityMode): [number, number] {
  if (mode.kind === 'ratio') return [0, 1];
  if (mode.range) return mode.range;
  let hi = 0;
  for (const v of values) if (v > hi) hi = v;
  return [0, niceCeil(hi)];
}

export interface CellDensityPicture {
  /** cols x rows RGBA, one pixel per tile; clear where a tile has no value. */
  image: RgbaImage;
  /** Where it goes: the tiles' owned squares (as the heatmap's). */
  rect0: Rect;
  range: [number, number];
  values: Float32Array;
}

/** The density (or ratio) heatmap of some cells over their tile grid. */
export function renderCellDensity(store: CellColumnsView, grid: TileGrid, mode: CellDensityMode): CellDensityPicture {
  const values = cellTileValues(store, grid, mode);
  const range = cellDensityRange(values, mode);
  const [lo, hi] = range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new TesseraError('invalid-argument', `A colour range must go from a lower to a higher number, got [${lo}, ${hi}].`);
  const lut = colormap(mode.colormap).lut;
  const image = createRgbaImage(grid.cols, grid.rows);
  const d = image.data;
  const scale = 1 / (hi - lo);
  for (let t = 0; t < values.length; t++) {
    const v = values[t];
    if (Number.isNaN(v)) continue;
    const i = lutIndex((v - lo) * scale) * 3;
    d[t * 4] = lut[i];
    d[t * 4 + 1] = lut[i + 1];
    d[t * 4 + 2] = lut[i + 2];
    d[t * 4 + 3] = 255;
  }
  return { image, rect0: heatmapRect(grid), range, values };
}

/** What a mode is called, for menus and the legend's title. */
export function cellDensityTitle(classNames: readonly string[], mode: CellDensityMode): string {
  if (mode.kind === 'ratio') return mode.title ?? `${classNames[mode.of]} ratio`;
  return mode.classIndex === null ? 'All cells per mm²' : `${classNames[mode.classIndex]} cells per mm²`;
}

/** The legend of a density picture (the same lookup table as the raster, over its range). */
export function cellDensityLegend(classNames: readonly string[], mode: CellDensityMode, range: [number, number]): Legend {
  const format = mode.kind === 'ratio' ? (v: number) => v.toFixed(2) : formatTick;
  return rampLegend(cellDensityTitle(classNames, mode), mode.colormap, range, { format });
}
