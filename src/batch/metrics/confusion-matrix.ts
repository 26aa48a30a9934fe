import { TesseraError } from '../../core';

/** The default decision threshold of a two-class (or sigmoid) model: issue 5. */
export const DEFAULT_THRESHOLD = 0.5;

/**
 * The index of the positive class of a two-class model: the named class, else the second one (scikit-learn's
 * convention that the larger label is positive, and the usual ['no', 'yes'] order of a manifest).
 */
export function positiveIndex(classes: readonly string[], positiveClass?: string): number {
  if (positiveClass === undefined) return 1;
  const i = classes.indexOf(positiveClass);
  if (i < 0) {
    throw new TesseraError('invalid-argument', `The positive class "${positiveClass}" is not one of the model's classes (${classes.join(', ')}).`);
  }
  return i;
}

/** Two classes: the positive class when its probability is at least the threshold, else the other class. */
export function predictTwoClass(probabilities: ArrayLike<number>, positive: number, threshold: number): number {
  return probabilities[positive] >= threshold ? positive : 1 - positive;
}

/** More classes: the most probable class; ties go to the lower index, as numpy's argmax. */
export function argmax(probabilities: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) {
    // Strictly greater, so an equal later value never wins.
    if (probabilities[i] > probabilities[best]) best = i;
  }
  return best;
}

export interface PredictOptions {
  /** Two classes only: the index of the positive class (default 1). */
  positive?: number;
  /** Two classes only: the decision threshold on p(positive) (default 0.5). */
  threshold?: number;
}

/** The predicted class index of one image: the threshold rule for two classes, argmax for more. */
export function predictClass(probabilities: ArrayLike<number>, options: PredictOptions = {}): number {
  if (probabilities.length !== 2) return argmax(probabilities);
  return predictTwoClass(probabilities, options.positive ?? 1, options.threshold ?? DEFAULT_THRESHOLD);
}

/** The predicted class index of every image: the threshold rule for two classes, argmax for more. */
export function predictClasses(probabilities: readonly ArrayLike<number>[], classCount: number, options: PredictOptions = {}): number[] {
  if (classCount === 2) return probabilities.map((p) => predictTwoClass(p, options.positive ?? 1, options.threshold ?? DEFAULT_THRESHOLD));
  return probabilities.map(argmax);
}

/**
 * The confusion matrix, rows = true class, columns = predicted class, every class in order even when it never
 * occurs: scikit-learn's confusion_matrix(y_true, y_pred, labels=range(classCount)).
 */
export function confusionMatrix(labels: readonly number[], predictions: readonly number[], classCount: number): number[][] {
  if (labels.length !== predictions.length) {
    throw new TesseraError('internal', 'The metrics need one prediction per label.', `${labels.length} labels, ${predictions.length} predictions`);
  }
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  labels.forEach((t, i) => {
    const p = predictions[i];
    if (!isClassIndex(t, classCount) || !isClassIndex(p, classCount)) {
      throw new TesseraError('internal', 'A label or prediction is not one of the model classes.', `image ${i}: label ${t}, prediction ${p}, ${classCount} classes`);
    }
    matrix[t][p] += 1;
  });
  return matrix;
}

function isClassIndex(i: number, classCount: number): boolean {
  return Number.isInteger(i) && i >= 0 && i < classCount;
}
