"""Writes multi-channel fluorescence OME-TIFFs from two real channels of one scan.

Usage: make_fluorescence_ome.py FIXTURES_SLIDES_DIR OUT_DIR

Sources: test3-DAPI-2.ndpi and test3-TRITC-2.ndpi (Hamamatsu, same size and position), read with
OpenSlide at their level 1 (1984 x 2432 px, the whole scan at half resolution, so tests stay fast).
Each NDPI stores its grey signal as an RGB picture in the colour of its dye: DAPI in blue (mean 40, max
255; red and green stay under 18), TRITC in red (mean 18, max 255; green and blue under 26). So the
grey signal of each is the channel carrying the dye (DAPI: B, TRITC: R), not the max of RGB, which would
add the other channels' small noise.

Writes, each a pyramidal OME-TIFF written by tifffile (tiles 256 x 256, Deflate, planes C=0 and C=1 in
IFDs 0 and 1, each with 3 SubIFDs made by 2 x 2 integer means rounded half up):
  fluo-uint8.ome.tif   the two signals as they are; Channel Name DAPI / TRITC, Color blue / red
  fluo-uint16.ome.tif  v * 250 + 1000 + ((5x + 3y) mod 200): a real 16-bit range (1000..64949) whose low
                       byte is not the high byte repeated; Name and Color as above
  fluo-int8.ome.tif    v - 128 (SampleFormat 2, -128..127); names but no Color (the default palette)
  fluo-int16.ome.tif   v * 250 - 32000 + ((5x + 3y) mod 200) (signed, -32000..31949); names and colours
and dapi-int8.ome.tif: DAPI alone (its top-left 768 x 512 px) as v - 128, one level, one channel;
zstack-xyzct.ome.tif: both channels' top-left 768 x 512 px as uint8, Z = 0 the signal, Z = 1 its inverse,
axes CZYX (DimensionOrder XYZCT), one level.
stack-zt.ome.tif: both channels' top-left 768 x 512 px as uint8 in 3 Z planes and 2 time points, axes
TZCYX (DimensionOrder XYCZT), each plane with one SubIFD (2 x 2 means): plane (z, t) of a channel is its
signal shifted right by 97 z px (wrapping round), and inverted at t = 1, so every plane differs.
stack-missing.ome.tif: the crops as 2 channels x 2 Z planes (4 IFDs, one level) whose OME-XML says SizeZ 3:
its third Z plane is named but not stored (hostile or truncated metadata).
"""
import os
import sys

import numpy as np
import openslide
import tifffile

LEVELS = 4
TILE = (256, 256)
# OME Color: a signed 32-bit RGBA integer.
BLUE = 0x0000FFFF
RED = np.int32(np.uint32(0xFF0000FF)).item()


def signal(path, band):
    s = openslide.OpenSlide(path)
    w, h = s.level_dimensions[1]
    rgba = np.asarray(s.read_region((0, 0), 1, (w, h)))
    s.close()
    return rgba[..., band].astype(np.int64)


def pattern(shape):
    y, x = np.mgrid[0:shape[0], 0:shape[1]]
    return (5 * x + 3 * y) % 200


def halve(plane):
    h, w = plane.shape[0] // 2, plane.shape[1] // 2
    p = plane[:h * 2, :w * 2].astype(np.int64)
    s = p[0::2, 0::2] + p[1::2, 0::2] + p[0::2, 1::2] + p[1::2, 1::2]
    return np.floor_divide(s + 2, 4).astype(plane.dtype)


