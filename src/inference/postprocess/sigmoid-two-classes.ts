import * as tf from '@tensorflow/tfjs';

/**
 * One logit for a binary model (last axis of size 1) → two probabilities in class order: p = sigmoid(x)
 * goes to the positive class, 1 - p to the other. positiveIndex is 1 (the default: [1 - p, p]) or 0.
 */
export function sigmoidTwoClasses<T extends tf.Tensor>(logit: T, positiveIndex: 0 | 1): T {
  return tf.tidy(() => {
    const p = tf.sigmoid(logit);
    const q = tf.sub(1, p);
    return tf.concat(positiveIndex === 1 ? [q, p] : [p, q], -1) as T;
  });
}
