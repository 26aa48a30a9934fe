import * as tf from '@tensorflow/tfjs';
import type { StainMatrix, StainSettings } from '../manifest';
import { estimateStainMatrix } from '../stain';
import { colourOf, pixelsToTensor, type ModelImage } from './pixels-to-tensor';
import { toRgb } from './to-channel-mode';

/**
 * The stain matrix one image is separated with: the caller's (estimated once per slide), the manifest's
 * for `fixed`, else one estimated from the image itself (`tile`, and `slide` when the caller has none),
 * falling back to the manifest's matrix when the image has too little stain to estimate from.
 */
export async function resolveStainMatrix(image: ModelImage, settings: StainSettings, given?: StainMatrix): Promise<StainMatrix> {
  if (given) return given;
  if (settings.estimate === 'fixed') return settings.matrix;
  let pixels: ArrayLike<number> = image.data;
  let stride = image.format === 'rgba' ? 4 : 3;
  if (image.format === 'grey' || image.format === 'cmyk') {
    const rgb = tf.tidy(() => {
      const t = pixelsToTensor(image);
      return toRgb(t, colourOf(image.format));
    });
    pixels = await rgb.data();
    rgb.dispose();
    stride = 3;
  }
  return estimateStainMatrix(pixels, stride, settings) ?? settings.matrix;
}
