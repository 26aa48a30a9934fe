import * as tf from '@tensorflow/tfjs';

/**
 * (x / scale - mean) / std per channel (channels last), in the order torchvision's ToTensor then
 * Normalize compute it: scale 255 is ToTensor's division.
 */
export function normalize<T extends tf.Tensor>(x: T, scale: number, mean: number[], std: number[]): T {
  return tf.tidy(() => tf.div(tf.sub(tf.div(x, scale), tf.tensor1d(mean)), tf.tensor1d(std)) as T);
}
