import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../manifest';
import { sigmoidTwoClasses } from './sigmoid-two-classes';

/**
 * The model's raw output (classes on the last axis) → probabilities. softmax over classes; sigmoid
 * elementwise, except one logit for two classes, which gives [1 - p, p] (see sigmoidTwoClasses); none
 * passes the output through (a copy, so the caller owns what it gets back).
 */
export function applyActivation<T extends tf.Tensor>(raw: T, activation: Activation, classCount: number, positiveIndex: number): T {
  return tf.tidy(() => {
    if (activation === 'softmax') return tf.softmax(raw, -1) as T;
    if (activation === 'sigmoid') {
      if (raw.shape[raw.rank - 1] === 1 && classCount === 2) return sigmoidTwoClasses(raw, positiveIndex === 0 ? 0 : 1);
      return tf.sigmoid(raw) as T;
    }
    return tf.clone(raw);
  });
}
