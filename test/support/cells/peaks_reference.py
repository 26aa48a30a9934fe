#!/usr/bin/python3
"""Reference cell peaks for test/unit/inference/detect-cells.test.ts, by scipy.ndimage.maximum_filter.

Builds three "centre maps" from a real H&E image (Ruifrok & Johnston's colour deconvolution into
haematoxylin, eosin and DAB optical densities, each smoothed by a Gaussian of sigma 2 px and scaled to
[0, 1]), writes them as float32 [h, w, 3] to OUT/maps.f32, and writes OUT/peaks.json: the pixels whose
score (the highest map) equals the maximum over a disc of the given radius (dx^2 + dy^2 <= r^2) and
reaches its class's threshold, equal neighbours on a plateau resolved to the first in raster order.
LEVELS > 0 rounds the maps to that many steps (many plateaus, to try the rule for equal scores).

  /usr/bin/python3 test/support/cells/peaks_reference.py IMAGE OUT RADIUS T0 T1 T2 [LEVELS]
"""
import json
import sys

import numpy as np
from PIL import Image
from scipy import ndimage

image, out, radius = sys.argv[1], sys.argv[2], float(sys.argv[3])
thresholds = np.array([float(t) for t in sys.argv[4:7]], dtype=np.float32)

rgb = np.asarray(Image.open(image).convert('RGB'), dtype=np.float64)
od = -np.log10(np.maximum(rgb, 1) / 255)
stains = np.array([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]])
stains /= np.linalg.norm(stains, axis=1, keepdims=True)
hed = od @ np.linalg.inv(stains)
maps = np.empty(hed.shape, dtype=np.float32)
for c in range(3):
    m = ndimage.gaussian_filter(hed[..., c], 2)
    maps[..., c] = (m - m.min()) / (m.max() - m.min())
levels = int(sys.argv[7]) if len(sys.argv) > 7 else 0
if levels > 0:
    maps = (np.round(maps * levels) / levels).astype(np.float32)
maps.tofile(f'{out}/maps.f32')

score = maps.max(axis=2)
cls = maps.argmax(axis=2)  # the first class holding the maximum, as the TypeScript does
R = int(np.floor(radius))
dy, dx = np.mgrid[-R:R + 1, -R:R + 1]
disc = dx * dx + dy * dy <= radius * radius
peak = (score == ndimage.maximum_filter(score, footprint=disc, mode='constant', cval=-np.inf)) & (score >= thresholds[cls])

# A plateau: of equal scores within the disc, only the first in raster order is kept.
h, w = score.shape
plateaus = 0
kept = []
for y, x in zip(*np.nonzero(peak)):
    earlier = [(y + j, x + i) for j, i in zip(dy[disc], dx[disc]) if (j < 0 or (j == 0 and i < 0))]
    if any(0 <= yy < h and 0 <= xx < w and score[yy, xx] == score[y, x] for yy, xx in earlier):
        plateaus += 1
        continue
    kept.append([int(x), int(y), int(cls[y, x]), float(score[y, x])])
json.dump({'width': w, 'height': h, 'peaks': kept, 'plateauDropped': plateaus}, open(f'{out}/peaks.json', 'w'))
