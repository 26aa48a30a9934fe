import * as tf from '@tensorflow/tfjs';

/** Reverses the channel axis (last): RGB → BGR, as OpenCV-trained models expect. */
export function rgbToBgr<T extends tf.Tensor>(rgb: T): T {
  return tf.reverse(rgb, -1);
}
