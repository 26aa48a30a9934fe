import * as tf from '@tensorflow/tfjs';
import { TesseraError } from '../../core';

/**
 * How an image's samples are laid out: `rgba` (the slide engine's tiles, alpha dropped), `rgb`, `grey`
 * (one channel) or `cmyk` (four channels, as a CMYK JPEG or TIFF stores them, 0 = no ink).
 */
export type PixelFormat = 'rgba' | 'rgb' | 'grey' | 'cmyk';

/** One image for a model: 8-bit samples, row-major, channels interleaved, no padding. */
export interface ModelImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
  format: PixelFormat;
}

/** The colour space an image is in once alpha is dropped. */
export type ImageColour = 'rgb' | 'grey' | 'cmyk';

export const SAMPLES_PER_PIXEL: Record<PixelFormat, number> = { rgba: 4, rgb: 3, grey: 1, cmyk: 4 };

export function colourOf(format: PixelFormat): ImageColour {
  return format === 'rgba' ? 'rgb' : format;
}

/** An image's samples as a float32 [height, width, channels] tensor of 0-255 values; RGBA loses its alpha. */
export function pixelsToTensor(image: ModelImage): tf.Tensor3D {
  const { width, height, data, format } = image;
  const n = SAMPLES_PER_PIXEL[format];
  if (n === undefined) throw new TesseraError('invalid-argument', `Unknown pixel format "${String(format)}".`);
  if (!(width > 0 && height > 0) || data.length !== width * height * n) {
    throw new TesseraError('invalid-argument', `A ${width} x ${height} ${format} image needs ${width * height * n} samples, got ${data.length}.`);
  }
  const all = tf.tensor3d(Float32Array.from(data), [height, width, n], 'float32');
  if (format !== 'rgba') return all;
  const rgb = tf.slice(all, [0, 0, 0], [height, width, 3]);
  all.dispose();
  return rgb;
}
