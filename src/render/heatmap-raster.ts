import { TileState, type TileGrid, type ResultStore } from '../analysis';
import { TesseraError, createRgbaImage, type Rect, type RgbaImage } from '../core';
import { colormap, lutIndex, parseHexColor, type ColormapName, type Rgba } from './colormaps';

/**
 * A run's results as a raster (DESIGN.md, decision 6): one pixel per tile, cols x rows, each pixel the
 * colour of the square its tile owns (tile-grid.ts, ownedRect). Owned squares form a regular lattice, so
 * the whole raster sits on one level-0 rectangle (heatmapRect) and a raster layer scales it up with
 * nearest-neighbour sampling. Pure functions: no DOM, no OpenSeadragon.
 */

export type HeatmapMode =
  /** One class's probability (or area fraction, for segmentation) through a colour map; range defaults to [0, 1]. */
  | { kind: 'probability'; classIndex: number; colormap: ColormapName; range?: [number, number] }
  /** Each tile in the colour of its predicted class (the manifest's class colours, #rrggbb, by class index). */
  | { kind: 'argmax'; classColors: string[] }
  /** A named per-tile measurement (segmentation summaries) through a colour map over `range`. */
  | { kind: 'measure'; name: string; colormap: ColormapName; range: [number, number] }
  /** The fraction of each tile that is tissue: `color` (default green) with that fraction as its alpha. */
  | { kind: 'tissue'; color?: string };

/** Tiles whose pixels could not be read: the grey of the viewer's "unreadable" placeholder, mostly opaque. */
export const FAILED_RGBA: Rgba = [107, 107, 107, 200];
export const DEFAULT_TISSUE_COLOR = '#2ecc71';

/** The level-0 rectangle the heatmap raster covers: the union of the tiles' owned squares. */
export function heatmapRect(grid: TileGrid): Rect {
  const margin = (grid.size0 - grid.stride0) / 2;
  return { x: grid.originX + margin, y: grid.originY + margin, width: grid.cols * grid.stride0, height: grid.rows * grid.stride0 };
}

/** Writes tile `index`'s colour at byte `o` of an RGBA buffer. */
type CellPainter = (index: number, out: Uint8ClampedArray, o: number) => void;

function put(out: Uint8ClampedArray, o: number, r: number, g: number, b: number, a: number): void {
  out[o] = r;
  out[o + 1] = g;
  out[o + 2] = b;
  out[o + 3] = a;
}

/** Value → colour through a colour map over [lo, hi]; NaN stays transparent (nothing to show). */
function rampPainter(name: ColormapName, range: [number, number], value: (index: number) => number): CellPainter {
  const lut = colormap(name).lut;
  const [lo, hi] = range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new TesseraError('invalid-argument', `A colour range must go from a lower to a higher number, got [${lo}, ${hi}].`);
  const scale = 1 / (hi - lo);
  return (index, out, o) => {
    const v = value(index);
    if (Number.isNaN(v)) return put(out, o, 0, 0, 0, 0);
    const i = lutIndex((v - lo) * scale) * 3;
    put(out, o, lut[i], lut[i + 1], lut[i + 2], 255);
  };
}

/** The colour of a tile whose results are in (state done), by mode. */
function resultPainter(store: ResultStore, mode: Exclude<HeatmapMode, { kind: 'tissue' }>): CellPainter {
  const k = store.classNames.length;
  switch (mode.kind) {
    case 'probability': {
      const c = mode.classIndex;
      if (!(Number.isInteger(c) && c >= 0 && c < k)) throw new TesseraError('invalid-argument', `This model has ${k} classes; there is no class ${c}.`);
      return rampPainter(mode.colormap, mode.range ?? [0, 1], (i) => store.probabilities[i * k + c]);
    }
    case 'measure': {
      const m = store.measureNames.indexOf(mode.name);
      if (m < 0) throw new TesseraError('invalid-argument', `This run measured no "${mode.name}".`, `measures: ${store.measureNames.join(', ') || 'none'}`);
      const n = store.measureNames.length;
      return rampPainter(mode.colormap, mode.range, (i) => store.measures[i * n + m]);
    }
    case 'argmax': {
      if (mode.classColors.length < k) throw new TesseraError('invalid-argument', `This model has ${k} classes but ${mode.classColors.length} class colours.`);
      const colors = mode.classColors.map(parseHexColor);
      return (index, out, o) => {
        const c = colors[store.classIndex[index]];
        if (c) put(out, o, c[0], c[1], c[2], 255);
        else put(out, o, 0, 0, 0, 0);
      };
    }
  }
}

