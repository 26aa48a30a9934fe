"""Validation figures of the shipped cell model, from the ONNX file itself (not the PyTorch weights).

Runs MODEL_DIR/model.onnx (training/cells/onnx_run.py) on the 10 BRCA-M2C validation images the way Tessera's
detectCellsInImage (src/analysis/cells/image-cells.ts) does, and scores the cells with score.py:
- tiles of 256 px at 0.5 µm/px (the image is taken to be at that scale, never resized), overlapping by
  ceil(2 (r + 16)) px where r = minDistanceUm / 0.5 (detectionOverlap0); the image is continued by reflection
  at its right and bottom so that whole tiles cover it;
- per tile: sigmoid, then peaks as detect-cells.ts finds them (train.py `peaks`: score = max over the 3 maps,
  class = first argmax, a pixel at least every score in the disc of radius r, equal scores won by the first in
  raster order, at least its class's threshold), the centre at pixel + 0.5;
- a cell is kept by the tile that owns its centre (each tile owns the stride-wide square at its middle) and
  dropped when it lies in the reflected continuation.
Predicted centres are scored at their pixel indices (floor of the centre), as the paper's dot maps hold them.

  --whole    instead: each whole image in one pass (reflect-padded at the bottom and right to a multiple of 32)
  --choose   choose minDistanceUm and the per-class thresholds on these outputs (each class's threshold maximises
             its F1; the radius with the best macro F1 wins) and write them into tessera.json; otherwise
             tessera.json's settings are used
  --radii A,B  with --choose: try only these minDistanceUm values (default: train.py's list)
  --write    write the figures into MODEL_DIR/metrics.json ("validation", "decode", "how", "split")

Usage: /usr/bin/python3 training/cells/evaluate_onnx.py [MODEL_DIR] [--whole] [--choose [--radii A,B]] [--write]
(about a minute per radius tried, on one busy core)
"""
import json
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from onnx_run import run  # noqa: E402
from score import CLASSES, score_images  # noqa: E402
import train as T  # noqa: E402  (decode and threshold choice; importing it trains nothing)

TILE = 256
CONTEXT = 16  # DETECTION_CONTEXT_PX in src/analysis/cells/detection-sink.ts

HOW_TILED = ('as Tessera\'s detectCellsInImage: 256 px tiles at 0.5 µm/px (no resize), overlap ceil(2 (r + 16)) px '
             'with r = minDistanceUm / 0.5, the image continued by reflection at its right and bottom to whole '
             'tiles; per tile model.onnx, sigmoid, score = max over the 3 maps, class = first argmax, a peak is a '
             'pixel whose score is at least every score within the disc of radius r around it (distance <= r, '
             'pixels outside the tile ignored, equal scores: the first in raster order wins) and at least its '
             'class threshold, centre = pixel + 0.5; a cell is kept by the tile owning its centre and dropped in '
             'the reflected continuation; scored at floor(centre) by training/cells/score.py (MCSpatNet rule: '
             'same class, closer than 6 px, one-to-one, greedy in raster order of the labels; TP/FP/FN summed '
             'over images)')
HOW_WHOLE = ('whole images, reflect-padded at the bottom and right to a multiple of 32 px, one pass of model.onnx '
             'each; decode and scoring as the tiled run')


def normalise(rgb):
    return ((rgb - np.array(T.MEAN, np.float32)) / np.array(T.STD, np.float32)).transpose(2, 0, 1)


def sigmoid_onnx(model_path, x):
    return torch.sigmoid(torch.from_numpy(run(model_path, x))).numpy()


def whole_candidates(model_path, rgb, um):
    h, w = rgb.shape[:2]
    x = np.pad(normalise(rgb)[None], ((0, 0), (0, 0), (0, (-h) % 32), (0, (-w) % 32)), mode='reflect')
    return T.peaks(sigmoid_onnx(model_path, x)[0, :, :h, :w], um / T.SPACING)


