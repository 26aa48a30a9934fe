#!/usr/bin/python3
"""Reference values for Tessera's Macenko stain separation, computed once with numpy (float64).

Macenko et al. 2009, "A method for normalizing histology slides for quantitative analysis", as in the
widely used reference implementation (github.com/mitkovetta/staining-normalization, normalizeStaining.py):

  1. OD = -log((I + 1) / Io)
  2. drop pixels with OD < beta in any channel
  3. eigenvectors of the OD covariance (np.cov, np.linalg.eigh); keep the two largest
  4. angle of each pixel projected on that plane; alpha-th and (100 - alpha)-th percentiles
  5. the stain vector with the larger red OD is haematoxylin
  6. concentrations: least squares (np.linalg.lstsq) of OD on the stain matrix, every pixel

Run from the project root with Debian's python3 (numpy, Pillow):
  /usr/bin/python3 test/unit/inference/reference/macenko_reference.py > test/unit/inference/reference/macenko_reference.json
It reads real H&E images from ../shared/fixtures/patches/he-misc.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

IO, ALPHA, BETA = 240, 1, 0.15
# Macenko's reference H&E matrix as in the reference implementation (columns H, E).
HE_REF = np.array([[0.5626, 0.2159], [0.7201, 0.8012], [0.4062, 0.5581]])
FIXTURES = os.path.join(os.path.dirname(__file__), '../../../../../shared/fixtures/patches/he-misc')
# (file, crop x, y, width, height): a crop keeps the committed JSON and the test small.
IMAGES = [
    ('tiatoolbox-target-image.png', 0, 0, 1000, 1000),
    ('tiatoolbox-target-image.png', 300, 500, 128, 128),
    ('kather1.tif', 0, 0, 224, 224),
]


def stain_matrix(rgb):
    od = -np.log((rgb.reshape((-1, 3)).astype(np.float64) + 1) / IO)
    od_hat = od[~np.any(od < BETA, axis=1)]
    _, eigvecs = np.linalg.eigh(np.cov(od_hat.T))
    that = od_hat.dot(eigvecs[:, 1:3])
    phi = np.arctan2(that[:, 1], that[:, 0])
    min_phi = np.percentile(phi, ALPHA)
    max_phi = np.percentile(phi, 100 - ALPHA)
    v_min = eigvecs[:, 1:3].dot(np.array([(np.cos(min_phi), np.sin(min_phi))]).T)
    v_max = eigvecs[:, 1:3].dot(np.array([(np.cos(max_phi), np.sin(max_phi))]).T)
    if v_min[0] > v_max[0]:
        he = np.array((v_min[:, 0], v_max[:, 0])).T
    else:
        he = np.array((v_max[:, 0], v_min[:, 0])).T
    return he, len(od_hat)


def concentrations(rgb, he):
    od = -np.log((rgb.reshape((-1, 3)).astype(np.float64) + 1) / IO)
    return np.linalg.lstsq(he, od.T, rcond=None)[0].T.reshape(rgb.shape[:2] + (2,))


def main():
    out = {
        'about': 'Macenko 2009 stain separation computed with numpy by macenko_reference.py',
        'numpy': np.__version__,
        'io': IO, 'alpha': ALPHA, 'beta': BETA,
        'referenceMatrix': {'h': HE_REF[:, 0].tolist(), 'e': HE_REF[:, 1].tolist()},
        'images': [],
    }
    for name, x, y, w, h in IMAGES:
        rgb = np.asarray(Image.open(os.path.join(FIXTURES, name)).convert('RGB'))[y:y + h, x:x + w]
        he, kept = stain_matrix(rgb)
        conc = concentrations(rgb, he)
        fixed = concentrations(rgb, HE_REF)
        # 16 sample pixels spread over the crop, and the mean of each concentration map.
        points = [(int(w * (i + 0.5) / 4), int(h * (j + 0.5) / 4)) for j in range(4) for i in range(4)]
        out['images'].append({
            'file': name, 'x': x, 'y': y, 'width': w, 'height': h,
            'stainedPixels': int(kept),
            'matrix': {'h': he[:, 0].tolist(), 'e': he[:, 1].tolist()},
            'samples': [{'x': px, 'y': py, 'rgb': rgb[py, px].tolist(), 'estimated': conc[py, px].tolist(), 'reference': fixed[py, px].tolist()} for px, py in points],
            'meanEstimated': conc.reshape((-1, 2)).mean(axis=0).tolist(),
            'meanReference': fixed.reshape((-1, 2)).mean(axis=0).tolist(),
        })
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
