import type { RocCurve } from './report-types';

/**
 * The ROC curve of scores against a yes/no truth, as scikit-learn 1.2's roc_curve(drop_intermediate=False):
 * one point per distinct score, highest first (tied scores make one point, so ties cost a diagonal step),
 * after a first point (0, 0) whose threshold is the highest score + 1 (scikit-learn 1.3+ uses Infinity there;
 * + 1 keeps the curve JSON-safe). The rates are NaN when there are no negatives (fpr) or no positives (tpr),
 * as scikit-learn's, and the AUC is then null.
 */
export function rocCurve(truth: readonly boolean[], scores: ArrayLike<number>): RocCurve {
  const n = truth.length;
  if (n === 0) return { fpr: [], tpr: [], thresholds: [], auc: null };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const tps = [0];
  const fps = [0];
  const thresholds = [scores[order[0]] + 1];
  let tp = 0;
  let fp = 0;
  order.forEach((i, rank) => {
    if (truth[i]) tp += 1;
    else fp += 1;
    // A point only after the last of a run of equal scores: a threshold cannot separate tied images.
    const next = order[rank + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      tps.push(tp);
      fps.push(fp);
      thresholds.push(scores[i]);
    }
  });
  const fpr = fps.map((v) => (fp > 0 ? v / fp : NaN));
  const tpr = tps.map((v) => (tp > 0 ? v / tp : NaN));
  return { fpr, tpr, thresholds, auc: tp > 0 && fp > 0 ? trapezoidArea(fpr, tpr) : null };
}

/** Area under a curve by the trapezoid rule (scikit-learn's auc, numpy's trapz). */
export function trapezoidArea(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

/** Two classes: the ROC curve of the positive class's probability (roc_auc_score(y == positive, p[:, positive])). */
export function binaryRoc(labels: readonly number[], probabilities: readonly ArrayLike<number>[], positive: number): RocCurve {
  return rocCurve(
    labels.map((y) => y === positive),
    probabilities.map((p) => p[positive]),
  );
}

/**
 * More classes: one-vs-rest, class k's raw probability column against "is class k" (scikit-learn's OvR does
 * not renormalise the columns). The AUC of a class with no images, or with every image, is null.
 */
export function ovrRoc(labels: readonly number[], probabilities: readonly ArrayLike<number>[], classCount: number): RocCurve[] {
  return Array.from({ length: classCount }, (_, k) =>
    rocCurve(
      labels.map((y) => y === k),
      probabilities.map((p) => p[k]),
    ),
  );
}

/**
 * The unweighted mean of the per-class AUCs, as roc_auc_score(multi_class='ovr', average='macro'). When any
 * class's AUC is undefined scikit-learn raises; we return null rather than a mean over fewer classes, which
 * would be a different (and easily over-read) figure. The per-class values remain for the defined classes.
 */
export function macroAuc(aucs: readonly (number | null)[]): number | null {
  if (aucs.length === 0 || aucs.some((a) => a === null)) return null;
  return (aucs as number[]).reduce((s, a) => s + a, 0) / aucs.length;
}