/**
 * The colour of any tile: failed tiles are marked in every mode; in result modes only finished tiles have
 * a colour (pending and background stay transparent); tissue shows wherever the fraction was measured.
 */
export function cellPainter(store: ResultStore, mode: HeatmapMode): CellPainter {
  const [fr, fg, fb, fa] = FAILED_RGBA;
  if (mode.kind === 'tissue') {
    const [r, g, b] = parseHexColor(mode.color ?? DEFAULT_TISSUE_COLOR);
    return (index, out, o) => {
      if (store.state[index] === TileState.failed) return put(out, o, fr, fg, fb, fa);
      const t = store.tissue[index];
      if (Number.isNaN(t)) put(out, o, 0, 0, 0, 0);
      else put(out, o, r, g, b, Math.round(Math.min(1, Math.max(0, t)) * 255));
    };
  }
  const done = resultPainter(store, mode);
  return (index, out, o) => {
    const s = store.state[index];
    if (s === TileState.done) done(index, out, o);
    else if (s === TileState.failed) put(out, o, fr, fg, fb, fa);
    else put(out, o, 0, 0, 0, 0);
  };
}

/** The whole heatmap: cols x rows RGBA, pixel (col, row) = tile row * cols + col. */
export function renderHeatmap(store: ResultStore, mode: HeatmapMode): RgbaImage {
  const { cols, rows } = store.grid;
  const image = createRgbaImage(cols, rows);
  const paint = cellPainter(store, mode);
  for (let i = 0, n = cols * rows; i < n; i++) paint(i, image.data, i * 4);
  return image;
}

/**
 * Keeps a heatmap raster up to date as results arrive, repainting only tiles whose state changed since
 * the last update (a run changes a few tiles per batch; the raster layer then uploads only that
 * rectangle). A result replaced without a change of state is not noticed: call repaint() then.
 * Tissue mode repaints everything whenever the store changed, since tissue fractions carry no state.
 */
export class HeatmapPainter {
  readonly image: RgbaImage;
  private paint: CellPainter;
  private mode: HeatmapMode;
  private readonly drawnState: Uint8Array;
  private drawnVersion = -1;
  private full = true;

  constructor(
    readonly store: ResultStore,
    mode: HeatmapMode,
  ) {
    this.mode = mode;
    this.paint = cellPainter(store, mode);
    this.image = createRgbaImage(store.grid.cols, store.grid.rows);
    this.drawnState = new Uint8Array(store.state.length);
  }

  get currentMode(): HeatmapMode {
    return this.mode;
  }

  setMode(mode: HeatmapMode): void {
    this.paint = cellPainter(this.store, mode); // throws before anything changes if the mode is bad
    this.mode = mode;
    this.full = true;
  }

  repaint(): void {
    this.full = true;
  }

  /** Brings the raster up to date; returns the raster rectangle (pixels) that changed, or null. */
  update(): Rect | null {
    const { store } = this;
    if (!this.full && store.version === this.drawnVersion) return null;
    const cols = store.grid.cols;
    const all = this.full || this.mode.kind === 'tissue';
    let x0 = cols;
    let y0 = store.grid.rows;
    let x1 = -1;
    let y1 = -1;
    for (let i = 0, n = store.state.length; i < n; i++) {
      const s = store.state[i];
      if (!all && s === this.drawnState[i]) continue;
      this.drawnState[i] = s;
      this.paint(i, this.image.data, i * 4);
      const col = i % cols;
      const row = (i - col) / cols;
      if (col < x0) x0 = col;
      if (col > x1) x1 = col;
      if (row < y0) y0 = row;
      y1 = row; // rows only grow with i
    }
    this.full = false;
    this.drawnVersion = store.version;
    return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  }
}
