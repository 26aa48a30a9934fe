#!/usr/bin/python3
"""Reference values for Tessera's tissue detection (src/analysis/tissue), computed with scikit-image.

For each listed tile of ../shared/fixtures/patches/histolab-tiles (decoded by Pillow, alpha dropped):
  - saturation: skimage.color.rgb2hsv(rgb)[..., 1] as uint8 (skimage.util.img_as_ubyte: x 255, rounded)
  - meanSaturation: its mean over all pixels
  - otsu: skimage.filters.threshold_otsu of that uint8 saturation (foreground is values > otsu),
    before any smoothing
  - samples: [x, y, saturation] at an 8 x 8 grid of pixels, for a per-pixel comparison

Run from the project root with Debian's python3 (numpy, scikit-image, Pillow):
  /usr/bin/python3 test/support/tissue_reference.py > test/unit/analysis/tissue-reference.json
"""
import json
import os
import sys

import numpy as np
import skimage
from PIL import Image
from skimage.color import rgb2hsv
from skimage.filters import threshold_otsu
from skimage.util import img_as_ubyte

TILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/fixtures/patches/histolab-tiles')
# Tissue, pale tissue, glass, both pens, and a small IHC tile.
FILES = [
    'tissue-level0-7352-11762-7864-12274.png',
    'tissue-level2-1784-6289-5880-10386.png',
    'almost-white-2.png',
    'no-tissue2.png',
    'no-tissue-green-pen.png',
    'no-tissue-red-pen.png',
    'kidney-ihc-level0-340-520-390-550.png',
]
GRID = 8


def reference(name):
    rgb = np.asarray(Image.open(os.path.join(TILES, name)).convert('RGB'))
    saturation = img_as_ubyte(rgb2hsv(rgb)[..., 1])
    height, width = saturation.shape
    xs = [int((i + 0.5) * width / GRID) for i in range(GRID)]
    ys = [int((j + 0.5) * height / GRID) for j in range(GRID)]
    return {
        'file': name,
        'width': width,
        'height': height,
        'meanSaturation': float(saturation.mean()),
        'otsu': int(threshold_otsu(saturation)),
        'samples': [[x, y, int(saturation[y, x])] for y in ys for x in xs],
    }


def main():
    if not os.path.isdir(TILES):
        sys.exit(f'{TILES} is absent: the fixtures are needed to compute the reference')
    out = {
        'about': 'HSV saturation and Otsu threshold by scikit-image, computed by test/support/tissue_reference.py',
        'skimage': skimage.__version__,
        'images': [reference(name) for name in FILES],
    }
    # One line per image's samples keeps the committed file short and readable.
    text = json.dumps(out, indent=1)
    for image in out['images']:
        text = text.replace(json.dumps(image['samples'], indent=1).replace('\n', '\n   '), json.dumps(image['samples']), 1)
    sys.stdout.write(text + '\n')


if __name__ == '__main__':
    main()
