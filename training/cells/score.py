"""Scores cell detections the way the BRCA-M2C paper does (MCSpatNet's 03_eval_localization_fscore.py).

The rule, for one image and one class (or for all cells with classes ignored):
- labelled centres are visited in raster order (row, then column: the order np.where gives on a dot map);
- each takes the nearest still-unmatched prediction closer than 6 px (strictly: scipy's KDTree
  `distance_upper_bound` excludes the bound itself); that pair is a true positive and the prediction is used up;
- a labelled centre with no such prediction is a false negative; predictions left over are false positives.
TP, FP and FN are summed over images before precision, recall and F1 are taken (an empty denominator gives 1
for precision and recall, as the original does). Per class, predictions of that class are scored against labels
of that class; "all" scores every prediction against every label. Macro F1 is the mean of the three class F1s.

Like the original, points are whole pixels (the original reads them from dot maps), so coordinates are rounded
and several predictions on one pixel count once.

Import: `match_counts(gt_yx, pred_yx)`, `score_images(pairs)`.
Script: `/usr/bin/python3 training/cells/score.py PRED_DIR [LABEL_DIR] [SPLIT_FILE]` where PRED_DIR holds
`<image stem>.txt` files of `y x class` rows (the labels' own format); prints the figures as JSON.
Self-test: `/usr/bin/python3 training/cells/score.py --self-test`.
"""
import json
import os
import sys

import numpy as np
from scipy.spatial import cKDTree

MAX_DIST = 6
CLASSES = ('lymphocyte', 'tumour', 'stromal')
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.abspath(os.path.join(HERE, '..', '..', '..', 'shared', 'fixtures', 'patches', 'brca-m2c'))


def _unique_pixels(yx):
    """Rounded (row, col) pairs, duplicates dropped, in raster order, as a dot map would hold them."""
    yx = np.asarray(yx, dtype=np.float64).reshape(-1, 2)
    if len(yx) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    pix = np.unique(np.rint(yx).astype(np.int64), axis=0)  # np.unique on rows sorts by row then column
    return pix


def match_counts(gt_yx, pred_yx, max_dist=MAX_DIST):
    """(tp, fp, fn) for one image and one class under the greedy raster-order rule above.

    >>> match_counts([[10, 10], [10, 14]], [[10, 12]])   # both labels are 2 px away; the first in raster order wins
    (1, 0, 1)
    >>> match_counts([[0, 0]], [[0, 6]])                  # exactly 6 px is not closer than 6 px
    (0, 1, 1)
    >>> match_counts([[0, 0], [0, 3]], [[0, 2], [0, 4]])  # (0,0) takes (0,2), its nearest; (0,3) then takes (0,4)
    (2, 0, 0)
    >>> match_counts([[0, 2], [0, 3]], [[0, 3]])          # (0,2) comes first and takes (0,3); (0,3) is left unmatched
    (1, 0, 1)
    >>> match_counts([], [[1, 1]]), match_counts([[1, 1]], [])
    ((0, 1, 0), (0, 0, 1))
    """
    gt = _unique_pixels(gt_yx)
    pred = _unique_pixels(pred_yx)
    if len(pred) == 0:
        return 0, 0, len(gt)
    if len(gt) == 0:
        return 0, len(pred), 0
    tree = cKDTree(pred.astype(np.float64))
    used = np.zeros(len(pred), dtype=bool)
    tp = 0
    k = min(50, len(pred))  # the original looks at up to 50 neighbours
    for p in gt:
        dist, idx = tree.query(p.astype(np.float64), k=k, distance_upper_bound=max_dist)
        dist, idx = np.atleast_1d(dist), np.atleast_1d(idx)
        for d, i in zip(dist, idx):
            if not np.isfinite(d):
                break
            if not used[i]:
                used[i] = True
                tp += 1
                break
    fn = len(gt) - tp
    fp = int((~used).sum())
    return tp, fp, fn


def prf(tp, fp, fn):
    precision = 1.0 if tp + fp == 0 else tp / (tp + fp)
    recall = 1.0 if tp + fn == 0 else tp / (tp + fn)
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return {'precision': precision, 'recall': recall, 'f1': f1, 'tp': int(tp), 'fp': int(fp), 'fn': int(fn)}


def score_images(pairs, max_dist=MAX_DIST):
    """pairs: iterable of (gt, pred), each an (N, 3) array of y, x, class (1 lymphocyte, 2 tumour, 3 stromal).

    Returns {'all': prf, 'lymphocyte': prf, 'tumour': prf, 'stromal': prf, 'macro_f1': float, 'images': n}.
    """
    sums = np.zeros((4, 3), dtype=np.int64)  # rows: the three classes, then all cells; columns tp, fp, fn
    n = 0
    for gt, pred in pairs:
        gt = np.asarray(gt, dtype=np.float64).reshape(-1, 3)
        pred = np.asarray(pred, dtype=np.float64).reshape(-1, 3)
        for c in range(3):
            sums[c] += match_counts(gt[gt[:, 2] == c + 1, :2], pred[pred[:, 2] == c + 1, :2], max_dist)
        sums[3] += match_counts(gt[:, :2], pred[:, :2], max_dist)
        n += 1
    out = {'images': n, 'all': prf(*sums[3])}
    for c, name in enumerate(CLASSES):
        out[name] = prf(*sums[c])
    out['macro_f1'] = float(np.mean([out[name]['f1'] for name in CLASSES]))
    return out


def read_points(path):
    """`y x class` rows; an empty or missing file is no points."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return np.zeros((0, 3))
    return np.loadtxt(path, ndmin=2)


def label_path(label_dir, image_name):
    return os.path.join(label_dir, os.path.splitext(image_name)[0] + '_gt_class_coords.txt')


def _self_test():
    import doctest
    failures, _ = doctest.testmod()
    # All-cell matching ignores classes; per class only same-class pairs match.
    gt = np.array([[10, 10, 1], [50, 50, 2], [90, 90, 3]])
    pred = np.array([[11, 10, 1], [50, 52, 3], [200, 200, 2]])
    s = score_images([(gt, pred)])
    assert (s['all']['tp'], s['all']['fp'], s['all']['fn']) == (2, 1, 1), s['all']
    assert (s['lymphocyte']['tp'], s['tumour']['tp'], s['stromal']['tp']) == (1, 0, 0)
    assert (s['stromal']['fp'], s['stromal']['fn']) == (1, 1)
    assert abs(s['all']['f1'] - 2 / 3) < 1e-12
    assert abs(s['macro_f1'] - (1 + 0 + 0) / 3) < 1e-12
    if failures:
        raise SystemExit(f'{failures} doctest failures')
    print('score.py self-test passed')


def main(argv):
    if argv[:1] == ['--self-test']:
        _self_test()
        return
    pred_dir = argv[0]
    label_dir = argv[1] if len(argv) > 1 else os.path.join(DATA, 'labels')
    split = argv[2] if len(argv) > 2 else os.path.join(DATA, 'brca_ds_val.txt')
    names = [l.strip() for l in open(split) if l.strip()]
    pairs = [(read_points(label_path(label_dir, n)), read_points(os.path.join(pred_dir, os.path.splitext(n)[0] + '.txt')))
             for n in names]
    print(json.dumps(score_images(pairs), indent=2))


if __name__ == '__main__':
    main(sys.argv[1:])
