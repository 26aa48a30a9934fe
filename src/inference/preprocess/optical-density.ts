import * as tf from '@tensorflow/tfjs';

/** Optical density per channel, Macenko et al. 2009 step 1: OD = -log((I + 1) / Io). */
export function opticalDensity<T extends tf.Tensor>(rgb: T, io: number): T {
  return tf.tidy(() => tf.neg(tf.log(tf.div(tf.add(rgb, 1), io))) as T);
}
