import { TesseraError, createRgbaImage, type RgbaImage } from '../../core';
import type { Slide } from '../../slide';

/** An image's pixels, 4 bytes a pixel (RGBA), row by row. */
export interface RgbaPixels {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

export interface ImageSlideOptions {
  /** µm per pixel the slide states. */
  mpp: number;
  name?: string;
  /**
   * The slide's size when larger than the image: the extra columns and rows (right and bottom) mirror the
   * image (reflection without repeating the edge pixel, as numpy's and torch's "reflect" padding).
   */
  width?: number;
  height?: number;
}

/** Index i of a padded axis of an n-pixel image, reflected into [0, n) (repeatedly for pads longer than n). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/**
 * An image in memory as a one-level slide, so that a whole image goes through the same grid, run, sink and
 * stitching as a slide (detectCellsInImage). Regions outside the slide are transparent, as OpenSlide's.
 */
export function imageSlide(image: RgbaPixels, options: ImageSlideOptions): Slide {
  const { width: iw, height: ih } = image;
  if (image.data.length !== iw * ih * 4) throw new TesseraError('invalid-argument', `The image's pixels are not RGBA (${image.data.length} bytes for ${iw} x ${ih}).`);
  const width = options.width ?? iw;
  const height = options.height ?? ih;
  if (width < iw || height < ih) throw new TesseraError('internal', 'An image slide cannot be smaller than its image.');
  const name = options.name ?? 'image';
  // Whole pixels at once (4 bytes each); a view at an odd offset is copied first so it can be read so.
  const bytes = image.data.byteOffset % 4 ? image.data.slice() : image.data;
  const src = new Uint32Array(bytes.buffer, bytes.byteOffset, iw * ih);
  return {
    info: {
      name,
      fileSize: image.data.length,
      format: 'generic-tiff',
      vendor: 'generic-tiff',
      levels: [{ width, height, downsample: 1, tileWidth: width, tileHeight: height, compression: 'none', synthesized: false }],
      mppX: options.mpp,
      mppY: options.mpp,
      associated: [],
      properties: {},
    },
    async readRegion(level, x, y, w, h): Promise<RgbaImage> {
      if (level !== 0) throw new TesseraError('invalid-argument', `An image has one level; level ${level} was asked for.`);
      const out = createRgbaImage(w, h);
      const dst = new Uint32Array(out.data.buffer, out.data.byteOffset, w * h);
      for (let row = 0; row < h; row++) {
        const sy = y + row;
        if (sy < 0 || sy >= height) continue;
        const from = reflect(sy, ih) * iw;
        for (let col = 0; col < w; col++) {
          const sx = x + col;
          if (sx < 0 || sx >= width) continue;
          dst[row * w + col] = src[from + reflect(sx, iw)];
        }
      }
      return out;
    },
    readAssociated: async (n) => {
      throw new TesseraError('invalid-argument', `An image has no associated image "${n}".`);
    },
    bytesRead: async () => 0,
    close: async () => {},
  };
}
