"""What tifffile and numpy say about the fluorescence OME-TIFFs (make_fluorescence_ome.py), for Tessera's tests.

Usage: fluorescence_reference.py SLIDE_DIR OUT_DIR DISPLAY_JSON

For each fluo-<kind>.ome.tif, writes to OUT_DIR:
  <kind>-L<l>.bin   every pyramid level's planes as tifffile reads them (C planes, row-major, little-endian),
                    then two levels halved by 2 x 2 integer means rounded half up (Tessera's synthesised levels)
  <kind>-auto.bin   the composite (RGB, uint8) of level 1 with the automatic display computed here
  <kind>-custom.bin the composite of level 1 with DISPLAY_JSON[kind] (a display list as Tessera takes it)
and reference.json: per kind, levels [[width, height]], dtype, channel names and colours from the OME-XML
(tifffile's own parse), and the automatic contrast limits: as Viv's getChannelStats, the sorted samples of
the smallest stored level above the type's lowest value, at indices floor(n * 0.0005) and floor(n * 0.9995).
"""
import json
import os
import sys

import numpy as np
import tifffile

KINDS = ['uint8', 'uint16', 'int8', 'int16']
PALETTE = [[0, 0, 255], [0, 255, 0], [255, 0, 0], [255, 0, 255], [0, 255, 255], [255, 255, 0]]


def halve(plane):
    h, w = plane.shape[0] // 2, plane.shape[1] // 2
    p = plane[:h * 2, :w * 2].astype(np.int64)
    s = p[0::2, 0::2] + p[1::2, 0::2] + p[0::2, 1::2] + p[1::2, 1::2]
    return np.floor_divide(s + 2, 4).astype(plane.dtype)


def auto_limits(plane):
    lowest = np.iinfo(plane.dtype).min
    v = np.sort(plane[plane > lowest].ravel())
    if v.size == 0:
        return [int(lowest), int(np.iinfo(plane.dtype).max)]
    lo = int(v[int(np.floor(v.size * 0.0005))])
    hi = int(v[int(np.floor(v.size * (1 - 0.0005)))])
    return [lo, hi if hi > lo else lo + 1]


def composite(planes, display):
    h, w = planes[0].shape
    rgb = np.zeros((h, w, 3), np.float64)
    for plane, d in zip(planes, display):
        if not d['visible']:
            continue
        span = d['max'] - d['min']
        t = np.clip((plane.astype(np.float64) - d['min']) / span, 0, 1)
        for k in range(3):
            rgb[..., k] += t * d['color'][k]
    return np.floor(np.minimum(255, rgb) + 0.5).astype(np.uint8)


def main():
    src, out, custom = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    reference = {}
    for kind in KINDS:
        with tifffile.TiffFile(os.path.join(src, f'fluo-{kind}.ome.tif')) as tif:
            series = tif.series[0]
            levels = [lvl.asarray() for lvl in series.levels]  # each (C, Y, X)
            ome = tifffile.xml2dict(tif.ome_metadata)['OME']['Image']['Pixels']
        channels = ome['Channel'] if isinstance(ome['Channel'], list) else [ome['Channel']]
        names = [c.get('Name', f'Channel {i + 1}') for i, c in enumerate(channels)]
        colors = []
        for i, c in enumerate(channels):
            if 'Color' in c:
                u = int(c['Color']) & 0xFFFFFFFF
                colors.append([(u >> 24) & 255, (u >> 16) & 255, (u >> 8) & 255])
            else:
                colors.append(PALETTE[i % len(PALETTE)])
        while max(levels[-1].shape[1:]) > 100:
            levels.append(np.stack([halve(p) for p in levels[-1]]))
        for i, lvl in enumerate(levels):
            lvl.astype(lvl.dtype.newbyteorder('<')).tofile(os.path.join(out, f'{kind}-L{i}.bin'))
        smallest = series.levels[-1].asarray()
        auto = [auto_limits(p) for p in smallest]
        auto_display = [{'visible': True, 'color': colors[c], 'min': auto[c][0], 'max': auto[c][1]} for c in range(len(names))]
        composite(levels[1], auto_display).tofile(os.path.join(out, f'{kind}-auto.bin'))
        composite(levels[1], custom[kind]).tofile(os.path.join(out, f'{kind}-custom.bin'))
        reference[kind] = {
            'levels': [[int(l.shape[2]), int(l.shape[1])] for l in levels],
            'dtype': str(levels[0].dtype),
            'names': names,
            'colors': colors,
            'auto': auto,
        }
    with open(os.path.join(out, 'reference.json'), 'w') as f:
        json.dump(reference, f)


if __name__ == '__main__':
    main()
