/**
 * Hostile inputs made from scratch (no fixture needed): decompression bombs whose few hundred KB inflate to
 * gigabytes, and a TIFF whose SubIFDs all point back at its first IFD. Each is built in a few hundred ms,
 * without ever holding the inflated bytes: a deflate stream of zeros is one flushed block repeated.
 */
import { deflateRawSync, constants } from 'node:zlib';
import { concatBytes } from '../../../src/core';

const CHUNK = 1 << 20;

/** A zlib stream (RFC 1950) that inflates to `n` zero bytes, made without allocating n bytes. */
export function zlibZeros(n: number): Uint8Array {
  const block = deflateRawSync(Buffer.alloc(CHUNK), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const whole = Math.floor(n / CHUNK);
  const last = deflateRawSync(Buffer.alloc(n - whole * CHUNK), { level: 9 });
  const out = new Uint8Array(2 + whole * block.length + last.length + 4);
  out[0] = 0x78;
  out[1] = 0xda;
  let at = 2;
  for (let i = 0; i < whole; i++, at += block.length) out.set(block, at);
  out.set(last, at);
  at += last.length;
  // Adler-32 of n zeros: a stays 1, b gains 1 per byte.
  const b = n % 65521;
  new DataView(out.buffer).setUint32(at, ((b << 16) | 1) >>> 0, false);
  return out;
}

interface Field {
  tag: number;
  type: 3 | 4 | 2;
  values: number[] | string;
}

/** A little-endian classic TIFF with one IFD; `data` is placed after the header and referenced by `place`. */
export function tiffFile(fields: (dataAt: number) => Field[], data: Uint8Array): Uint8Array {
  const dataAt = 8;
  const list = fields(dataAt).sort((a, b) => a.tag - b.tag);
  let extraAt = dataAt + data.length;
  extraAt += extraAt & 1;
  const ifdAt = extraAt + list.reduce((s, f) => s + pad(valueBytes(f).length > 4 ? valueBytes(f).length : 0), 0);
  const size = ifdAt + 2 + list.length * 12 + 4;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, ifdAt, true);
  out.set(data, dataAt);
  view.setUint16(ifdAt, list.length, true);
  list.forEach((f, i) => {
    const e = ifdAt + 2 + i * 12;
    const bytes = valueBytes(f);
    view.setUint16(e, f.tag, true);
    view.setUint16(e + 2, f.type, true);
    view.setUint32(e + 4, typeof f.values === 'string' ? bytes.length : f.values.length, true);
    if (bytes.length <= 4) out.set(bytes, e + 8);
    else {
      out.set(bytes, extraAt);
      view.setUint32(e + 8, extraAt, true);
      extraAt += pad(bytes.length);
    }
  });
  return out;
}

function pad(n: number): number {
  return n + (n & 1);
}

function valueBytes(f: Field): Uint8Array {
  if (typeof f.values === 'string') return new TextEncoder().encode(`${f.values}\0`);
  const size = f.type === 3 ? 2 : 4;
  const out = new Uint8Array(f.values.length * size);
  const view = new DataView(out.buffer);
  f.values.forEach((v, i) => (size === 2 ? view.setUint16(i * size, v, true) : view.setUint32(i * size, v, true)));
  return out;
}

/** An RGB Deflate TIFF of `width` x `height`, one tile of tile x tile (or one strip when tile is 0), all zeros. */
export function deflateBombTiff(width: number, height: number, tile: number): Uint8Array {
  const w = tile || width;
  const h = tile || height;
  const stream = zlibZeros(w * h * 3);
  return tiffFile((at) => [
    { tag: 256, type: 4, values: [width] },
    { tag: 257, type: 4, values: [height] },
    { tag: 258, type: 3, values: [8, 8, 8] },
    { tag: 259, type: 3, values: [8] },
    { tag: 262, type: 3, values: [2] },
    { tag: 277, type: 3, values: [3] },
    { tag: 284, type: 3, values: [1] },
    ...(tile
      ? [
          { tag: 322, type: 4 as const, values: [tile] },
          { tag: 323, type: 4 as const, values: [tile] },
          { tag: 324, type: 4 as const, values: [at] },
          { tag: 325, type: 4 as const, values: [stream.length] },
        ]
      : [
          { tag: 273, type: 4 as const, values: [at] },
          { tag: 278, type: 4 as const, values: [height] },
          { tag: 279, type: 4 as const, values: [stream.length] },
        ]),
  ], stream);
}

/** A small tiled TIFF whose SubIFDs tag lists `count` SubIFDs, every one pointing at the first IFD. */
export function subIfdLoopTiff(count: number): Uint8Array {
  const tile = new Uint8Array(16 * 16 * 3).fill(200);
  const ifdAt = 0; // filled below: the single IFD is written after data and the SubIFD array
  void ifdAt;
  const probe = tiffFile(() => fields(0), tile);
  const firstIfd = new DataView(probe.buffer).getUint32(4, true);
  return tiffFile(() => fields(firstIfd), tile);

  function fields(target: number): Field[] {
    return [
      { tag: 256, type: 4, values: [16] },
      { tag: 257, type: 4, values: [16] },
      { tag: 258, type: 3, values: [8, 8, 8] },
      { tag: 259, type: 3, values: [1] },
      { tag: 262, type: 3, values: [2] },
      { tag: 277, type: 3, values: [3] },
      { tag: 322, type: 4, values: [16] },
      { tag: 323, type: 4, values: [16] },
      { tag: 324, type: 4, values: [8] },
      { tag: 325, type: 4, values: [tile.length] },
      { tag: 330, type: 4, values: new Array<number>(count).fill(target) },
    ];
  }
}

/** A PNG of width x height (colour type and depth as given) whose IDAT inflates to all-zero scanlines. */
export function pngBomb(width: number, height: number, colourType: 0 | 2 | 6, depth: 8 | 16): Uint8Array {
  const channels = colourType === 6 ? 4 : colourType === 2 ? 3 : 1;
  const rowBytes = 1 + (width * channels * depth) / 8;
  const idat = zlibZeros(rowBytes * height);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  return concatBytes([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

let CRC_TABLE: Uint32Array | undefined;
function crc32(bytes: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
