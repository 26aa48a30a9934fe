import { ownedRect, TileState, type MaskRaster, type ResultStore } from '../analysis';
import { TesseraError, createRgbaImage, type Rect, type RgbaImage } from '../core';
import type { Manifest } from '../inference';
import { parseHexColor } from './colormaps';

/**
 * Masks as rasters for a raster layer: a segmentation model's per-pixel classes in class colours, and
 * the tissue mask in one colour. Pure functions; the layer scales them over their level-0 rectangle.
 */

function checkSize(length: number, width: number, height: number): void {
  if (length !== width * height) throw new TesseraError('invalid-argument', `A ${width} x ${height} mask needs ${width * height} values, got ${length}.`);
}

/**
 * One class index per pixel → class colours (#rrggbb, by index). Classes in `transparent` (typically the
 * background class) and indices with no colour (or above 255) stay clear.
 */
export function classMaskRaster(mask: ArrayLike<number>, width: number, height: number, classColors: string[], transparent: number[] = []): RgbaImage {
  checkSize(mask.length, width, height);
  const table = new Uint8Array(256 * 4); // index → RGBA; a table keeps the per-pixel loop to four copies
  classColors.forEach((hex, i) => {
    if (i > 255 || transparent.includes(i)) return;
    table.set([...parseHexColor(hex), 255], i * 4);
  });
  const image = createRgbaImage(width, height);
  const out = image.data;
  for (let p = 0; p < mask.length; p++) {
    const c = mask[p];
    if (!(c >= 0 && c <= 255)) continue;
    const t = c * 4;
    const o = p * 4;
    out[o] = table[t];
    out[o + 1] = table[t + 1];
    out[o + 2] = table[t + 2];
    out[o + 3] = table[t + 3];
  }
  return image;
}

/** A yes/no mask (non-zero: yes), e.g. the tissue mask → `color` where yes, clear elsewhere. */
export function binaryMaskRaster(mask: ArrayLike<number>, width: number, height: number, color: string, alpha = 255): RgbaImage {
  checkSize(mask.length, width, height);
  const [r, g, b] = parseHexColor(color);
  const image = createRgbaImage(width, height);
  const out = image.data;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    const o = p * 4;
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    out[o + 3] = alpha;
  }
  return image;
}

/** Longest side of a segmentation mask as drawn: enough for the screen or a PNG, and a redraw stays a few MB. */
export const MASK_DISPLAY_SIDE = 4096;

/**
 * A run's stitched class mask as a layer: sampled down (nearest) to at most MASK_DISPLAY_SIDE a side, in
 * class colours, the classes the vote ignores (e.g. background) left clear; placed over its level-0 rectangle.
 * The viewer's mask layer and `tessera analyze --png` draw this.
 */
export function segmentationMaskLayer(mask: MaskRaster, manifest: Pick<Manifest, 'output' | 'vote'>): { image: RgbaImage; rect0: Rect } {
  const step = Math.max(1, Math.ceil(Math.max(mask.width, mask.height) / MASK_DISPLAY_SIDE));
  const w = Math.ceil(mask.width / step);
  const h = Math.ceil(mask.height / step);
  const data = step === 1 ? mask.data : new Uint8Array(w * h);
  if (step > 1) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = mask.data[y * step * mask.width + x * step];
  const classes = manifest.output.classes;
  const clear = manifest.vote.ignore.map((n) => classes.findIndex((c) => c.name === n)).filter((i) => i >= 0);
  return { image: classMaskRaster(data, w, h, classes.map((c) => c.color), [...clear, 255]), rect0: { x: mask.originX, y: mask.originY, width: w * step * mask.downsample, height: h * step * mask.downsample } };
}

/**
 * The segmentation mask layer kept up to date as tiles arrive: only the squares of tiles whose state
 * changed since the last update are repainted (a full repaint of a megapixel mask is a long task on the
 * page's thread). `image` and `rect0` are what segmentationMaskLayer gives; update() returns the raster
 * rectangle that changed, for RasterLayer.update.
 */
export class MaskPainter {
  readonly image: RgbaImage;
  readonly rect0: Rect;
  private readonly step: number;
  private readonly table = new Uint8Array(256 * 4);
  private readonly drawnState: Uint8Array;
  private drawnVersion = -1;
  /** The colour table as 32-bit pixels. */
  private readonly colours: Uint32Array;

  constructor(private readonly mask: MaskRaster, private readonly store: Pick<ResultStore, 'grid' | 'state' | 'version'>, manifest: Pick<Manifest, 'output' | 'vote'>) {
    this.step = Math.max(1, Math.ceil(Math.max(mask.width, mask.height) / MASK_DISPLAY_SIDE));
    const w = Math.ceil(mask.width / this.step);
    const h = Math.ceil(mask.height / this.step);
    this.image = createRgbaImage(w, h);
    this.rect0 = { x: mask.originX, y: mask.originY, width: w * this.step * mask.downsample, height: h * this.step * mask.downsample };
    const classes = manifest.output.classes;
    const clear = manifest.vote.ignore.map((n) => classes.findIndex((c) => c.name === n)).filter((i) => i >= 0);
    classes.forEach((c, i) => {
      if (i < 255 && !clear.includes(i)) this.table.set([...parseHexColor(c.color), 255], i * 4);
    });
    this.drawnState = new Uint8Array(store.state.length);
    this.colours = new Uint32Array(this.table.buffer);
  }

  /** Repaints the squares of tiles that changed; returns the raster rectangle that changed, or null. */
  update(): Rect | null {
    const { store } = this;
    if (store.version === this.drawnVersion) return null;
    this.drawnVersion = store.version;
    let dirty: Rect | null = null;
    for (let t = 0; t < store.state.length; t++) {
      if (store.state[t] === this.drawnState[t]) continue;
      this.drawnState[t] = store.state[t];
      // Only analysed tiles have anything stitched; the rest of the raster stays clear.
      if (store.state[t] !== TileState.done) continue;
      const r = this.paintTile(t);
      if (r) dirty = dirty ? union(dirty, r) : r;
    }
    return dirty;
  }

  private paintTile(tile: number): Rect | null {
    const { mask, step, image } = this;
    // The square the tile owns, in display pixels.
    const owned = ownedRect(this.store.grid, tile);
    const scale = mask.downsample * step;
    const x0 = Math.max(0, Math.floor((owned.x - mask.originX) / scale));
    const y0 = Math.max(0, Math.floor((owned.y - mask.originY) / scale));
    const x1 = Math.min(image.width, Math.ceil((owned.x + owned.width - mask.originX) / scale));
    const y1 = Math.min(image.height, Math.ceil((owned.y + owned.height - mask.originY) / scale));
    if (x1 <= x0 || y1 <= y0) return null;
    // One 32-bit write a pixel (RGBA in memory order, whatever the platform's byte order).
    const out = new Uint32Array(image.data.buffer, image.data.byteOffset, image.width * image.height);
    const colours = this.colours;
    for (let y = y0; y < y1; y++) {
      const src = Math.min(mask.height - 1, y * step) * mask.width;
      const row = y * image.width;
      for (let x = x0; x < x1; x++) out[row + x] = colours[mask.data[src + Math.min(mask.width - 1, x * step)]];
    }
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }
}

function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}
