"""Reference metrics for test/unit/batch/metrics/metrics.test.ts (issue 5: "same numbers as scikit-learn").

Builds deterministic cases (labels, probabilities, classes, positive class, threshold), predicts as Tessera
does (two classes: p(positive) >= threshold -> positive, else the other class; more classes: numpy argmax,
ties to the lower index) and records what scikit-learn says about them: confusion_matrix and
classification_report (both with labels = every class, in class order), accuracy_score, cohen_kappa_score,
roc_curve(drop_intermediate=False) and roc_auc_score (binary: the positive class's probability; more
classes: one-vs-rest per class on the raw probability column, and multi_class='ovr', average='macro').

Where scikit-learn raises (an AUC when a class has no positives or no negatives) the case records null and
the error message; where it returns NaN (a ROC curve's rates then), the JSON holds null.

Probabilities are multiples of 1/1000 so that they survive the JSON round trip as the same doubles.

Usage: /usr/bin/python3 test/support/metrics_reference.py > test/unit/batch/metrics/sklearn-reference.json
"""
import json
import math
import sys
import warnings

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, classification_report, cohen_kappa_score, confusion_matrix,
                             roc_auc_score, roc_curve)

warnings.simplefilter('ignore')  # zero_division and undefined-ROC warnings: the values are what we record


