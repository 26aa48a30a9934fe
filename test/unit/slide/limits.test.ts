import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, deflateSync, constants as zc } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LIBRARY_WORDS, expectOurError as expectOurs, openOrReadError, rejection } from '../../support/errors';
import { DEFAULT_SLIDE_LIMITS, limitsFromEnv, setSlideLimits, slideLimits } from '../../../src/slide';
import { openSlideFile } from '../../../src/slide/node';
import { inflateAtMost, lzwAtMost, packBitsAtMost } from '../../../src/slide/codecs/bounded-decode';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { ROOT } from '../../support/run-cli';
import { TiffType, buildTiff, getTag, listIfds, setTag } from '../../support/tiff-patch';

// Issue 15, parts 1 and 2 for slides: every size a slide file gives is checked against a named limit
// (src/slide/limits.ts), and the hostile files the issue found (changed tags, decompression bombs, a JPEG
// frame larger than its tile, 100,000 SubIFDs) end in one of our errors, or pixels, within a memory budget.

const tmp = mkdtempSync(join(tmpdir(), 'tessera-limits-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  setSlideLimits(DEFAULT_SLIDE_LIMITS);
});

function write(name: string, bytes: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/**
 * A zlib stream of `prefix` then `zeros` zero bytes, built without ever holding the zeros: one 16 MiB
 * deflate block of zeros (sync-flushed, so it does not depend on what precedes it beyond a zero byte)
 * repeated. A 783 KB file can so inflate to gigabytes, as in the issue.
 */
function zlibBomb(prefix: Uint8Array, zeros: number): Uint8Array {
  const UNIT = 16 * 1024 * 1024;
  const opts = { finishFlush: zc.Z_SYNC_FLUSH };
  const head = deflateRawSync(Buffer.concat([Buffer.from(prefix), Buffer.alloc(1)]), opts);
  const unit = deflateRawSync(Buffer.alloc(UNIT), opts);
  const rest = zeros - 1;
  const parts: Buffer[] = [Buffer.from([0x78, 0x9c]), head];
  for (let i = 0; i < Math.floor(rest / UNIT); i++) parts.push(unit);
  if (rest % UNIT) parts.push(deflateRawSync(Buffer.alloc(rest % UNIT), opts));
  parts.push(Buffer.from([0x03, 0x00])); // final empty block
  let a = 1;
  let b = 0;
  for (const byte of prefix) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  b = (b + ((zeros % 65521) * a) % 65521) % 65521; // each zero adds a to b
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((b << 16) | a) >>> 0);
  parts.push(adler);
  return Buffer.concat(parts);
}

/** 256 x 256 RGB samples whose pixel i is (i mod 256, i / 256, 77): recognisable after decoding. */
function pattern(w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) out.set([i & 255, (i >> 8) & 255, 77], i * 3);
  return out;
}

/** A JPEG of one colour whose SOF frame header says `frame` pixels instead of its real size. */
async function jpegClaiming(size: number, frame: [number, number] | null): Promise<Uint8Array> {
  const jpeg = new Uint8Array(await sharp({ create: { width: size, height: size, channels: 3, background: { r: 200, g: 60, b: 90 } } }).jpeg().toBuffer());
  if (!frame) return jpeg;
  for (let i = 2; i + 9 < jpeg.length; ) {
    const marker = jpeg[i + 1];
    const len = (jpeg[i + 2] << 8) | jpeg[i + 3];
    if (marker === 0xc0 || marker === 0xc2) {
      jpeg.set([frame[1] >> 8, frame[1] & 255, frame[0] >> 8, frame[0] & 255], i + 5);
      return jpeg;
    }
    i += 2 + len;
  }
  throw new Error('no SOF in the JPEG sharp wrote');
}

