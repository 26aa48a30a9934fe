import { TesseraError } from '../../core/errors';
import { createRgbaImage, type RgbaImage } from '../../core/image';
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
