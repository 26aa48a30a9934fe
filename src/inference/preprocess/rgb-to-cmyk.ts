import * as tf from '@tensorflow/tfjs';

/**
 * RGB → CMYK as PIL's convert('CMYK') does it, which is what the glomeruli seed trained on:
 * C = 255 - R, M = 255 - G, Y = 255 - B, K = 0. (Not the "naive" K = 1 - max(R, G, B) conversion:
 * PIL never puts ink in K.)
 */
export function rgbToCmyk<T extends tf.Tensor>(rgb: T): T {
  return tf.tidy(() => {
    const cmy = tf.sub(255, rgb);
    const k = tf.zerosLike(tf.slice(rgb, new Array(rgb.rank).fill(0), [...rgb.shape.slice(0, -1), 1]));
    return tf.concat([cmy, k], -1) as T;
  });
}
