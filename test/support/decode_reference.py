"""Reference decodes for the batch decoders (issue 5: the browser's and the CLI's CSVs must agree).

PIL is what the model authors' scripts (torchvision ImageFolder, evaluation.py) use to open patches. It
applies no embedded ICC profile, so a model sees the samples as stored. For every image in the patch
fixtures this records the mode Tessera should decode to ('grey', 'rgb' or 'cmyk') and the MD5 of PIL's
8-bit samples in that mode (palette and alpha images converted to RGB as PIL's convert('RGB') does).

Usage: /usr/bin/python3 test/support/decode_reference.py ../shared/fixtures > test/unit/batch/node/pil-decode-reference.json
"""
import hashlib
import json
import os
import sys

import PIL
from PIL import Image

FOLDERS = ['patches/brain-mri', 'patches/he-misc', 'patches/histolab-tiles']
IMAGE = ('.png', '.jpg', '.jpeg', '.tif', '.tiff')


def decoded(path):
    im = Image.open(path)
    if im.mode == 'L':
        return 'grey', im
    if im.mode == 'CMYK':
        return 'cmyk', im
    return 'rgb', im.convert('RGB')


def main(root):
    out = {'pil': PIL.__version__, 'images': []}
    for folder in FOLDERS:
        for dirpath, dirs, files in os.walk(os.path.join(root, folder)):
            dirs.sort()
            for name in sorted(files):
                if not name.lower().endswith(IMAGE):
                    continue
                path = os.path.join(dirpath, name)
                mode, im = decoded(path)
                out['images'].append({
                    'path': os.path.relpath(path, root), 'mode': mode, 'width': im.width, 'height': im.height,
                    'md5': hashlib.md5(im.tobytes()).hexdigest(),
                })
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write('\n')


main(sys.argv[1])
