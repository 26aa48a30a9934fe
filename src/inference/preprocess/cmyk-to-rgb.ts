import * as tf from '@tensorflow/tfjs';

/**
 * CMYK → RGB as PIL's convert('RGB') does it (libImaging cmyk2rgb), so a CMYK image fed to an RGB model
 * gives what PyTorch code that opens it with PIL gets: with nk = 255 - K,
 * R = nk - MULDIV255(C, nk), where MULDIV255(a, b) = ((a·b + 128) >> 8 + a·b + 128) >> 8. Integer
 * arithmetic, exact in float32 for 0-255 inputs.
 */
export function cmykToRgb<T extends tf.Tensor>(cmyk: T): T {
  return tf.tidy(() => {
    const lead = cmyk.shape.slice(0, -1);
    const begin = new Array(cmyk.rank).fill(0);
    const cmy = tf.slice(cmyk, begin, [...lead, 3]);
    const k = tf.slice(cmyk, [...begin.slice(0, -1), 3], [...lead, 1]);
    const nk = tf.sub(255, k);
    const t = tf.add(tf.mul(cmy, nk), 128);
    const muldiv = tf.floor(tf.div(tf.add(tf.floor(tf.div(t, 256)), t), 256));
    return tf.sub(nk, muldiv) as T;
  });
}
