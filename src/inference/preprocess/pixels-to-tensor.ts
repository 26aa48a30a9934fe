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

/**
 * Raw samples of a multi-channel slide's named channels (manifest input.slideChannels) for a model: the
 * slide's own values (8- or 16-bit, signed or not) as float32, row-major, channels interleaved in the
 * manifest's order.
 */
export interface ChannelImage {
  width: number;
  height: number;
  format: 'channels';
  channels: number;
  data: Float32Array;
}

/** What a model is given: pixels (8-bit colour) or a slide's raw channels. */
export type ModelInput = ModelImage | ChannelImage;

export function isChannelImage(image: ModelInput): image is ChannelImage {
  return image.format === 'channels';
}

/**
 * A region's channel planes (the slide engine's readChannels), one plane per channel in `planes`'s order,
 * interleaved into a ChannelImage.
 */
export function channelImageOf(region: { width: number; height: number; planes: ArrayLike<number>[] }): ChannelImage {
  const { width, height, planes } = region;
  const n = planes.length;
  const count = width * height;
  planes.forEach((p, c) => {
    if (p.length !== count) throw new TesseraError('internal', `Channel plane ${c} holds ${p.length} samples, not ${width} x ${height}.`);
  });
  const data = new Float32Array(count * n);
  for (let c = 0; c < n; c++) {
    const plane = planes[c];
    for (let i = 0, o = c; i < count; i++, o += n) data[o] = plane[i];
  }
  return { width, height, format: 'channels', channels: n, data };
}

/** A ChannelImage's samples as a float32 [height, width, channels] tensor. */
export function channelsToTensor(image: ChannelImage): tf.Tensor3D {
  const { width, height, channels, data } = image;
  if (!(width > 0 && height > 0 && channels > 0) || data.length !== width * height * channels) {
    throw new TesseraError('invalid-argument', `A ${width} x ${height} image of ${channels} channels needs ${width * height * channels} samples, got ${data.length}.`);
  }
  return tf.tensor3d(data, [height, width, channels], 'float32');
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