def clean(x):
    """NaN -> None (JSON has no NaN), numpy scalars and arrays -> Python values."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return clean(x.tolist())
    if isinstance(x, (np.floating, float)):
        return None if math.isnan(float(x)) else float(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    return x


def probs_from_counts(counts):
    """Rows of integers summing to 1000 -> probabilities that sum to 1 (np.allclose) and print exactly."""
    counts = np.asarray(counts, dtype=np.int64)
    assert (counts.sum(axis=1) == 1000).all(), counts
    return counts / 1000.0


def random_counts(rng, n, k, labels, skill):
    """n rows of k counts summing to 1000, leaning towards the true label by `skill`."""
    rows = []
    for y in labels:
        w = rng.random(k)
        w[y] += skill * rng.random()
        c = np.floor(w / w.sum() * 1000).astype(np.int64)
        c[int(np.argmax(c))] += 1000 - c.sum()
        rows.append(c)
    return np.array(rows)


def predict(p, k, pos, threshold):
    if k == 2:
        return np.where(p[:, pos] >= threshold, pos, 1 - pos)
    return np.argmax(p, axis=1)  # first maximum on ties


def try_auc(fn):
    try:
        return fn(), None
    except ValueError as e:
        return None, str(e)


def build(name, classes, labels, counts, positive=None, threshold=None, text=False):
    k = len(classes)
    y = np.asarray(labels, dtype=np.int64)
    p = probs_from_counts(counts)
    assert p.shape == (len(y), k)
    idx = list(range(k))
    pos = classes.index(positive) if positive is not None else 1
    thr = 0.5 if threshold is None else threshold
    y_pred = predict(p, k, pos, thr)

    out = {
        'name': name,
        'input': {'classes': classes, 'labels': y.tolist(), 'probabilities': p.tolist()},
        'predictions': y_pred.tolist(),
        'confusion_matrix': confusion_matrix(y, y_pred, labels=idx).tolist(),
        'classification_report': classification_report(y, y_pred, labels=idx, target_names=classes,
                                                       output_dict=True),
        'accuracy': accuracy_score(y, y_pred),
        'cohen_kappa': cohen_kappa_score(y, y_pred, labels=idx),
    }
    if positive is not None:
        out['input']['positiveClass'] = positive
    if threshold is not None:
        out['input']['threshold'] = threshold
    if text:
        out['classification_report_text'] = classification_report(y, y_pred, labels=idx, target_names=classes,
                                                                  digits=2)

    if k == 2:
        truth = (y == pos).astype(np.int64)
        score = p[:, pos]
        fpr, tpr, thresholds = roc_curve(truth, score, drop_intermediate=False)
        auc, err = try_auc(lambda: roc_auc_score(truth, score))
        out['positive_class'] = classes[pos]
        out['threshold'] = thr
        out['roc_curve'] = {'fpr': fpr, 'tpr': tpr, 'thresholds': thresholds}
        out['roc_auc'] = auc
        out['roc_auc_error'] = err
    else:
        curves, per_class, errors = {}, {}, {}
        for j, cls in enumerate(classes):
            truth = (y == j).astype(np.int64)
            fpr, tpr, thresholds = roc_curve(truth, p[:, j], drop_intermediate=False)
            curves[cls] = {'fpr': fpr, 'tpr': tpr, 'thresholds': thresholds}
            per_class[cls], errors[cls] = try_auc(lambda: roc_auc_score(truth, p[:, j]))
        macro, macro_err = try_auc(lambda: roc_auc_score(y, p, multi_class='ovr', average='macro', labels=idx))
        out['roc_curves'] = curves
        out['roc_auc_ovr'] = per_class
        out['roc_auc_ovr_errors'] = errors
        out['roc_auc_macro'] = macro
        out['roc_auc_macro_error'] = macro_err
    return clean(out)


def two(p_yes):
    """Two-class counts from p(yes) in thousandths."""
    return [[1000 - c, c] for c in p_yes]


def main():
    rng = np.random.default_rng(20260505)
    cases = []

    # Binary: scores hit 0.5 and 0.3 exactly, and some scores are tied across classes.
    yb = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    pb = [20, 150, 300, 300, 420, 500, 610, 90, 250, 700, 500, 880, 300, 650, 990, 720, 410, 560, 830, 960, 300, 200]
    cases.append(build('binary_threshold_0.5', ['no', 'yes'], yb, two(pb), text=True))
    cases.append(build('binary_threshold_0.3', ['no', 'yes'], yb, two(pb), threshold=0.3))
    cases.append(build('binary_positive_first', ['no', 'yes'], yb, two(pb), positive='no', text=True))
    cases.append(build('binary_positive_first_threshold_0.7', ['benign', 'malignant'], yb, two(pb),
                       positive='benign', threshold=0.7))

    # Binary, heavy ties: only four distinct scores.
    yt = [0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0]
    pt = [250, 250, 500, 500, 750, 750, 250, 750, 500, 250, 1000, 0, 750, 0, 500, 1000]
    cases.append(build('binary_ties', ['neg', 'pos'], yt, two(pt)))

    # Binary, random.
    yr = rng.integers(0, 2, 60)
    cases.append(build('binary_random', ['normal', 'tumour'], yr.tolist(),
                       random_counts(rng, 60, 2, yr, 1.2).tolist(), text=True))

    # Binary: perfect, all wrong, one class only in the labels (AUC undefined).
    cases.append(build('binary_perfect', ['no', 'yes'], [0, 0, 0, 1, 1, 1], two([100, 200, 300, 700, 800, 900])))
    cases.append(build('binary_all_wrong', ['no', 'yes'], [0, 0, 0, 1, 1, 1], two([900, 800, 600, 100, 200, 400])))
    cases.append(build('binary_only_positives', ['no', 'yes'], [1, 1, 1, 1, 1], two([900, 800, 400, 100, 600])))

    # Three and four classes, random; the four-class case has argmax ties.
    y3 = rng.integers(0, 3, 45)
    cases.append(build('multiclass_3', ['tumour', 'stroma', 'necrosis'], y3.tolist(),
                       random_counts(rng, 45, 3, y3, 1.5).tolist(), text=True))
    y4 = rng.integers(0, 4, 50)
    c4 = random_counts(rng, 50, 4, y4, 1.0)
    c4[:6] = [[400, 400, 100, 100], [250, 250, 250, 250], [100, 300, 300, 300], [0, 500, 0, 500],
              [300, 100, 300, 300], [200, 200, 400, 200]]
    cases.append(build('multiclass_4_argmax_ties', ['a', 'b', 'c', 'd'], y4.tolist(), c4.tolist(), text=True))

    # A class that is never predicted (it has true samples).
    yn = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 0, 1]
    cn = [[700, 200, 100], [600, 300, 100], [400, 500, 100], [200, 700, 100], [100, 800, 100], [500, 400, 100],
          [450, 200, 350], [300, 400, 300], [200, 450, 350], [380, 300, 320], [800, 100, 100], [300, 600, 100]]
    cases.append(build('multiclass_never_predicted', ['x', 'y', 'z'], yn, cn, text=True))

    # A class with no true samples that is predicted sometimes (its AUC is undefined, so is sklearn's macro).
    ys = [0, 0, 1, 1, 2, 2, 0, 1, 2, 0]
    cs = [[600, 100, 100, 200], [200, 100, 100, 600], [100, 700, 100, 100], [100, 300, 100, 500],
          [100, 100, 700, 100], [200, 200, 500, 100], [500, 300, 100, 100], [300, 400, 200, 100],
          [250, 250, 250, 250], [400, 300, 200, 100]]
    cases.append(build('multiclass_no_true_samples', ['p', 'q', 'r', 's'], ys, cs, text=True))

    # A class that is neither true nor predicted: sklearn's report then says 'micro avg' instead of 'accuracy'.
    ca = [[600, 100, 100, 200], [500, 100, 100, 300], [100, 700, 100, 100], [100, 500, 100, 300],
          [100, 100, 700, 100], [200, 200, 500, 100], [500, 300, 100, 100], [300, 400, 200, 100],
          [250, 250, 350, 150], [300, 400, 200, 100]]
    cases.append(build('multiclass_absent_class', ['p', 'q', 'r', 's'], ys, ca, text=True))

    # Three classes: perfect and all wrong.
    yp = [0, 1, 2, 0, 1, 2]
    cases.append(build('multiclass_perfect', ['a', 'b', 'c'], yp,
                       [[800, 100, 100], [100, 800, 100], [100, 100, 800], [500, 300, 200], [300, 400, 300],
                        [0, 0, 1000]]))
    cases.append(build('multiclass_all_wrong', ['a', 'b', 'c'], yp,
                       [[100, 800, 100], [100, 100, 800], [800, 100, 100], [200, 300, 500], [600, 300, 100],
                        [0, 1000, 0]], text=True))

    json.dump({'generator': 'test/support/metrics_reference.py', 'sklearn': sklearn.__version__,
               'numpy': np.__version__, 'cases': cases}, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