describe('limits: one named, settable set', () => {
  it('defaults are in force, can be changed one at a time, and malformed values are refused by name', () => {
    expect(slideLimits()).toEqual(DEFAULT_SLIDE_LIMITS);
    const before = setSlideLimits({ maxTileSide: 16384 });
    expect(before.maxTileSide).toBe(DEFAULT_SLIDE_LIMITS.maxTileSide);
    expect(slideLimits().maxTileSide).toBe(16384);
    expect(slideLimits().maxSubIfds).toBe(DEFAULT_SLIDE_LIMITS.maxSubIfds);
    expect(() => setSlideLimits({ maxIfds: 0 })).toThrow(/maxIfds must be a positive whole number/);
    expect(limitsFromEnv({ TESSERA_MAX_TILE_SIDE: '16_384', OTHER: '1' })).toEqual({ maxTileSide: 16384 });
    expect(() => limitsFromEnv({ TESSERA_MAX_SUBIFDS: 'lots' })).toThrow(/TESSERA_MAX_SUBIFDS must be a positive whole number \(got "lots"\)/);
  });
});

describe('bounded decoders stop at the size the header promises', () => {
  it('Deflate: a stream of 1 GiB of zeros after a pattern gives exactly the expected bytes, the pattern first', () => {
    const p = pattern(256, 256);
    const out = inflateAtMost(zlibBomb(p, 1024 * 1024 * 1024), p.length);
    expect(out.length).toBe(p.length);
    expect(Buffer.compare(Buffer.from(out), Buffer.from(p))).toBe(0);
  });

  it('Deflate: an honest stream decodes whole; a short one leaves zeros; a damaged one throws', () => {
    const p = pattern(64, 64);
    expect(Buffer.compare(Buffer.from(inflateAtMost(deflateSync(p), p.length)), Buffer.from(p))).toBe(0);
    const half = deflateSync(p.subarray(0, p.length / 2));
    const padded = inflateAtMost(half, p.length);
    expect(Buffer.compare(Buffer.from(padded.subarray(0, p.length / 2)), Buffer.from(p.subarray(0, p.length / 2)))).toBe(0);
    expect(padded.subarray(p.length / 2).every((v) => v === 0)).toBe(true);
    const bad = deflateSync(p);
    bad.fill(0xff, 10, 40);
    expect(() => inflateAtMost(bad, p.length)).toThrow(/Deflate data is damaged/);
  });

  it('LZW: codes that would expand without end stop at the expected size; a code before its definition throws', () => {
    // 9-bit codes, MSB first: 0, then 258, 259, 260... each the previous string plus one more zero (KwKwK).
    const codes = [256, 0];
    for (let c = 258; c < 511; c++) codes.push(c);
    const bitsOut: number[] = [];
    for (const c of codes) for (let b = 8; b >= 0; b--) bitsOut.push((c >> b) & 1);
    const bytes = new Uint8Array(Math.ceil(bitsOut.length / 8));
    bitsOut.forEach((bit, i) => (bytes[i >> 3] |= bit << (7 - (i & 7))));
    // Unbounded, these 253 codes give 1 + 2 + ... + 254 = 32,385 zeros; we ask for 1000.
    const out = lzwAtMost(bytes, 1000);
    expect(out.length).toBe(1000);
    expect(out.every((v) => v === 0)).toBe(true);
    expect(() => lzwAtMost(new Uint8Array([0x80, 0x00, 0xff, 0xff]), 100)).toThrow(/LZW data is damaged/);
  });

  it('PackBits: a run of runs is cut at the expected size; literals copy', () => {
    const runs = new Uint8Array(2000).map((_, i) => (i % 2 === 0 ? 0x81 : 7)); // 1000 runs of 128 sevens
    const out = packBitsAtMost(runs, 300);
    expect(out.length).toBe(300);
    expect(out.every((v) => v === 7)).toBe(true);
    expect(Array.from(packBitsAtMost(new Uint8Array([2, 1, 2, 3, 0xfe, 9]), 6))).toEqual([1, 2, 3, 9, 9, 9]);
  });
});

