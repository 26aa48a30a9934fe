import * as tf from '@tensorflow/tfjs';

/** One grey channel copied to three (channels last), for models trained on RGB-converted grey images. */
export function greyToThree<T extends tf.Tensor>(grey: T): T {
  return tf.concat([grey, grey, grey], -1) as T;
}