def tile_grid(width, height, um):
    """(stride, cols, rows, covered width, covered height) as planSlideAnalysis makes them for this image."""
    r = um / T.SPACING
    need = min(math.floor(0.9 * TILE), math.ceil(2 * (r + CONTEXT)))
    stride = max(1, round(TILE * (1 - need / TILE)))
    cover = lambda n: TILE + math.ceil(max(0, n - TILE) / stride) * stride  # noqa: E731
    cw, ch = cover(max(width, TILE)), cover(max(height, TILE))
    return stride, (cw - TILE) // stride + 1, (ch - TILE) // stride + 1, cw, ch


def tiled_candidates(model_path, rgb, um):
    """Candidate peaks (y, x pixel indices, class 1-3, score) of a tiled run, before thresholds."""
    h, w = rgb.shape[:2]
    stride, cols, rows, cw, ch = tile_grid(w, h, um)
    big = np.pad(normalise(rgb), ((0, 0), (0, ch - h), (0, cw - w)), mode='reflect')
    origins = [(r * stride, c * stride) for r in range(rows) for c in range(cols)]
    probs = sigmoid_onnx(model_path, np.stack([big[:, y:y + TILE, x:x + TILE] for y, x in origins]))
    margin = (TILE - stride) / 2
    out = []
    for t, (oy, ox) in enumerate(origins):
        cand = T.peaks(probs[t], um / T.SPACING)
        cy, cx = oy + cand[:, 0] + 0.5, ox + cand[:, 1] + 0.5
        col = np.clip(np.floor((cx - margin) / stride), 0, cols - 1)
        row = np.clip(np.floor((cy - margin) / stride), 0, rows - 1)
        own = (row * cols + col == t) & (cy < h) & (cx < w)
        out.append(np.column_stack([np.floor(cy[own]), np.floor(cx[own]), cand[own, 2], cand[own, 3]]))
    return np.concatenate(out) if out else np.zeros((0, 4))


def main(argv):
    values = {argv[i + 1] for i, a in enumerate(argv[:-1]) if a == '--radii'}
    model_dir = next((a for a in argv if not a.startswith('--') and a not in values), os.path.join(T.ROOT, 'models', 'cell-types'))
    model_path = os.path.join(model_dir, 'model.onnx')
    torch.set_num_threads(1)
    items = T.load_split('brca_ds_val.txt')
    gts = [pts for _, _, pts in items]
    candidates = whole_candidates if '--whole' in argv else tiled_candidates
    cands_for = lambda um: [candidates(model_path, rgb, um) for _, rgb, _ in items]  # noqa: E731
    manifest_path = os.path.join(model_dir, 'tessera.json')
    manifest = json.load(open(manifest_path))
    if '--choose' in argv:
        radii = T.MIN_DISTANCES_UM
        if '--radii' in argv:
            radii = tuple(float(v) for v in argv[argv.index('--radii') + 1].split(','))
        um, thresholds, _ = T.choose_decode(None, gts, radii_um=radii, cands_for=cands_for)
        manifest['detection'] = {'minDistanceUm': um, 'thresholds': [round(t, 3) for t in thresholds]}
        with open(manifest_path, 'w') as f:
            json.dump(manifest, f, indent=2)
            f.write('\n')
    um = manifest['detection']['minDistanceUm']
    thresholds = manifest['detection']['thresholds']
    figures = score_images([(gt, T.apply_thresholds(c, thresholds)) for c, gt in zip(cands_for(um), gts)])
    out = {'decode': {'minDistanceUm': um, 'thresholds': thresholds}, 'validation': figures}
    print(json.dumps({'decode': out['decode'], 'all': figures['all'], 'macro_f1': figures['macro_f1'],
                      **{c: {k: figures[c][k] for k in ('precision', 'recall', 'f1')} for c in CLASSES}}, indent=1))
    if '--write' in argv:
        path = os.path.join(model_dir, 'metrics.json')
        metrics = json.load(open(path)) if os.path.exists(path) else {}
        metrics.update(out)
        metrics['how'] = HOW_WHOLE if '--whole' in argv else HOW_TILED
        metrics['split'] = ('BRCA-M2C validation (brca_ds_val.txt, 10 images, '
                            f'{sum(len(g) for g in gts)} labelled cells); it also chose the epoch, minDistanceUm and thresholds')
        with open(path, 'w') as f:
            json.dump(metrics, f, indent=2)
            f.write('\n')


if __name__ == '__main__':
    main(sys.argv[1:])
