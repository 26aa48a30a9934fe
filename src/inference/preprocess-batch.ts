import * as tf from '@tensorflow/tfjs';
import { TesseraError } from '../core';
import { inputChannelCount, type Manifest, type StainMatrix } from './manifest';
import { normalize } from './preprocess/normalize';
import { channelsToTensor, colourOf, isChannelImage, pixelsToTensor, type ModelImage, type ModelInput } from './preprocess/pixels-to-tensor';
import { resizeBilinear } from './preprocess/resize-bilinear';
import { resolveStainMatrix } from './preprocess/resolve-stain-matrix';
import { toChannelMode } from './preprocess/to-channel-mode';

export interface PreprocessOptions {
  /** The batch's fixed size: fewer images are padded with black images (DESIGN.md, decision 5). */
  batchSize: number;
  /** A stain matrix estimated once for the whole slide (channels he-macenko). */
  stainMatrix?: StainMatrix;
}

/**
 * Images → the model's input batch, NHWC float32 [batchSize, h, w, c]. Per image, in the order the
 * PyTorch code that trained a model would apply them (PIL convert, then transforms): channel mode →
 * bilinear resize to input.size (skipped when already that size) → then for the batch (x / scale - mean) / std.
 */
export async function preprocessBatch(images: ModelInput[], manifest: Manifest, options: PreprocessOptions): Promise<tf.Tensor4D> {
  const { batchSize } = options;
  if (images.length === 0 || images.length > batchSize) throw new TesseraError('internal', `A batch holds 1 to ${batchSize} images, got ${images.length}.`);
  const { size, channels, scale, mean, std, stain } = manifest.input;
  images.forEach((image) => checkInputKind(image, manifest));
  const matrices = channels === 'he-macenko' && stain
    ? await Promise.all((images as ModelImage[]).map((im) => resolveStainMatrix(im, stain, options.stainMatrix)))
    : [];
  return tf.tidy(() => {
    const each = images.map((image, i) => {
      if (isChannelImage(image)) return resizeBilinear(channelsToTensor(image), size);
      const pixels = pixelsToTensor(image);
      const converted = toChannelMode(pixels, colourOf(image.format), channels, stain ? { matrix: matrices[i], io: stain.io } : undefined);
      return resizeBilinear(converted, size);
    });
    let batch = tf.stack(each) as tf.Tensor4D;
    if (images.length < batchSize) {
      batch = tf.concat([batch, tf.zeros([batchSize - images.length, size[0], size[1], inputChannelCount(manifest.input)])]);
    }
    return normalize(batch, scale, mean, std);
  });
}

/**
 * A model that names slide channels takes a multi-channel slide's raw channels and nothing else (not a
 * patch, not an RGB slide); other models take pixels.
 */
function checkInputKind(image: ModelInput, manifest: Manifest): void {
  const named = manifest.input.slideChannels;
  if (named && !isChannelImage(image)) {
    throw new TesseraError('invalid-argument', `${manifest.name} takes the slide channels ${named.join(', ')} (its manifest's input.slideChannels), so it runs on multi-channel fluorescence slides only, not on colour images.`);
  }
  if (isChannelImage(image) && image.channels !== inputChannelCount(manifest.input)) {
    throw new TesseraError('internal', `${manifest.name} takes ${inputChannelCount(manifest.input)} channels, but was given ${image.channels}.`);
  }
}
