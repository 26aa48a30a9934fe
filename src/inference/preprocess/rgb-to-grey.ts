import * as tf from '@tensorflow/tfjs';

/**
 * RGB (0-255 integers, channels last) → one grey channel exactly as PIL's convert('L') computes it:
 * L = (R·19595 + G·38470 + B·7471 + 0x8000) >> 16, i.e. ITU-R 601-2 luma (0.299, 0.587, 0.114) rounded.
 * Every intermediate stays below 2^24, so float32 holds it exactly.
 */
export function rgbToGrey<T extends tf.Tensor>(rgb: T): T {
  return tf.tidy(() => {
    const weighted = tf.sum(tf.mul(rgb, tf.tensor1d([19595, 38470, 7471])), -1, true);
    return tf.floor(tf.div(tf.add(weighted, 32768), 65536)) as T;
  });
}