def write(path, planes, channel):
    base = np.stack(planes)
    pyramid = [base]
    for _ in range(LEVELS - 1):
        pyramid.append(np.stack([halve(p) for p in pyramid[-1]]))
    metadata = {'axes': 'CYX', 'Channel': channel, 'PhysicalSizeX': 0.4563501, 'PhysicalSizeY': 0.4563501}
    options = dict(tile=TILE, compression='zlib', photometric='minisblack')
    with tifffile.TiffWriter(path, ome=True) as tif:
        tif.write(pyramid[0], subifds=LEVELS - 1, metadata=metadata, **options)
        for level in pyramid[1:]:
            tif.write(level, subfiletype=1, **options)


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    dapi = signal(os.path.join(src, 'test3-DAPI-2.ndpi'), 2)
    tritc = signal(os.path.join(src, 'test3-TRITC-2.ndpi'), 0)
    named = {'Name': ['DAPI', 'TRITC'], 'Color': [BLUE, RED]}
    p = pattern(dapi.shape)
    write(os.path.join(out, 'fluo-uint8.ome.tif'), [dapi.astype(np.uint8), tritc.astype(np.uint8)], named)
    write(os.path.join(out, 'fluo-uint16.ome.tif'), [(v * 250 + 1000 + p).astype(np.uint16) for v in (dapi, tritc)], named)
    write(os.path.join(out, 'fluo-int8.ome.tif'), [(v - 128).astype(np.int8) for v in (dapi, tritc)], {'Name': ['DAPI', 'TRITC']})
    write(os.path.join(out, 'fluo-int16.ome.tif'), [(v * 250 - 32000 + p).astype(np.int16) for v in (dapi, tritc)], named)
    # Two channels of two Z planes, C outermost (DimensionOrder XYZCT: IFDs C0Z0, C0Z1, C1Z0, C1Z1); Z=1
    # holds the inverted signal, so reading it instead of Z=0 shows.
    crop = [v[:512, :768].astype(np.uint8) for v in (dapi, tritc)]
    zstack = np.stack([np.stack([c, 255 - c]) for c in crop])
    tifffile.imwrite(os.path.join(out, 'zstack-xyzct.ome.tif'), zstack, ome=True, tile=TILE, compression='zlib',
                     photometric='minisblack', metadata={'axes': 'CZYX', 'Channel': {'Name': ['DAPI', 'TRITC']}})
    # A Z-stack and time series with a pyramid per plane (TZCYX: C varies fastest, then Z, then T).
    stack = np.stack([np.stack([np.stack([np.roll(c, 97 * z, axis=1) if t == 0 else 255 - np.roll(c, 97 * z, axis=1) for c in crop])
                                for z in range(3)]) for t in range(2)])
    options = dict(tile=TILE, compression='zlib', photometric='minisblack')
    with tifffile.TiffWriter(os.path.join(out, 'stack-zt.ome.tif'), ome=True) as tif:
        tif.write(stack, subifds=1, metadata={'axes': 'TZCYX', 'Channel': named, 'PhysicalSizeX': 0.4563501, 'PhysicalSizeY': 0.4563501}, **options)
        tif.write(np.stack([np.stack([np.stack([halve(p) for p in zc]) for zc in tz]) for tz in stack]), subfiletype=1, **options)
    # OME-XML naming a third Z plane that is not stored.
    xml = ('<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">'
           '<Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint8" SizeX="768" SizeY="512" '
           'SizeC="2" SizeZ="3" SizeT="1"><Channel ID="Channel:0:0" Name="DAPI" SamplesPerPixel="1"/>'
           '<Channel ID="Channel:0:1" Name="TRITC" SamplesPerPixel="1"/><TiffData IFD="0" PlaneCount="4"/></Pixels></Image></OME>')
    with tifffile.TiffWriter(os.path.join(out, 'stack-missing.ome.tif')) as tif:
        for i, plane in enumerate([crop[0], crop[1], 255 - crop[0], 255 - crop[1]]):
            tif.write(plane, description=xml if i == 0 else None, metadata=None, **options)
    # One channel only: shown grey as before (no channel controls); signed, so read (offset), not refused.
    tifffile.imwrite(os.path.join(out, 'dapi-int8.ome.tif'), (dapi[:512, :768] - 128).astype(np.int8), ome=True,
                     tile=TILE, compression='zlib', photometric='minisblack', metadata={'axes': 'YX', 'Channel': {'Name': ['DAPI']}})


if __name__ == '__main__':
    main()
