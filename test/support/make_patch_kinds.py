"""Writes one small patch of every kind batch scoring reads (issue 5), with PIL, into the folder given:
PNG grey 1/4/8/16-bit, grey+alpha, RGB, RGBA, palette with and without transparency, RGB 16-bit;
TIFF grey, RGB (raw, LZW, deflate, PackBits), RGBA, palette, CMYK, grey 16-bit.
The decoders are compared with sharp's (libvips) on them in test/unit/batch/decode.

Usage: /usr/bin/python3 test/support/make_patch_kinds.py OUT_DIR
"""
import os
import struct
import sys
import zlib

from PIL import Image

out = sys.argv[1]
W, H = 37, 29


def gradient(mode, scale=255):
    im = Image.new(mode, (W, H))
    bands = len(im.getbands())
    for y in range(H):
        for x in range(W):
            v = [((x * 7 + y * 13 + b * 50) % 256) * scale // 255 for b in range(bands)]
            im.putpixel((x, y), tuple(v) if bands > 1 else v[0])
    return im


def png16(path, channels):
    """PIL cannot write 16-bit RGB PNGs; this writes one (and a grey one) by hand."""
    color = {1: 0, 3: 2}[channels]
    raw = b''
    for y in range(H):
        raw += b'\0' + b''.join(struct.pack('>H', (x * 1777 + y * 911 + c * 20000) % 65536) for x in range(W) for c in range(channels))

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, 16, color, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def main():
    os.makedirs(out, exist_ok=True)
    grey, rgb = gradient('L'), gradient('RGB')
    grey.save(f'{out}/grey8.png')
    grey.convert('1').save(f'{out}/grey1.png')
    grey.save(f'{out}/grey4.png', bits=4)
    gradient('LA').save(f'{out}/grey-alpha.png')
    rgb.save(f'{out}/rgb.png')
    gradient('RGBA').save(f'{out}/rgba.png')
    pal = rgb.quantize(17)
    pal.save(f'{out}/palette.png')
    pal.save(f'{out}/palette-transparent.png', transparency=3)
    png16(f'{out}/grey16.png', 1)
    png16(f'{out}/rgb16.png', 3)
    grey.save(f'{out}/grey.tif')
    for c in ['raw', 'tiff_lzw', 'tiff_adobe_deflate', 'packbits']:
        rgb.save(f'{out}/rgb-{c}.tif', compression=c)
    gradient('RGBA').save(f'{out}/rgba.tif')
    pal.save(f'{out}/palette.tif')
    gradient('CMYK').save(f'{out}/cmyk.tif')
    gradient('I;16', 65535).save(f'{out}/grey16.tif')


main()
