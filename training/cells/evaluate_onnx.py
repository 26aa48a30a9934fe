"""Validation figures of the shipped cell model, from the ONNX file itself (not the PyTorch weights).

Runs MODEL_DIR/model.onnx (training/cells/onnx_run.py) on the 10 BRCA-M2C validation images, whole (each
reflect-padded at the bottom and right to a multiple of 32 px, one pass, cropped back), applies the sigmoid,
decodes peaks as Tessera's detect-cells.ts does (train.py's `peaks`), and scores them with score.py.

  --choose   choose minDistanceUm and the per-class thresholds here on these outputs (each class's threshold
             maximises its F1; the radius with the best macro F1 wins) and write them into tessera.json;
             otherwise tessera.json's settings are used.
  --write    write the figures into MODEL_DIR/metrics.json ("validation", "decode", "how").

Usage: /usr/bin/python3 training/cells/evaluate_onnx.py [MODEL_DIR] [--choose] [--write]   (about 2 minutes)
Predicted centres are scored at their pixel indices (row, column), as the paper's dot maps hold them; Tessera
reports the same cells at the pixel's centre, (index + 0.5).
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from onnx_run import run  # noqa: E402
from score import CLASSES, label_path, read_points, score_images  # noqa: E402
import train as T  # noqa: E402  (decode and threshold choice; importing it trains nothing)

HOW = ('whole images, reflect-padded at the bottom and right to a multiple of 32 px, one forward pass of '
       'model.onnx each (the net is fully convolutional), cropped back; sigmoid; score = max over the 3 maps, '
       'class = first argmax; a peak is a pixel whose score is at least every score within the disc of radius '
       'minDistanceUm / 0.5 px around it (distance <= radius, pixels outside the image ignored, equal scores: '
       'the first in raster order wins) and at least its class threshold; predicted centres scored at their '
       'pixel indices (Tessera reports index + 0.5) by training/cells/score.py (MCSpatNet rule: same class, '
       'closer than 6 px, one-to-one, greedy in raster order of the labels; TP/FP/FN summed over images)')


def probs_onnx(model_path, rgb):
    h, w = rgb.shape[:2]
    x = ((rgb - np.array(T.MEAN, np.float32)) / np.array(T.STD, np.float32)).transpose(2, 0, 1)[None]
    x = np.pad(x, ((0, 0), (0, 0), (0, (-h) % 32), (0, (-w) % 32)), mode='reflect')
    logits = torch.from_numpy(run(model_path, x)[0, :, :h, :w])
    return torch.sigmoid(logits).numpy()


def main(argv):
    model_dir = next((a for a in argv if not a.startswith('--')), os.path.join(T.ROOT, 'models', 'cell-types'))
    torch.set_num_threads(1)
    items = T.load_split('brca_ds_val.txt')
    probs = [probs_onnx(os.path.join(model_dir, 'model.onnx'), rgb) for _, rgb, _ in items]
    gts = [pts for _, _, pts in items]
    manifest_path = os.path.join(model_dir, 'tessera.json')
    manifest = json.load(open(manifest_path))
    if '--choose' in argv:
        um, thresholds, figures = T.choose_decode(probs, gts)
        manifest['detection'] = {'minDistanceUm': um, 'thresholds': [round(t, 3) for t in thresholds]}
        json.dump(manifest, open(manifest_path, 'w'), indent=2)
        open(manifest_path, 'a').write('\n')
    um = manifest['detection']['minDistanceUm']
    thresholds = manifest['detection']['thresholds']
    figures = score_images([(gt, T.apply_thresholds(T.peaks(p, um / T.SPACING), thresholds)) for p, gt in zip(probs, gts)])
    out = {'decode': {'minDistanceUm': um, 'thresholds': thresholds}, 'validation': figures}
    print(json.dumps({'decode': out['decode'], 'all': figures['all'], 'macro_f1': figures['macro_f1'],
                      **{c: {k: figures[c][k] for k in ('precision', 'recall', 'f1')} for c in CLASSES}}, indent=1))
    if '--write' in argv:
        path = os.path.join(model_dir, 'metrics.json')
        metrics = json.load(open(path)) if os.path.exists(path) else {}
        metrics.update(out)
        metrics['how'] = HOW
        metrics['split'] = ('BRCA-M2C validation (brca_ds_val.txt, 10 images, '
                            f'{sum(len(g) for g in gts)} labelled cells); it also chose the epoch, minDistanceUm and thresholds')
        json.dump(metrics, open(path, 'w'), indent=2)
        open(path, 'a').write('\n')


if __name__ == '__main__':
    main(sys.argv[1:])