describe.skipIf(!HAVE_FIXTURES)(`changed tags in a real slide (${HAVE_FIXTURES ? 'CMU-pyramid-deflate.tif' : SKIP_REASON})`, () => {
  let base: Uint8Array;
  beforeAll(() => {
    base = new Uint8Array(readFileSync(fixture('slides', 'CMU-pyramid-deflate.tif')));
  });

  it('SamplesPerPixel = 0x7FFFFFFF is refused at open, naming the value and the limit', async () => {
    const path = write('spp.tif', setTag(base, 0, 277, TiffType.LONG, [0x7fffffff]));
    expectOurs(await openOrReadError(path), ['corrupt-file'], 'spp.tif', '2,147,483,647', `limit is ${DEFAULT_SLIDE_LIMITS.maxSamplesPerPixel}`);
  });

  it('BitsPerSample = 64 is refused, naming the limit of 16', async () => {
    const path = write('bps.tif', setTag(base, 0, 258, TiffType.SHORT, [64, 64, 64]));
    expectOurs(await openOrReadError(path), ['corrupt-file'], 'bps.tif', '64', 'limit is 16');
  });

  it('TileWidth 0 is refused (it gave an all-black PNG and exit 0)', async () => {
    const path = write('tw0.tif', setTag(base, 0, 322, TiffType.SHORT, [0]));
    expectOurs(await openOrReadError(path), ['corrupt-file'], 'tw0.tif', 'TileWidth', 'at least 1');
  });

  it('TileWidth 60000 is over the tile-side limit', async () => {
    const path = write('tw-huge.tif', setTag(base, 0, 322, TiffType.LONG, [60000]));
    expectOurs(await openOrReadError(path), ['corrupt-file'], 'tw-huge.tif', '60,000', `limit is ${DEFAULT_SLIDE_LIMITS.maxTileSide.toLocaleString('en-US')}`);
  });

  it('ImageWidth stored as FLOAT (it gave width 2.09e-42) is refused as not a whole number', async () => {
    const bits = new DataView(new ArrayBuffer(4));
    bits.setUint32(0, 1492); // the same four bytes, read as a float
    const path = write('float-width.tif', setTag(base, 0, 256, TiffType.FLOAT, [bits.getFloat32(0)]));
    expectOurs(await openOrReadError(path), ['corrupt-file'], 'float-width.tif', 'ImageWidth', 'not a whole number');
  });

  it('a TileOffsets count of 0x7FFFFFFF is our error, not "Invalid typed array length"', async () => {
    const offsets = getTag(base, 0, 324);
    const path = write('offsets-count.tif', setTag(base, 0, 324, TiffType.LONG, offsets, 0x7fffffff));
    expectOurs(await openOrReadError(path), ['corrupt-file', 'truncated'], 'offsets-count.tif');
  });

  it('TileOffsets pointing past the end of the file is our error, not "Offset is outside the bounds of the DataView"', async () => {
    const entry = listIfds(base)[0].entries.find((e) => e.tag === 324)!;
    const bytes = base.slice();
    new DataView(bytes.buffer).setUint32(entry.at + 8, bytes.length - 40, true);
    const path = write('offsets-past-end.tif', bytes);
    expectOurs(await openOrReadError(path), ['corrupt-file', 'truncated', 'corrupt-tile'], 'offsets-past-end.tif');
  });

  it('TileByteCounts stored as FLOAT is our error (it reached fs as an empty read: "ERR_INVALID_ARG_VALUE")', async () => {
    // Only the type changes: the same bits read as FLOAT (3.6e-41 and such).
    const bits = new DataView(new ArrayBuffer(4));
    const asFloat = getTag(base, 0, 325).map((c) => (bits.setUint32(0, c), bits.getFloat32(0)));
    const path = write('counts-float.tif', setTag(base, 0, 325, TiffType.FLOAT, asFloat));
    expectOurs(await openOrReadError(path), ['corrupt-tile'], 'counts-float.tif', 'not whole numbers');
  });

  it('a Photometric the engine does not read (palette) is refused at open, naming the file', async () => {
    const path = write('palette.tif', setTag(base, 0, 262, TiffType.SHORT, [3]));
    expectOurs(await openOrReadError(path), ['unsupported'], 'palette.tif', 'colour palette');
  });

  it('a SubIFDs list of 100,000 entries all pointing at IFD 0 is refused at once (it ran past 120 s and 10 GB)', async () => {
    const ifd0 = listIfds(base)[0].offset;
    // Reuse the Orientation entry's slot for SubIFDs (330): same position in tag order is not required by geotiff.
    const orientation = listIfds(base)[0].entries.find((e) => e.tag === 274)!;
    const bytes = base.slice();
    new DataView(bytes.buffer).setUint16(orientation.at, 330, true);
    const withSubs = setTag(bytes, 0, 330, TiffType.LONG, new Array(100_000).fill(ifd0));
    const path = write('subifds-100k.tif', withSubs);
    expectOurs(await openOrReadError(path), ['corrupt-file'], 'subifds-100k.tif', '100,000', `limit is ${DEFAULT_SLIDE_LIMITS.maxSubIfds}`);
  });

  it('two SubIFDs pointing at IFD 0 (under the count limit) are refused as a loop', async () => {
    const ifd0 = listIfds(base)[0].offset;
    const orientation = listIfds(base)[0].entries.find((e) => e.tag === 274)!;
    const bytes = base.slice();
    new DataView(bytes.buffer).setUint16(orientation.at, 330, true);
    const path = write('subifds-loop.tif', setTag(bytes, 0, 330, TiffType.LONG, [ifd0, ifd0]));
    expectOurs(await openOrReadError(path), ['corrupt-file'], 'subifds-loop.tif', 'points back');
  });
});

