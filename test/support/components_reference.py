"""Reference connected components for test/unit/analysis/segmentation.test.ts.

Rasterises the hand-drawn nucleus outlines of a few gbm40-nuclei tiles (../shared/fixtures/patches/
gbm40-nuclei/nuclei-contours.json) with skimage.draw.polygon (a pixel is in when its integer (x, y) lies
inside or on an outline: the rule the TypeScript test ports), unions them into one binary mask per tile and
labels it with scipy.ndimage.label, with an 8-connectivity structure and with the default 4-connectivity.

Usage: /usr/bin/python3 test/support/components_reference.py > test/unit/analysis/components-reference.json
"""
import json
import os
import sys

import numpy as np
import scipy
import skimage
from scipy import ndimage
from skimage.draw import polygon

HERE = os.path.dirname(os.path.abspath(__file__))
CONTOURS = os.path.join(HERE, '..', '..', '..', 'shared', 'fixtures', 'patches', 'gbm40-nuclei', 'nuclei-contours.json')
FILES = ['01.png', '12.png', '25.png', '33.png', '40.png']


def rasterise(entry):
    mask = np.zeros((entry['height'], entry['width']), dtype=bool)
    for poly in entry['nuclei']:
        if len(poly) < 3:
            continue
        xy = np.asarray(poly, dtype=np.float64)
        rr, cc = polygon(xy[:, 1], xy[:, 0], shape=mask.shape)
        mask[rr, cc] = True
    return mask


def components(mask, structure):
    labels, count = ndimage.label(mask, structure=structure)
    areas = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    return {'count': int(count), 'areas': sorted(int(a) for a in areas)}


def main():
    with open(CONTOURS) as f:
        contours = json.load(f)
    out = {'source': 'gbm40-nuclei/nuclei-contours.json', 'rasteriser': f'skimage.draw.polygon {skimage.__version__}',
           'labeller': f'scipy.ndimage.label {scipy.__version__}', 'files': {}}
    for name in FILES:
        mask = rasterise(contours[name])
        out['files'][name] = {
            'width': mask.shape[1], 'height': mask.shape[0], 'foreground': int(mask.sum()),
            'conn8': components(mask, np.ones((3, 3), dtype=int)),
            'conn4': components(mask, None),
        }
    json.dump(out, sys.stdout, separators=(',', ':'))
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
