import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../../src/core/errors';
import { openSlide, urlSource, type Slide } from '../../../src/slide';
import { nodeCodecs, openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { LARGE_SLIDE_SIZE, LARGE_SLIDE_SKIP_REASON, largeSlide } from '../../support/large-slide';
import { compareRgb } from '../../support/pixel-compare';

// DESIGN.md decision 3: opening a slide reads its structure, then only the tiles a region needs.

describe.skipIf(LARGE_SLIDE_SKIP_REASON !== null)('a 1.2-gigapixel slide is never read whole', () => {
  it('two 512 x 512 regions read less than 1% of the file', async () => {
    const path = await largeSlide();
    const slide = await openSlideFile(path);
    try {
      const size = statSync(path).size;
      const [L0] = slide.info.levels;
      expect([L0.width, L0.height]).toEqual(LARGE_SLIDE_SIZE);
      const afterOpen = await slide.bytesRead();

      const x0 = Math.floor(L0.width / 2) - 256;
      const y0 = Math.floor(L0.height / 2) - 256;
      const middle = await slide.readRegion(0, x0, y0, 512, 512);
      const lowest = slide.info.levels.reduce((best, l, i) => (l.synthesized ? best : i), 0);
      expect(lowest, 'libvips wrote a full pyramid').toBeGreaterThan(4);
      const low = slide.info.levels[lowest];
      const small = await slide.readRegion(lowest, Math.max(0, Math.floor(low.width / 2) - 256), Math.max(0, Math.floor(low.height / 2) - 256), 512, 512);
      const bytes = await slide.bytesRead();
      const percent = (100 * bytes) / size;
      console.log(
        `never-whole-file: ${bytes.toLocaleString('en')} of ${size.toLocaleString('en')} bytes read (${percent.toFixed(3)}%): ` +
          `${afterOpen.toLocaleString('en')} to open, then a 512 x 512 region at level 0 and one at level ${lowest} (${low.width} x ${low.height})`,
      );
      expect(bytes).toBeLessThan(size / 100);
      expect(bytes).toBeGreaterThan(afterOpen); // the regions did read tiles

      // The pixels are real: the slide is CMU-1-Small-Region tiled 15 x 12 and re-encoded at JPEG Q 85, so
      // the middle region is that slide at (x mod 2220, y mod 2967). Same place: mean |diff| about 4-8 per
      // channel (two JPEG generations); a region one 256 px tile off gives about 40-55.
      const svs = await openSlideFile(fixture('slides', 'CMU-1-Small-Region.svs'));
      const src = await svs.readRegion(0, 0, 0, 2220, 2967);
      await svs.close();
      const expected = new Uint8Array(512 * 512 * 3);
      for (let j = 0; j < 512; j++) {
        for (let i = 0; i < 512; i++) {
          const s = (((y0 + j) % 2967) * 2220 + ((x0 + i) % 2220)) * 4;
          expected.set(src.data.subarray(s, s + 3), (j * 512 + i) * 3);
        }
      }
      const d = compareRgb(middle.data, 4, expected, 3, 512 * 512);
      expect(d.meanAbs.every((v) => v < 12), JSON.stringify(d)).toBe(true);
      expect(d.meanSigned.every((v) => Math.abs(v) < 3), JSON.stringify(d)).toBe(true);
      // The lowest level is the whole slide, small: opaque where it lies, and not blank.
      expect(small.data[3]).toBe(255);
      expect(new Set(Array.from(small.data.subarray(0, 4 * low.width), (v, k) => (k % 4 === 3 ? 0 : v))).size).toBeGreaterThan(10);
    } finally {
      await slide.close();
    }
  }, 300_000);
});
if (HAVE_FIXTURES && LARGE_SLIDE_SKIP_REASON) it.skip(`${LARGE_SLIDE_SKIP_REASON}: the never-read-whole test is skipped`, () => {});

/** A static file server on 127.0.0.1, with or without HTTP Range support, that counts the bytes it sends. */
async function serve(file: string, ranges: boolean): Promise<{ url: string; sent: () => number; close: () => Promise<void> }> {
  const size = statSync(file).size;
  let sent = 0;
  const server: Server = createServer((req, res) => {
    if (!req.url?.endsWith('/slides/CMU-pyramid-jpeg.tif')) {
      res.writeHead(404).end('not found');
      return;
    }
    const m = ranges ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '') : null;
    let start = 0;
    let end = size - 1;
    if (m) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      if (start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes', 'Content-Type': 'image/tiff' });
    } else {
      res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'image/tiff' });
    }
    const stream = createReadStream(file, { start, end });
    stream.on('data', (chunk) => {
      sent += chunk.length;
    });
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slides/CMU-pyramid-jpeg.tif`,
    sent: () => sent,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

describe.skipIf(!HAVE_FIXTURES)('a slide over HTTP (urlSource)', () => {
  const path = fixture('slides', 'CMU-pyramid-jpeg.tif');

  it('reads through Range requests and gives the same pixels as the file path', async () => {
    const server = await serve(path, true);
    let viaUrl: Slide | undefined;
    const viaFile = await openSlideFile(path);
    try {
      viaUrl = await openSlide(await urlSource(server.url), nodeCodecs);
      expect(viaUrl.info.name).toBe('CMU-pyramid-jpeg.tif');
      expect(viaUrl.info.fileSize).toBe(statSync(path).size);
      expect(viaUrl.info.levels).toEqual(viaFile.info.levels);
      for (const [level, x, y, w, h] of [[0, 740, 989, 300, 300], [2, 355, 591, 200, 150]] as const) {
        const a = await viaUrl.readRegion(level, x, y, w, h);
        const b = await viaFile.readRegion(level, x, y, w, h);
        expect([a.width, a.height]).toEqual([w, h]);
        expect(Buffer.from(a.data).equals(Buffer.from(b.data)), `level ${level} region differs between URL and file`).toBe(true);
      }
      // Only the structure and the needed tiles crossed the wire.
      expect(server.sent()).toBeLessThan(statSync(path).size / 4);
      expect(server.sent()).toBeGreaterThanOrEqual(await viaUrl.bytesRead());
    } finally {
      await viaUrl?.close();
      await viaFile.close();
      await server.close();
    }
  });

  it('a server without Range support is refused as unsupported', async () => {
    const server = await serve(path, false);
    try {
      const e = await urlSource(server.url).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(TesseraError);
      expect((e as TesseraError).code).toBe('unsupported');
      expect((e as TesseraError).message).toMatch(/Range/);
      expect((e as TesseraError).message).not.toMatch(/undefined/);
    } finally {
      await server.close();
    }
  });

  it('a missing URL is a network error that says what the server answered', async () => {
    const server = await serve(path, true);
    try {
      const e = await urlSource(server.url.replace('CMU-pyramid-jpeg.tif', 'nothing-here.tif')).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(TesseraError);
      expect((e as TesseraError).code).toBe('network');
      expect((e as TesseraError).message).toContain('404');
    } finally {
      await server.close();
    }
  });
});

if (!HAVE_FIXTURES) it.skip(SKIP_REASON, () => {});