describe.skipIf(!HAVE_FIXTURES)(`library messages said as ours (${HAVE_FIXTURES ? 'CMU-pyramid-bigtiff-lzw.tif' : SKIP_REASON})`, () => {
  // BigTIFF offsets and counts are 64-bit: geotiff says "exceeds MAX_SAFE_INTEGER ... Please report" or
  // the engine "Invalid array length" when a changed one is read. Each must come out as our sentence.
  function bigTiffMutant(mutate: (dv: DataView, ifd: number, entryAt: (tag: number) => number) => void): Uint8Array {
    const bytes = new Uint8Array(readFileSync(fixture('slides', 'CMU-pyramid-bigtiff-lzw.tif')));
    const dv = new DataView(bytes.buffer);
    const ifd = Number(dv.getBigUint64(8, true));
    const n = Number(dv.getBigUint64(ifd, true));
    const entryAt = (tag: number) => {
      for (let i = 0; i < n; i++) if (dv.getUint16(ifd + 8 + 20 * i, true) === tag) return ifd + 8 + 20 * i;
      throw new Error(`no tag ${tag}`);
    };
    mutate(dv, ifd, entryAt);
    return bytes;
  }

  const cases: [string, (dv: DataView, ifd: number, entryAt: (tag: number) => number) => void][] = [
    ['first IFD offset 2^64 - 1', (dv) => dv.setBigUint64(8, 0xffffffffffffffffn, true)],
    ['TileOffsets count 2^47', (dv, _ifd, at) => dv.setBigUint64(at(324) + 4, 0x7fffffffffffn, true)],
    ['TileOffsets stored at 2^60', (dv, _ifd, at) => dv.setBigUint64(at(324) + 12, 0xfffffffffffffffn, true)],
  ];
  for (const [name, mutate] of cases) {
    it(`${name}: our error, no library words`, async () => {
      const file = `bigtiff-${name.replace(/\W+/g, '-')}.tif`;
      expectOurs(await openOrReadError(write(file, bigTiffMutant(mutate))), ['corrupt-file', 'truncated'], file);
    });
  }
});

describe('JPEG 2000 frame size read before decoding', () => {
  /** SOC, then a SIZ marker for a `w` x `h` image of three 8-bit components. */
  function sizHeader(w: number, h: number): Uint8Array {
    const b = new Uint8Array(4 + 38 + 9);
    const dv = new DataView(b.buffer);
    b.set([0xff, 0x4f, 0xff, 0x51]);
    dv.setUint16(4, 38 + 9, false); // Lsiz
    dv.setUint32(8, w, false);
    dv.setUint32(12, h, false);
    dv.setUint32(24, w, false); // tile size
    dv.setUint32(28, h, false);
    dv.setUint16(40, 3, false);
    for (let c = 0; c < 3; c++) b.set([7, 1, 1], 42 + 3 * c);
    return b;
  }

  it('an Aperio JPEG 2000 tile whose SIZ says 16000 x 16000 in a 256 px grid is a bad tile, never given to OpenJPEG', async () => {
    const path = write('j2k-bomb.tif', buildTiff({ width: 256, height: 256, tile: [256, 256], compression: 33005, photometric: 2, chunks: [sizHeader(16000, 16000)] }));
    const slide = await openSlideFile(path);
    try {
      expectOurs(await rejection(slide.readRegion(0, 0, 0, 64, 64)), ['corrupt-tile'], 'j2k-bomb.tif', '16,000 x 16,000', '256 x 256', 'JPEG 2000');
    } finally {
      await slide.close();
    }
  });
});

