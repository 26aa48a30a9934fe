"""Checks the shipped nuclei model (models/nuclei-segmentation/model.onnx) against BRCA-M2C's labelled cell centres.

BRCA-M2C (../shared/fixtures/patches/brca-m2c) labels one point per cell, not outlines, so this asks two questions
on the dataset's 10 validation images (brca_ds_val.txt), which the nuclei model never saw:
1. Overlap: how many labelled centres lie inside a predicted nucleus, and how many predicted nuclei hold no
   labelled centre. Predicted nuclei are the instances train.py makes (connected "nucleus" pixels, each grown
   2 px over the "boundary" pixels next to it); the same is given for connected components of nucleus+boundary.
2. Detection: nucleus centroids against labelled centres, one-to-one, closer than 6 px, greedy in raster order
   of the labels (training/cells/score.py, the dataset paper's rule), classes ignored.
The model runs on whole images (reflect-padded at the bottom and right to a multiple of 8 px) by a small torch
interpreter of the ONNX file (training/cells/onnx_run.py), so the shipped weights are what is measured.

Usage: /usr/bin/python3 training/nuclei/check_brca_m2c.py [--scale S] [--json OUT.json]   (about a minute)
  --scale S: resize each image by S (bilinear) before the model and scale the label points to match, i.e. run the
  model as if the manifest said 0.5 / S µm/px (a check of the manifest's estimated pixel size); default 1.
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'training', 'cells'))
from onnx_run import run  # noqa: E402
from score import CLASSES, label_path, match_counts, prf, read_points  # noqa: E402

DATA = os.path.abspath(os.path.join(ROOT, '..', 'shared', 'fixtures', 'patches', 'brca-m2c'))
MODEL = os.path.join(ROOT, 'models', 'nuclei-segmentation', 'model.onnx')
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
torch.set_num_threads(1)


def predict_classes(rgb):
    """Per-pixel argmax (0 background, 1 nucleus, 2 boundary) for a whole image."""
    h, w = rgb.shape[:2]
    x = ((rgb - MEAN) / STD).transpose(2, 0, 1)[None]
    x = np.pad(x, ((0, 0), (0, 0), (0, (-h) % 8), (0, (-w) % 8)), mode='reflect')
    return run(MODEL, x)[0].argmax(0)[:h, :w]


def nuclei_from_classes(classes):
    """As training/nuclei/train.py: connected interiors, each grown back over the boundary pixels next to it."""
    labels, n = ndimage.label(classes == 1)
    fg = classes > 0
    for _ in range(2):
        grown = ndimage.grey_dilation(labels, size=(3, 3))
        labels = np.where((labels == 0) & fg, grown, labels)
    return labels, n


def overlap(labels, n, pts):
    """(labelled centres inside some instance, per class counts of those, instances holding no centre)."""
    h, w = labels.shape
    yx = np.rint(pts[:, :2]).astype(int)
    ok = (yx[:, 0] >= 0) & (yx[:, 0] < h) & (yx[:, 1] >= 0) & (yx[:, 1] < w)
    hit_ids = np.zeros(len(pts), dtype=int)
    hit_ids[ok] = labels[yx[ok, 0], yx[ok, 1]]
    inside = hit_ids > 0
    per_class = [int(inside[pts[:, 2] == c + 1].sum()) for c in range(3)]
    empty = n - len(set(hit_ids[inside].tolist()))
    return int(inside.sum()), per_class, int(empty)


def option(argv, name, default):
    return argv[argv.index(name) + 1] if name in argv else default


def main(argv):
    scale = float(option(argv, '--scale', 1))
    names = [l.strip() for l in open(os.path.join(DATA, 'brca_ds_val.txt')) if l.strip()]
    totals = {'cells': 0, 'cells_per_class': [0, 0, 0]}
    for key in ('instances', 'components'):
        totals[key] = {'predicted': 0, 'cells_inside': 0, 'cells_inside_per_class': [0, 0, 0], 'without_cell': 0}
    det = np.zeros(3, dtype=np.int64)
    areas = []
    for name in names:
        img = Image.open(os.path.join(DATA, 'images', name)).convert('RGB')
        pts = read_points(label_path(os.path.join(DATA, 'labels'), name))
        if scale != 1:
            img = img.resize((round(img.width * scale), round(img.height * scale)), Image.BILINEAR)
            pts = np.column_stack([(pts[:, :2] + 0.5) * scale - 0.5, pts[:, 2]])
        rgb = np.asarray(img, dtype=np.float32) / 255.0
        classes = predict_classes(rgb)
        totals['cells'] += len(pts)
        totals['cells_per_class'] = [a + int((pts[:, 2] == c + 1).sum()) for c, a in enumerate(totals['cells_per_class'])]
        inst, n = nuclei_from_classes(classes)
        comp, m = ndimage.label(classes > 0)
        for key, (lab, k) in (('instances', (inst, n)), ('components', (comp, m))):
            inside, per_class, empty = overlap(lab, k, pts)
            t = totals[key]
            t['predicted'] += k
            t['cells_inside'] += inside
            t['cells_inside_per_class'] = [a + b for a, b in zip(t['cells_inside_per_class'], per_class)]
            t['without_cell'] += empty
        if n:
            centroids = np.array(ndimage.center_of_mass(np.ones_like(inst), inst, range(1, n + 1)))
            areas.extend(np.bincount(inst.ravel())[1:].tolist())
        else:
            centroids = np.zeros((0, 2))
        # Detection is scored at the labels' own scale, so "closer than 6 px" keeps its meaning.
        det += match_counts((pts[:, :2] + 0.5) / scale - 0.5, (centroids + 0.5) / scale - 0.5)
    report = {
        'images': len(names),
        'split': 'BRCA-M2C brca_ds_val.txt',
        'scale': scale,
        'how': 'whole images, reflect-padded to a multiple of 8 px; ONNX weights run by training/cells/onnx_run.py',
        **totals,
        'instances_median_area_px': float(np.median(areas)) if areas else None,
        'centroid_detection_6px': prf(*det),
    }
    for key in ('instances', 'components'):
        t = report[key]
        t['fraction_cells_inside'] = t['cells_inside'] / max(1, report['cells'])
        t['fraction_cells_inside_per_class'] = {CLASSES[c]: t['cells_inside_per_class'][c] / max(1, report['cells_per_class'][c])
                                                for c in range(3)}
        t['fraction_without_cell'] = t['without_cell'] / max(1, t['predicted'])
    text = json.dumps(report, indent=2)
    print(text)
    if '--json' in argv:
        open(option(argv, '--json', None), 'w').write(text + '\n')


if __name__ == '__main__':
    main(sys.argv[1:])
