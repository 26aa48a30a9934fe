"""Writes small Aperio-style SVS files with JPEG 2000 tiles (compression 33003 = YCbCr, 33005 = RGB).

Test material made by tools nobody on Tessera wrote: OpenSlide reads the source pixels from
CMU-1-Small-Region.svs, Pillow (OpenJPEG) encodes the tiles losslessly, and the TIFF container is
written here by the TIFF 6.0 rules. Usage: make_aperio_j2k.py SOURCE.svs OUT_DIR
Writes OUT_DIR/j2k-33003.svs, OUT_DIR/j2k-33005.svs and OUT_DIR/j2k-source.png (the expected RGB).
"""
import io
import struct
import sys

import openslide
from PIL import Image

TILE = 256
SIZE = 512


def codestream(tile_rgb, ycbcr):
    img = tile_rgb
    if ycbcr:
        # Aperio 33003 stores YCbCr samples in a codestream without a multi-component transform.
        img = Image.frombytes('RGB', tile_rgb.size, tile_rgb.convert('YCbCr').tobytes())
    buf = io.BytesIO()
    img.save(buf, 'JPEG2000', no_jp2=True, irreversible=False, mct=0 if ycbcr else 1)
    return buf.getvalue()


def write_tiff(path, tiles, compression, description):
    entries = []  # (tag, type, count, value bytes or int)
    data = bytearray(b'II*\x00\x00\x00\x00\x00')
    desc = description.encode('ascii') + b'\x00'
    blobs = {}

    def put(b):
        off = len(data)
        data.extend(b)
        if len(data) % 2:
            data.append(0)
        return off

    blobs['desc'] = put(desc)
    blobs['bps'] = put(struct.pack('<3H', 8, 8, 8))
    offsets = [put(t) for t in tiles]
    blobs['offs'] = put(struct.pack(f'<{len(tiles)}I', *offsets))
    blobs['cnts'] = put(struct.pack(f'<{len(tiles)}I', *[len(t) for t in tiles]))
    SHORT, LONG, ASCII = 3, 4, 2
    entries = [
        (254, LONG, 1, 0), (256, LONG, 1, SIZE), (257, LONG, 1, SIZE), (258, SHORT, 3, blobs['bps']),
        (259, SHORT, 1, compression), (262, SHORT, 1, 2), (270, ASCII, len(desc), blobs['desc']),
        (277, SHORT, 1, 3), (284, SHORT, 1, 1), (322, SHORT, 1, TILE), (323, SHORT, 1, TILE),
        (324, LONG, len(tiles), blobs['offs']), (325, LONG, len(tiles), blobs['cnts']),
    ]
    ifd = len(data)
    data[4:8] = struct.pack('<I', ifd)
    data.extend(struct.pack('<H', len(entries)))
    for tag, typ, count, value in entries:
        if typ == SHORT and count == 1:
            data.extend(struct.pack('<HHIHH', tag, typ, count, value, 0))
        else:
            data.extend(struct.pack('<HHII', tag, typ, count, value))
    data.extend(struct.pack('<I', 0))
    with open(path, 'wb') as f:
        f.write(data)


def main():
    src, out = sys.argv[1], sys.argv[2]
    rgb = openslide.OpenSlide(src).read_region((600, 900), 0, (SIZE, SIZE)).convert('RGB')
    rgb.save(f'{out}/j2k-source.png')
    tiles = [rgb.crop((x, y, x + TILE, y + TILE)) for y in range(0, SIZE, TILE) for x in range(0, SIZE, TILE)]
    for compression, ycbcr in ((33003, True), (33005, False)):
        desc = f'Aperio Image Library vTessera-test\r\n{SIZE}x{SIZE} ({TILE}x{TILE}) J2K Q=100|AppMag = 20|MPP = 0.4990'
        write_tiff(f'{out}/j2k-{compression}.svs', [codestream(t, ycbcr) for t in tiles], compression, desc)


if __name__ == '__main__':
    main()
