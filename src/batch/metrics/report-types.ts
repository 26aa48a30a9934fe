/**
 * The metrics report of a labelled batch (issue 5), with the keys `tessera score --report` writes and the
 * browser's JSON export holds. Classes are in the model's order; the confusion matrix has rows = true class,
 * columns = predicted class, as scikit-learn's confusion_matrix(labels=classes).
 */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface MetricsReport {
  classes: string[];
  accuracy: number;
  confusion_matrix: number[][];
  per_class: Record<string, ClassMetrics>;
  macro_avg: ClassMetrics;
  weighted_avg: ClassMetrics;
  cohen_kappa: number;
  /** Two classes only: of the positive class. */
  positive_class?: string;
  threshold?: number;
  sensitivity?: number;
  specificity?: number;
  roc_auc?: number | null;
  /** More than two classes: one-vs-rest AUC per class (null when a class has no positives or no negatives), and their macro mean. */
  roc_auc_ovr?: Record<string, number | null>;
  roc_auc_macro?: number | null;
}

/** What the metrics are computed from: one entry per labelled image. */
export interface ScoredBatch {
  classes: string[];
  /** Per image: the true class index. */
  labels: number[];
  /** Per image: the probabilities in class order (length = classes.length). */
  probabilities: ArrayLike<number>[];
  /** Two classes: the class whose probability the threshold applies to (default: the second class). */
  positiveClass?: string;
  /** Two classes: predicted positive when p(positive) >= threshold (default 0.5). More classes: argmax. */
  threshold?: number;
}

/** One ROC curve: false and true positive rates at each distinct score, from (0,0) to (1,1), as sklearn's roc_curve(drop_intermediate=False). */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
  auc: number | null;
}
