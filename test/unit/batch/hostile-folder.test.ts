import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../../../src/core';
import { PATCH_LIMITS, decodeTiff } from '../../../src/batch/decode';
import { decodeImage, walkFolder, type SkippedEntry } from '../../../src/batch/node';
import { BOMB_REASONS, bombs, goodImage, hostileFolder, lzwTiffs, pngBomb, removeTree, tiffBomb } from './hostile-files';

// Issue 15, parts 1 and 4 for patch folders: hostile entries are listed with their reasons and never read
// outside the folder; decompression bombs are refused from their headers (or stopped mid-stream when the
// stream lies), and the good images beside them still decode.

const tmp = mkdtempSync(join(tmpdir(), 'tessera-hostile-'));
afterAll(() => removeTree(tmp));

async function refusal(p: Promise<unknown>): Promise<TesseraError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e, 'expected a refusal').toBeInstanceOf(TesseraError);
  return e as TesseraError;
}

describe('walkFolder on a hostile folder', () => {
  let folder: Awaited<ReturnType<typeof hostileFolder>>;
  const files: string[] = [];
  const skipped: SkippedEntry[] = [];
  beforeAll(async () => {
    const root = join(tmp, 'walk');
    folder = await hostileFolder(root);
    for await (const e of walkFolder(root, (s) => skipped.push(s))) files.push(e.path);
  });

  it('yields the good images and the bombs (for the decoder to refuse), and nothing through a link out', () => {
    expect(files).toEqual([...folder.good.slice(0, 1), ...Object.keys(BOMB_REASONS).sort().map((n) => `bombs/${n}`), ...folder.good.slice(1)].sort());
    expect(files.filter((f) => /^(parent|etc-link|self|zero)/.test(f))).toEqual([]);
  });

  it('lists every other entry once, with its reason naming it', () => {
    for (const [path, reason] of Object.entries(folder.skipped)) {
      if (path.startsWith('bombs/')) continue;
      const listed = skipped.filter((s) => s.path === path);
      expect(listed, path).toHaveLength(1);
      expect(listed[0].reason).toMatch(reason);
      expect(listed[0].reason.startsWith(`${path}:`)).toBe(true);
    }
    const long = skipped.filter((s) => folder.longPath.startsWith(s.path) && s.path.length > 0);
    expect(long).toHaveLength(1);
    expect(long[0].reason).toMatch(/longer than this system allows/);
    const expected = Object.keys(folder.skipped).filter((p) => !p.startsWith('bombs/')).length + 1;
    expect(skipped).toHaveLength(expected);
  });
});

describe('patch decoding limits', () => {
  it('refuses each bomb with its reason, and still decodes a good image', async () => {
    for (const [name, bytes] of Object.entries(await bombs())) {
      const e = await refusal(decodeImage(new Uint8Array(bytes), name));
      expect(e.message, name).toMatch(BOMB_REASONS[name]);
      expect(e.message.startsWith(`Cannot read ${name}`)).toBe(true);
    }
    const good = await decodeImage(new Uint8Array(await goodImage('png', 1)), 'good.png');
    expect([good.width, good.height]).toEqual([24, 24]);
  });

  it('decodes an image just inside the limits, and refuses the same one when the limit is lower', async () => {
    // 2048 x 2048 RGBA: not plain, so decoded by fast-png after its stream is measured.
    const png = new Uint8Array(pngBomb(2048, 2048, 8, 6));
    const image = await decodeImage(png, 'big.png');
    expect([image.width, image.height, image.data.length]).toEqual([2048, 2048, 2048 * 2048 * 3]);
    const e = await refusal(decodeImage(png, 'big.png', { ...PATCH_LIMITS, maxPixels: 2048 * 2047 }));
    expect(e.message).toContain('2048 x 2048 px (4.2 megapixels), over the patch limit of 4.2 megapixels');
    const tif = new Uint8Array(tiffBomb(1024, 1024));
    expect((await decodeTiff(tif, 'ok.tif')).width).toBe(1024);
    expect((await refusal(decodeTiff(tif, 'ok.tif', { ...PATCH_LIMITS, maxDecodedBytes: 1024 * 1023 }))).message).toMatch(/1 bytes a pixel, 1 MB decoded, over the patch limit of 1 MB/);
  });

  it('stops a stream that inflates past its header, before it has inflated much more', async () => {
    // 256 x 256 RGBA says 256 KB; its stream holds 1 GB. The refusal comes at the limit, not at the end.
    const liar = new Uint8Array(pngBomb(256, 256, 8, 6, 1 << 30));
    const before = process.memoryUsage().rss;
    const e = await refusal(decodeImage(liar, 'liar.png'));
    expect(e.message).toMatch(/image data decodes to more than the 0\.3 MB its header allows/);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('decodes LZW TIFFs with a cap: PIL\'s samples exactly, and a strip that decodes past its tags is stopped', async (ctx) => {
    const tiffs = lzwTiffs();
    if (!tiffs) return ctx.skip('/usr/bin/python3 with PIL is not there to write LZW TIFFs');
    const rgb = await decodeTiff(new Uint8Array(tiffs.rgb), 'rgb.tif');
    expect([rgb.width, rgb.height, rgb.format]).toEqual([97, 61, 'rgb']);
    expect(Buffer.from(rgb.data).equals(tiffs.samples)).toBe(true);
    const e = await refusal(decodeTiff(new Uint8Array(tiffs.liar), 'liar.tif'));
    expect(e.message).toMatch(/^Cannot read liar.tif as a TIFF image: an LZW tile or strip decodes to more than the 0\.1 MB its header allows/);
  });

  it('refuses a file too large to read whole', async () => {
    const e = await refusal(decodeImage(new Uint8Array(2048), 'x.png', { ...PATCH_LIMITS, maxFileBytes: 1024 }));
    expect(e.message).toMatch(/the file is 0 MB, over the patch file limit/);
  });
});
