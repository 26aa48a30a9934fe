import type { MaskRaster } from '../analysis/segmentation';
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