describe('decompression bombs and lying streams', () => {
  it('a 16384 x 16384 Deflate tile (the issue\'s 3.8 GB file) is refused at open by the tile-side limit', async () => {
    const path = write('tile-bomb.tif', buildTiff({ width: 16384, height: 16384, tile: [16384, 16384], compression: 8, photometric: 2, chunks: [new Uint8Array(16)] }));
    expectOurs(await openOrReadError(path), ['corrupt-file'], 'tile-bomb.tif', '16,384');
  });

  it('with the tile-side limit raised, the same tile is a bad tile by its decoded size, checked before decoding', async () => {
    setSlideLimits({ maxTileSide: 16384 });
    const path = write('tile-bomb-raised.tif', buildTiff({ width: 16384, height: 16384, tile: [16384, 16384], compression: 8, photometric: 2, chunks: [zlibBomb(new Uint8Array(0), 16384 * 16384 * 3)] }));
    const slide = await openSlideFile(path);
    try {
      expectOurs(await rejection(slide.readRegion(0, 0, 0, 64, 64)), ['corrupt-tile'], 'tile-bomb-raised.tif', 'tile', `limit is ${DEFAULT_SLIDE_LIMITS.maxDecodedPixels.toLocaleString('en-US')}`);
    } finally {
      await slide.close();
    }
  });

  it('a 256 px tile whose Deflate stream inflates to 1 GiB gives its 256 x 256 pixels, decoded only that far', async () => {
    const p = pattern(256, 256);
    const path = write('lying-deflate.tif', buildTiff({ width: 256, height: 256, tile: [256, 256], compression: 8, photometric: 2, chunks: [zlibBomb(p, 1024 * 1024 * 1024)] }));
    const slide = await openSlideFile(path);
    try {
      const img = await slide.readRegion(0, 0, 0, 256, 256);
      for (const i of [0, 1, 255, 256, 40000, 65535]) expect(Array.from(img.data.subarray(i * 4, i * 4 + 4))).toEqual([i & 255, (i >> 8) & 255, 77, 255]);
    } finally {
      await slide.close();
    }
  });

  it('a JPEG frame of 16000 x 16000 inside a 256 px tile is a bad tile, refused from its SOF header; the next tile reads', async () => {
    const bomb = await jpegClaiming(256, [16000, 16000]);
    const good = await jpegClaiming(256, null);
    const path = write('jpeg-bomb.tif', buildTiff({ width: 512, height: 256, tile: [256, 256], compression: 7, photometric: 6, chunks: [bomb, good] }));
    const slide = await openSlideFile(path);
    try {
      expectOurs(await rejection(slide.readRegion(0, 0, 0, 256, 256)), ['corrupt-tile'], 'jpeg-bomb.tif', '16,000 x 16,000', '256 x 256');
      const right = await slide.readRegion(0, 256, 0, 256, 256);
      const [r, g, b] = right.data;
      expect(Math.abs(r - 200) + Math.abs(g - 60) + Math.abs(b - 90)).toBeLessThan(12);
    } finally {
      await slide.close();
    }
  });

  it('a single 20000 x 20000 Deflate strip (the issue\'s 5.6 GB file) opens, and its strip is a bad tile by size', async () => {
    const path = write('strip-bomb.tif', buildTiff({ width: 20000, height: 20000, compression: 8, photometric: 2, chunks: [new Uint8Array(64)] }));
    const slide = await openSlideFile(path);
    try {
      expect(slide.info.levels[0].width).toBe(20000);
      expectOurs(await rejection(slide.readRegion(0, 0, 0, 64, 64)), ['corrupt-tile'], 'strip-bomb.tif', '400,000,000');
    } finally {
      await slide.close();
    }
  });
});

