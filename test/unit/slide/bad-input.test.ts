import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromArrayBuffer } from 'geotiff';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { TesseraError, type ErrorCode } from '../../../src/core/errors';
import type { Slide } from '../../../src/slide';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { expectOurError, openOrReadError, rejection } from '../../support/errors';
import { compareRgb, withinTolerance } from '../../support/pixel-compare';

// Files a pathologist may really drop on Tessera: not slides, cut short, damaged, or built to hurt.
// Each must be refused with a TesseraError whose code the UI can act on and whose message names the file.

const tmp = mkdtempSync(join(tmpdir(), 'tessera-bad-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array | string): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** Our error naming the file (test/support/errors.ts), and a whole sentence. */
function expectHumanError(e: unknown, codes: ErrorCode[], fileName: string): TesseraError {
  const t = expectOurError(e, codes, fileName);
  expect(t.message).toMatch(/^\S.{20,}[.)]$/s);
  return t;
}

/** Rejects instead of hanging: a hostile file must fail in bounded time. */
function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms (hang?)`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A minimal little-endian TIFF made by hand: `ifdCount` IFDs of a width x height 8-bit RGB image in one
 * uncompressed strip (all IFDs share it), chained in order. `last` says where the last IFD's next-IFD
 * pointer goes: nowhere (a proper end), itself, or back to the first IFD (a loop through all of them).
 */
function handMadeTiff(opts: { width?: number; height?: number; compression?: number; ifdCount?: number; last?: 'end' | 'self' | 'first' } = {}): Uint8Array {
  const w = opts.width ?? 16;
  const h = opts.height ?? 16;
  const n = opts.ifdCount ?? 1;
  const pixelBytes = w * h * 3;
  const entries = 9;
  const ifdSize = 2 + entries * 12 + 4;
  const dataOffset = 8;
  const bpsOffset = dataOffset + pixelBytes;
  const firstIfd = (bpsOffset + 6 + 1) & ~1; // IFDs start on a word boundary
  const buf = new Uint8Array(firstIfd + n * ifdSize);
  const dv = new DataView(buf.buffer);
  buf.set([0x49, 0x49]); // "II": little-endian
  dv.setUint16(2, 42, true);
  dv.setUint32(4, firstIfd, true);
  for (let i = 0; i < pixelBytes; i++) buf[dataOffset + i] = (i * 7) & 0xff;
  for (let i = 0; i < 3; i++) dv.setUint16(bpsOffset + 2 * i, 8, true);
  const SHORT = 3;
  const LONG = 4;
  for (let k = 0; k < n; k++) {
    let p = firstIfd + k * ifdSize;
    dv.setUint16(p, entries, true);
    p += 2;
    const tag = (id: number, type: number, count: number, value: number) => {
      dv.setUint16(p, id, true);
      dv.setUint16(p + 2, type, true);
      dv.setUint32(p + 4, count, true);
      if (type === SHORT && count === 1) dv.setUint16(p + 8, value, true);
      else dv.setUint32(p + 8, value, true);
      p += 12;
    };
    tag(256, SHORT, 1, w); // ImageWidth
    tag(257, SHORT, 1, h); // ImageLength
    tag(258, SHORT, 3, bpsOffset); // BitsPerSample 8, 8, 8
    tag(259, SHORT, 1, opts.compression ?? 1); // Compression
    tag(262, SHORT, 1, 2); // Photometric RGB
    tag(273, LONG, 1, dataOffset); // StripOffsets
    tag(277, SHORT, 1, 3); // SamplesPerPixel
    tag(278, SHORT, 1, h); // RowsPerStrip
    tag(279, LONG, 1, pixelBytes); // StripByteCounts
    const isLast = k === n - 1;
    const next = !isLast ? firstIfd + (k + 1) * ifdSize : opts.last === 'self' ? firstIfd + k * ifdSize : opts.last === 'first' ? firstIfd : 0;
    dv.setUint32(p, next, true);
  }
  return buf;
}

describe('files that are not slides', () => {
  it('a text file is not-a-tiff', async () => {
    const path = write('report.txt', 'Diagnosis: see attached slide.\n'.repeat(10));
    const e = await rejection(openSlideFile(path));
    expectHumanError(e, ['not-a-tiff'], 'report.txt');
  });

  it('a PNG is not-a-tiff', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c0392b' } }).png().toBuffer();
    const e = await rejection(openSlideFile(write('picture.png', png)));
    expectHumanError(e, ['not-a-tiff'], 'picture.png');
  });

  it('an empty file is refused', async () => {
    const e = await rejection(openSlideFile(write('empty.svs', new Uint8Array(0))));
    expectHumanError(e, ['not-a-tiff', 'truncated'], 'empty.svs');
  });

  it('a path that does not exist is refused', async () => {
    const e = await rejection(openSlideFile(join(tmp, 'never-written.svs')));
    expectHumanError(e, ['invalid-argument'], 'never-written.svs');
  });

  it('the hand-made TIFF these tests use is itself a valid slide', async () => {
    // Otherwise the failures below could come from the builder rather than from what each one changes.
    const slide = await openSlideFile(write('hand-made.tif', handMadeTiff()));
    try {
      expect([slide.info.levels[0].width, slide.info.levels[0].height]).toEqual([16, 16]);
      const img = await slide.readRegion(0, 0, 0, 16, 16);
      expect(Array.from(img.data.subarray(0, 8))).toEqual([0, 7, 14, 255, 21, 28, 35, 255]);
    } finally {
      await slide.close();
    }
  });
});

describe('unsupported compression', () => {
  it('a TIFF tagged with WebP compression (50001) is unsupported, and the message says WebP', async () => {
    const e = await openOrReadError(write('webp-tagged.tif', handMadeTiff({ compression: 50001 })));
    const t = expectHumanError(e, ['unsupported'], 'webp-tagged.tif');
    expect(t.message).toContain('WebP');
  });

  it('a TIFF tagged with an unknown compression number says which', async () => {
    const e = await openOrReadError(write('odd-compression.tif', handMadeTiff({ compression: 65000 })));
    const t = expectHumanError(e, ['unsupported'], 'odd-compression.tif');
    expect(t.message).toContain('65000');
  });

  const haveVips = spawnSync('which', ['vips']).status === 0;
  it.skipIf(!haveVips)('a real WebP-compressed TIFF written by libvips is unsupported (skipped without the vips CLI)', async () => {
    const png = write('webp-source.png', await sharp({ create: { width: 64, height: 48, channels: 3, background: '#e0a020' } }).png().toBuffer());
    const tif = join(tmp, 'vips-webp.tif');
    const r = spawnSync('vips', ['tiffsave', png, tif, '--compression', 'webp']);
    expect(r.status, String(r.stderr)).toBe(0);
    const e = await openOrReadError(tif);
    const t = expectHumanError(e, ['unsupported'], 'vips-webp.tif');
    expect(t.message).toContain('WebP');
  });
});

describe('hostile structure', () => {
  it('an IFD that points back to itself fails cleanly instead of hanging', async () => {
    const path = write('self-loop.tif', handMadeTiff({ last: 'self' }));
    const e = await within(10_000, rejection(openSlideFile(path)), 'opening a self-referencing IFD chain');
    expectHumanError(e, ['corrupt-file'], 'self-loop.tif');
  });

  it('a chain of three IFDs that loops back to the first fails cleanly', async () => {
    const path = write('three-loop.tif', handMadeTiff({ ifdCount: 3, last: 'first' }));
    const e = await within(10_000, rejection(openSlideFile(path)), 'opening a looping IFD chain');
    expectHumanError(e, ['corrupt-file'], 'three-loop.tif');
  });

  it('a chain of 5000 distinct IFDs settles quickly (capped, not walked to the end)', async () => {
    const path = write('long-chain.tif', handMadeTiff({ ifdCount: 5000 }));
    const outcome = await within(
      20_000,
      openSlideFile(path).then(
        async (s) => {
          await s.close();
          return 'opened';
        },
        (e: unknown) => e,
      ),
      'opening a 5000-IFD chain',
    );
    if (outcome !== 'opened') expectHumanError(outcome, ['corrupt-file'], 'long-chain.tif');
  });
});

describe.skipIf(!HAVE_FIXTURES)('damaged copies of a real slide', () => {
  const original = HAVE_FIXTURES ? readFileSync(fixture('slides', 'CMU-pyramid-jpeg.tif')) : Buffer.alloc(0);

  /** Tile offsets and byte counts of one page, read with geotiff.js directly (not through Tessera). */
  async function pageTiles(page: number) {
    const tiff = await fromArrayBuffer(original.buffer.slice(original.byteOffset, original.byteOffset + original.byteLength) as ArrayBuffer);
    const img = await tiff.getImage(page);
    const offsets = Array.from((await img.fileDirectory.loadValue('TileOffsets')) as ArrayLike<number>, Number);
    const counts = Array.from((await img.fileDirectory.loadValue('TileByteCounts')) as ArrayLike<number>, Number);
    return { offsets, counts, across: Math.ceil(img.getWidth() / img.getTileWidth()), tileWidth: img.getTileWidth(), firstIfd: tiff.firstIFDOffset };
  }

  /**
   * A truncated slide is refused at open (truncated or corrupt-file), or, if its structure survived the
   * cut, opens and then refuses to read a region whose tiles lie beyond the cut with 'truncated'.
   */
  async function expectTruncated(name: string, bytes: Uint8Array, beyondCut: [number, number, number, number, number]): Promise<'at-open' | 'at-read'> {
    const path = write(name, bytes);
    let slide: Slide;
    try {
      slide = await openSlideFile(path);
    } catch (e) {
      expectHumanError(e, ['truncated', 'corrupt-file'], name);
      return 'at-open';
    }
    try {
      expect(slide.info.levels[beyondCut[0]].synthesized, 'the level read beyond the cut is one the file stores').toBe(false);
      const e = await rejection(slide.readRegion(...beyondCut));
      expectHumanError(e, ['truncated'], name);
      return 'at-read';
    } finally {
      await slide.close();
    }
  }

  it('the first third of CMU-pyramid-jpeg.tif', async () => {
    // libvips writes each level's tiles and then its IFD, so a third of the file holds no IFD at all.
    const bottomRightTile: [number, number, number, number, number] = [0, 2048, 2816, 172, 151];
    await expectTruncated('first-third.tif', original.subarray(0, Math.floor(original.length / 3)), bottomRightTile);
  });

  it('CMU-pyramid-jpeg.tif cut just after its 8-byte header', async () => {
    await expectTruncated('header-only.tif', original.subarray(0, 64), [0, 0, 0, 256, 256]);
  });

  it('CMU-pyramid-jpeg.tif cut just after the first IFD and its values (level 1 and beyond missing)', async () => {
    const level1 = await pageTiles(1);
    const cut = Math.min(...level1.offsets);
    expect(cut, 'libvips layout: IFD 0 comes before the level-1 tiles').toBeGreaterThan(level1.firstIfd);
    await expectTruncated('after-first-ifd.tif', original.subarray(0, cut), [1, 0, 0, 256, 256]);
  });

  it('a strip TIFF whose structure survives the cut opens, then refuses the rows past the cut', async () => {
    // kidney-48-5-strip.tif has its IFD at the front and one uncompressed strip after it: the rows before
    // the cut read, the rows after it are 'truncated'.
    const whole = readFileSync(fixture('slides', 'kidney-48-5-strip.tif'));
    const how = await expectTruncated('kidney-cut.tif', whole.subarray(0, Math.floor(whole.length / 3)), [0, 0, 800, 64, 64]);
    expect(how).toBe('at-read');
    const slide = await openSlideFile(join(tmp, 'kidney-cut.tif'));
    try {
      const top = await slide.readRegion(0, 0, 0, 64, 64);
      expect(top.data[3]).toBe(255);
    } finally {
      await slide.close();
    }
  });

  it('a level-0 tile overwritten with garbage: that tile is corrupt-tile, the rest still reads right', async () => {
    const { offsets, counts, across, tileWidth } = await pageTiles(0);
    const [tx, ty] = [1, 9]; // well away from the reference crop read below
    const i = ty * across + tx;
    const damaged = Buffer.from(original);
    for (let k = 0; k < counts[i]; k++) damaged[offsets[i] + k] = (k * 151 + 7) & 0xff;
    const path = write('garbage-tile.tif', damaged);

    const slide = await openSlideFile(path);
    try {
      const x = tx * tileWidth;
      const y = ty * tileWidth;
      expectHumanError(await rejection(slide.readRegion(0, x, y, tileWidth, tileWidth)), ['corrupt-tile'], 'garbage-tile.tif');
      // A region that only overlaps the damaged tile is refused too.
      expectHumanError(await rejection(slide.readRegion(0, x - 100, y + 100, 300, 300)), ['corrupt-tile'], 'garbage-tile.tif');

      // Elsewhere the slide reads as before, and as OpenSlide read the undamaged file.
      const ref = await sharp(fixture('reference', 'CMU-pyramid-jpeg.tif.L0.740_989_300x300.png')).removeAlpha().raw().toBuffer();
      const img = await slide.readRegion(0, 740, 989, 300, 300);
      const d = compareRgb(img.data, 4, ref, 3, 300 * 300);
      expect(withinTolerance(d), JSON.stringify(d)).toBe(true);
    } finally {
      await slide.close();
    }
  });

  it('a level-0 tile whose header survives but whose scan data is damaged is corrupt-tile, not garbage pixels', async () => {
    // libjpeg only warns about damaged entropy-coded data; the Node codec must treat that as an error.
    const { offsets, counts, across } = await pageTiles(0);
    const i = 9 * across + 1;
    const damaged = Buffer.from(original);
    const from = offsets[i] + Math.floor(counts[i] / 3);
    for (let k = from; k < offsets[i] + counts[i]; k++) damaged[k] = (k * 151 + 7) & 0xff;
    const slide = await openSlideFile(write('damaged-scan.tif', damaged));
    try {
      expectHumanError(await rejection(slide.readRegion(0, 256, 9 * 256, 256, 256)), ['corrupt-tile'], 'damaged-scan.tif');
    } finally {
      await slide.close();
    }
  });
});

if (!HAVE_FIXTURES) it.skip(SKIP_REASON, () => {});
