import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../../../../src/core/errors';
import { decodeImageBytes, imageKind, jpegHeader, type NativeDecoders } from '../../../../src/batch/decode';
import sharp from 'sharp';
import type { ModelImage } from '../../../../src/inference';
import { FIXTURES, HAVE_FIXTURES, SKIP_REASON } from '../../../support/fixtures';

const PYTHON = '/usr/bin/python3';
const HAVE_PIL = existsSync(PYTHON) && (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import PIL']);
    return true;
  } catch {
    return false;
  }
})();

// No native decoders: every PNG goes through fast-png, so it is fast-png that is checked.
const noJpeg: NativeDecoders = {
  jpeg: async () => {
    throw new Error('no JPEG decoder in this test');
  },
};

/**
 * libvips' decode, as the reference: grey, RGB or CMYK as stored, alpha dropped, no ICC profile applied;
 * 16-bit read as 16-bit and its high byte kept (libvips itself rounds grey and truncates RGB).
 */
async function sharpReference(bytes: Uint8Array): Promise<ModelImage> {
  const meta = await sharp(bytes).metadata();
  const format = meta.space === 'cmyk' ? 'cmyk' : meta.space === 'b-w' || meta.space === 'grey16' ? 'grey' : 'rgb';
  const deep = meta.depth === 'ushort';
  let pipeline = sharp(bytes).keepIccProfile();
  if (format === 'cmyk') pipeline = pipeline.pipelineColourspace('cmyk');
  else pipeline = pipeline.removeAlpha();
  const space = format === 'cmyk' ? 'cmyk' : format === 'grey' ? (deep ? 'grey16' : 'b-w') : deep ? 'rgb16' : 'srgb';
  const { data, info } = await pipeline.toColourspace(space).raw(deep ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
  const samples = deep ? Uint8Array.from(new Uint16Array(data.buffer, data.byteOffset, data.byteLength >> 1), (v) => v >> 8) : new Uint8Array(data);
  return { width: info.width, height: info.height, data: samples, format };
}

const md5 = (data: Uint8Array | Uint8ClampedArray) => createHash('md5').update(data).digest('hex');

describe.skipIf(!HAVE_PIL)(`the pure PNG and TIFF decoders against sharp (libvips)${HAVE_PIL ? '' : ' (needs /usr/bin/python3 with PIL)'}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-kinds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  if (HAVE_PIL) execFileSync(PYTHON, [join(import.meta.dirname, '../../../support/make_patch_kinds.py'), dir]);

  it('decode every kind of PNG and TIFF (grey 1/4/8/16-bit, alpha, palette, RGB 16-bit, compressions, CMYK) to the same samples', async () => {
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThanOrEqual(19);
    const got: string[] = [];
    const want: string[] = [];
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(join(dir, f)));
      const theirs = await sharpReference(bytes);
      const mine = await decodeImageBytes(bytes, f, noJpeg).catch((e: Error) => e);
      got.push(mine instanceof Error ? `${f} ${mine.message}` : `${f} ${mine.format} ${mine.width}x${mine.height} ${md5(mine.data)}`);
      want.push(`${f} ${theirs.format} ${theirs.width}x${theirs.height} ${md5(theirs.data)}`);
    }
    expect(got).toEqual(want);
  });
});

interface Reference { path: string; mode: string; width: number; height: number; md5: string }
const reference = (JSON.parse(readFileSync(join(import.meta.dirname, '../node/pil-decode-reference.json'), 'utf8')) as { images: Reference[] }).images;

describe.skipIf(!HAVE_FIXTURES)(`the decoders on the fixture patches${HAVE_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
  it('give PIL\'s samples for every PNG and TIFF fixture patch', async () => {
    const mismatches: string[] = [];
    let count = 0;
    for (const ref of reference) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, ref.path)));
      const kind = imageKind(bytes);
      if (kind === 'jpeg') continue;
      count++;
      const image = await decodeImageBytes(bytes, ref.path, noJpeg);
      const got = `${image.format} ${image.width}x${image.height} ${md5(image.data)}`;
      if (got !== `${ref.mode} ${ref.width}x${ref.height} ${ref.md5}`) mismatches.push(`${ref.path}: ${got}, PIL ${ref.mode} ${ref.md5}`);
    }
    expect(count).toBeGreaterThan(40);
    expect(mismatches).toEqual([]);
  });

  it('read every JPEG fixture\'s frame header: its size and one component for the grey ones', () => {
    const jpegs = reference.filter((r) => imageKind(new Uint8Array(readFileSync(join(FIXTURES, r.path)))) === 'jpeg');
    expect(jpegs.length).toBeGreaterThan(200);
    for (const ref of jpegs) {
      const header = jpegHeader(new Uint8Array(readFileSync(join(FIXTURES, ref.path))), ref.path);
      expect(`${ref.path} ${header.width}x${header.height} ${header.components === 1 ? 'grey' : 'rgb'}`).toBe(`${ref.path} ${ref.width}x${ref.height} ${ref.mode}`);
    }
  });

  it('refuse a cut-off JPEG, a damaged PNG and a file that is no image, saying so', async () => {
    const jpeg = readFileSync(join(FIXTURES, reference.find((r) => r.path.endsWith('.jpg'))!.path));
    const png = readFileSync(join(FIXTURES, reference.find((r) => r.path.endsWith('.png'))!.path));
    const refusal = async (bytes: Uint8Array) => {
      try {
        await decodeImageBytes(bytes, 'x', noJpeg);
      } catch (e) {
        expect(e).toBeInstanceOf(TesseraError);
        return (e as Error).message;
      }
      return 'decoded';
    };
    expect(await refusal(jpeg.subarray(0, jpeg.length >> 1))).toMatch(/^Cannot read x as a JPEG image: the file is cut off/);
    expect(await refusal(png.subarray(0, png.length >> 1))).toMatch(/^Cannot read x as a PNG image: /);
    const flipped = new Uint8Array(png);
    flipped[flipped.length >> 1] ^= 0xff;
    expect(await refusal(flipped)).toMatch(/^Cannot read x as a PNG image: /);
    expect(await refusal(new TextEncoder().encode('name,prediction\n'))).toMatch(/first bytes are not any of these/);
    expect(await refusal(new Uint8Array(0))).toBe('Cannot read x: the file is empty.');
  });
});