/** Peak RSS (kB) and outcome of `tessera ARGS` in a child with a 1 GB heap, measured by /usr/bin/time -v. */
function measuredCli(args: string[]): Promise<{ code: number; stderr: string; peakKb: number }> {
  return new Promise((done) => {
    const env = { ...process.env };
    delete env.TESSERA_DEBUG;
    const child = spawn('/usr/bin/time', ['-v', process.execPath, '--max-old-space-size=1024', join(ROOT, 'cli', 'tessera.mjs'), ...args], { cwd: ROOT, env });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.on('close', (code) => {
      const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? NaN);
      const ours = stderr.split('\n').filter((l) => l.startsWith('tessera: ')).join('\n');
      done({ code: code ?? -1, stderr: ours || stderr, peakKb });
    });
  });
}

const HAVE_TIME = existsSync('/usr/bin/time');

describe.skipIf(!HAVE_TIME || !HAVE_FIXTURES)(`the issue's files through the CLI, 1 GB heap, peak RSS under 1 GB${HAVE_TIME ? '' : ' (skipped: /usr/bin/time is absent)'}`, () => {
  it('region on SamplesPerPixel 0x7FFFFFFF, region on the three bombs, info on 100,000 SubIFDs: one line each, no crash', async () => {
    const base = new Uint8Array(readFileSync(fixture('slides', 'CMU-pyramid-deflate.tif')));
    const ifd0 = listIfds(base)[0].offset;
    const orientation = listIfds(base)[0].entries.find((e) => e.tag === 274)!;
    const subs = base.slice();
    new DataView(subs.buffer).setUint16(orientation.at, 330, true);
    const files = {
      spp: write('cli-spp.tif', setTag(base, 0, 277, TiffType.LONG, [0x7fffffff])),
      tile: write('cli-tile-bomb.tif', buildTiff({ width: 16384, height: 16384, tile: [16384, 16384], compression: 8, photometric: 2, chunks: [zlibBomb(new Uint8Array(0), 16384 * 16384 * 3)] })),
      strip: write('cli-strip-bomb.tif', buildTiff({ width: 20000, height: 20000, compression: 8, photometric: 2, chunks: [zlibBomb(new Uint8Array(0), 20000 * 20000 * 3)] })),
      jpeg: write('cli-jpeg-bomb.tif', buildTiff({ width: 256, height: 256, tile: [256, 256], compression: 7, photometric: 6, chunks: [await jpegClaiming(256, [16000, 16000])] })),
      subifds: write('cli-subifds.tif', setTag(subs, 0, 330, TiffType.LONG, new Array(100_000).fill(ifd0))),
    };
    const out = join(tmp, 'out.png');
    const region = (f: string) => ['region', f, '--level', '0', '--x', '0', '--y', '0', '--width', '256', '--height', '256', '--out', out];
    const cases: [string, string[]][] = [
      ['region spp', region(files.spp)],
      ['region tile bomb', region(files.tile)],
      ['region strip bomb', region(files.strip)],
      ['region jpeg bomb', region(files.jpeg)],
      ['info 100k SubIFDs', ['info', files.subifds]],
    ];
    // Side by side: each child's peak is its own; together they take the time of about two.
    const runs = Object.fromEntries(await Promise.all(cases.map(async ([k, args]) => [k, await measuredCli(args)] as const)));
    const figures = Object.entries(runs).map(([k, r]) => `${k}: exit ${r.code}, peak ${Math.round(r.peakKb / 1024)} MB`);
    console.log(`peak RSS (tessera, --max-old-space-size=1024): ${figures.join('; ')}`);
    for (const [name, r] of Object.entries(runs)) {
      expect(r.code, `${name}: ${r.stderr}`).toBe(1);
      expect(r.stderr.split('\n'), `${name}: ${r.stderr}`).toHaveLength(1);
      expect(r.stderr, name).toMatch(/^tessera: \S/);
      expect(r.stderr, name).not.toMatch(LIBRARY_WORDS);
      expect(r.peakKb, `${name} peak RSS`).toBeLessThan(1024 * 1024);
    }
    expect(runs['region spp'].stderr).toContain('2,147,483,647');
    expect(runs['region jpeg bomb'].stderr).toContain('16,000 x 16,000');
    expect(runs['info 100k SubIFDs'].stderr).toContain('100,000');
  }, 120_000);
});
