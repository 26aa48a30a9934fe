import type { ClassMetrics } from './report-types';

/** scikit-learn's classification_report as numbers, per class in class order. */
export interface ClassificationSummary {
  perClass: ClassMetrics[];
  accuracy: number;
  macroAvg: ClassMetrics;
  weightedAvg: ClassMetrics;
}

/**
 * A ratio whose denominator may be 0: scikit-learn's zero_division="warn" (its default) sets it to 0.0, so a
 * class never predicted has precision 0 and a class with no true images has recall 0.
 */
function divide(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/** F1 from precision and recall, as scikit-learn 1.2 computes it (0 when both are 0). */
export function f1Score(precision: number, recall: number): number {
  const denominator = precision + recall;
  return denominator === 0 ? 0 : (2 * precision * recall) / denominator;
}

/** Precision, recall, F1 and support of one class from the confusion matrix (rows true, columns predicted). */
export function classMetrics(matrix: readonly (readonly number[])[], k: number): ClassMetrics {
  const tp = matrix[k][k];
  const predicted = matrix.reduce((sum, row) => sum + row[k], 0);
  const support = matrix[k].reduce((sum, v) => sum + v, 0);
  const precision = divide(tp, predicted);
  const recall = divide(tp, support);
  return { precision, recall, f1: f1Score(precision, recall), support };
}

/** The share of images on the diagonal (scikit-learn's accuracy_score). */
export function accuracy(matrix: readonly (readonly number[])[]): number {
  const total = matrix.reduce((sum, row) => sum + row.reduce((s, v) => s + v, 0), 0);
  return divide(
    matrix.reduce((sum, row, k) => sum + row[k], 0),
    total,
  );
}

/** Unweighted mean over every class, including classes with no support (scikit-learn's 'macro'). */
export function macroAverage(perClass: readonly ClassMetrics[]): ClassMetrics {
  const n = perClass.length;
  const mean = (pick: (m: ClassMetrics) => number) => perClass.reduce((s, m) => s + pick(m), 0) / n;
  return { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1), support: totalSupport(perClass) };
}

/** Mean weighted by support (scikit-learn's 'weighted'); 0 when there is no support at all, as its zero_division. */
export function weightedAverage(perClass: readonly ClassMetrics[]): ClassMetrics {
  const support = totalSupport(perClass);
  const mean = (pick: (m: ClassMetrics) => number) => divide(perClass.reduce((s, m) => s + pick(m) * m.support, 0), support);
  return { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1), support };
}

function totalSupport(perClass: readonly ClassMetrics[]): number {
  return perClass.reduce((s, m) => s + m.support, 0);
}

/** Per-class metrics, accuracy and the two averages of scikit-learn's classification_report(labels=every class). */
export function classificationSummary(matrix: readonly (readonly number[])[]): ClassificationSummary {
  const perClass = matrix.map((_, k) => classMetrics(matrix, k));
  return { perClass, accuracy: accuracy(matrix), macroAvg: macroAverage(perClass), weightedAvg: weightedAverage(perClass) };
}
