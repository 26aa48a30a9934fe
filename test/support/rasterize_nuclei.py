"""Fills the hand-drawn nucleus outlines of one gbm40-nuclei tile with PIL's ImageDraw.polygon, for
test/unit/export/geojson.test.ts: a real nuclei mask drawn by a rasterizer nobody here wrote.

Usage: /usr/bin/python3 test/support/rasterize_nuclei.py CONTOURS_JSON FILE  (writes width*height bytes, 0 or 1, row by row)
"""
import json
import sys

from PIL import Image, ImageDraw

contours = json.load(open(sys.argv[1]))[sys.argv[2]]
mask = Image.new('L', (contours['width'], contours['height']), 0)
draw = ImageDraw.Draw(mask)
for outline in contours['nuclei']:
    if len(outline) >= 3:
        draw.polygon([tuple(p) for p in outline], fill=1)
sys.stdout.buffer.write(mask.tobytes())
