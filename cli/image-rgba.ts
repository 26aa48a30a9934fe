import type { ModelImage } from '../src/inference';

/** An image's pixels as RGBA, 4 bytes a pixel, as a slide's regions are (detection runs an image as a slide). */
export interface RgbaImagePixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/**
 * A decoded image as RGBA: RGB gets an opaque alpha, grey is copied to the three channels, CMYK converted
 * as PIL's convert('RGB') does (libImaging cmyk2rgb, the same integer formula as inference/preprocess's
 * cmykToRgb), so the slide path sees what the image path would.
 */
export function toRgba(image: ModelImage): RgbaImagePixels {
  const { width, height, data, format } = image;
  const n = width * height;
  if (format === 'rgba') return { width, height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, n * 4) };
  const out = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    const o = 4 * p;
    if (format === 'rgb') {
      out[o] = data[3 * p];
      out[o + 1] = data[3 * p + 1];
      out[o + 2] = data[3 * p + 2];
    } else if (format === 'grey') {
      out[o] = out[o + 1] = out[o + 2] = data[p];
    } else {
      const nk = 255 - data[o + 3];
      for (let c = 0; c < 3; c++) {
        const t = data[o + c] * nk + 128;
        out[o + c] = nk - (((t >> 8) + t) >> 8);
      }
    }
    out[o + 3] = 255;
  }
  return { width, height, data: out };
}
