// Hostile patch files and folders for issue 15, generated at test time (never copied from ../shared): the
// decompression bombs of the issue (a 3.5 MB PNG that says 30000 x 30000 RGBA, a 16-bit grey PNG, Deflate
// TIFFs with one huge strip or tile, a JPEG whose frame header says 60000 x 60000), streams that lie
// about their size, and a folder of hostile names and links beside good images. Shared by the unit, CLI
// and browser tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, constants } from 'node:zlib';
import sharp from 'sharp';

const CHUNK = 1 << 20;

/**
 * A zlib stream of `n` zero bytes, built in milliseconds: one 1 MiB block compressed once and repeated
 * (a full flush makes each copy stand alone), then the rest, then the Adler-32 of n zeros.
 */
export function zlibZeros(n: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(CHUNK), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const parts: Buffer[] = [Buffer.from([0x78, 0xda])];
  for (let i = 0; i < Math.floor(n / CHUNK); i++) parts.push(block);
  parts.push(deflateRawSync(Buffer.alloc(n % CHUNK), { level: 9 }));
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((n % 65521) * 65536 + 1) >>> 0);
  parts.push(adler);
  return Buffer.concat(parts);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/**
 * A PNG whose IHDR says width x height at `depth` bits of `colourType`, and whose image data inflates to
 * `rawBytes` zeros (by default exactly what IHDR implies: a true bomb; fewer header pixels: a liar).
 */
export function pngBomb(width: number, height: number, depth: number, colourType: number, rawBytes?: number): Buffer {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colourType as 0 | 2 | 4 | 6];
  const raw = rawBytes ?? height * (1 + Math.ceil((width * channels * depth) / 8));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlibZeros(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A little-endian 8-bit grey TIFF, Deflate-compressed, of one strip (tile undefined) or one tile of
 * tile x tile px, whose one block inflates to `rawBytes` zeros (by default what the tags imply); or, given
 * `jpeg`, JPEG-compressed with that stream as its one block.
 */
export function tiffBomb(width: number, height: number, tile?: number, rawBytes?: number, jpeg?: Buffer): Buffer {
  const raw = rawBytes ?? (tile ? tile * tile : width * height);
  const data = jpeg ?? zlibZeros(raw);
  const tags: [number, number, number][] = [
    [256, 4, width],
    [257, 4, height],
    [258, 3, 8],
    [259, 3, jpeg ? 7 : 8], // JPEG or Deflate
    [262, 3, 1], // BlackIsZero
    [277, 3, 1],
    ...(tile
      ? ([[322, 4, tile], [323, 4, tile], [324, 4, 0], [325, 4, data.length]] as [number, number, number][])
      : ([[273, 4, 0], [278, 4, height], [279, 4, data.length]] as [number, number, number][])),
  ];
  tags.sort((a, b) => a[0] - b[0]);
  const ifdSize = 2 + 12 * tags.length + 4;
  const dataAt = 8 + ifdSize;
  const ifd = Buffer.alloc(ifdSize);
  ifd.writeUInt16LE(tags.length, 0);
  tags.forEach(([tag, type, value], i) => {
    const at = 2 + 12 * i;
    ifd.writeUInt16LE(tag, at);
    ifd.writeUInt16LE(type, at + 2);
    ifd.writeUInt32LE(1, at + 4);
    const v = tag === 273 || tag === 324 ? dataAt : value;
    if (type === 3) ifd.writeUInt16LE(v, at + 8);
    else ifd.writeUInt32LE(v, at + 8);
  });
  const head = Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  return Buffer.concat([head, ifd, data]);
}

/** A small real JPEG whose frame header (SOF) is rewritten to say width x height. */
export async function jpegClaiming(width: number, height: number): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 100, b: 50 } } }).jpeg().toBuffer();
  for (let i = 2; i + 9 < jpeg.length;) {
    const marker = jpeg[i + 1];
    if (marker >= 0xc0 && marker <= 0xc2) {
      jpeg.writeUInt16BE(height, i + 5);
      jpeg.writeUInt16BE(width, i + 7);
      return jpeg;
    }
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  throw new Error('no SOF in the generated JPEG');
}

/** A small good image, different per seed. */
export async function goodImage(format: 'png' | 'jpeg', seed: number): Promise<Buffer> {
  const pixels = Buffer.from(Array.from({ length: 24 * 24 * 3 }, (_, i) => (i * seed * 37 + seed) % 256));
  return sharp(pixels, { raw: { width: 24, height: 24, channels: 3 } })[format]().toBuffer();
}

/** The bombs of issue 15, by file name: each must be skipped with its reason, never decoded whole. */
export async function bombs(): Promise<Record<string, Buffer>> {
  return {
    'rgba-30000.png': pngBomb(30000, 30000, 8, 6), // 3.5 MB, 3.6 GB decoded
    'grey16-30000.png': pngBomb(30000, 30000, 16, 0),
    'strip-20000.tif': tiffBomb(20000, 20000),
    'tile-16384.tif': tiffBomb(16384, 16384, 16384),
    'sof-60000.jpg': await jpegClaiming(60000, 60000),
    // Liars: small headers, streams of 1 GB.
    'liar-256.png': pngBomb(256, 256, 8, 6, 1 << 30),
    'liar-256.tif': tiffBomb(256, 256, undefined, 1 << 30),
    // A 256 x 256 tile holding a JPEG whose frame says 16000 x 16000 (768 MB decoded).
    'jpeg-tile.tif': tiffBomb(256, 256, 256, undefined, await jpegClaiming(16000, 16000)),
  };
}

/** Files that are images by name but skipped, with a word each of their reasons must contain. */
export const BOMB_REASONS: Record<string, RegExp> = {
  'rgba-30000.png': /30000 x 30000 px.*over the patch limit/,
  'grey16-30000.png': /30000 x 30000 px.*over the patch limit/,
  'strip-20000.tif': /20000 x 20000 px.*over the patch limit/,
  'tile-16384.tif': /16384 x 16384 px.*over the patch limit/,
  'sof-60000.jpg': /60000 x 60000 px.*over the patch limit/,
  'liar-256.png': /decodes to more than/,
  'liar-256.tif': /decodes to more than/,
  'jpeg-tile.tif': /a JPEG tile of 16000 x 16000 px decodes to more than/,
};

/**
 * A patch folder with good images (good/a.jpg, good/b.png, c.jpg, `=1+2.jpg`) beside the bombs (bombs/...)
 * and, where the system allows them, hostile entries: a `parent -> ..` link, a link out to /etc, a link
 * loop, a dangling link, a name that is not UTF-8, a 5,478-character path, a link to /dev/zero.
 * Returns the good images' paths, the entries the walk must list as skipped (paths relative to the folder)
 * with a pattern each, and the long path (the walk lists a folder on its way).
 */
export async function hostileFolder(root: string): Promise<{ good: string[]; skipped: Record<string, RegExp>; longPath: string }> {
  mkdirSync(join(root, 'good'), { recursive: true });
  mkdirSync(join(root, 'bombs'), { recursive: true });
  writeFileSync(join(root, 'good', 'a.jpg'), await goodImage('jpeg', 3));
  writeFileSync(join(root, 'good', 'b.png'), await goodImage('png', 5));
  writeFileSync(join(root, 'c.jpg'), await goodImage('jpeg', 7));
  writeFileSync(join(root, '=1+2.jpg'), await goodImage('jpeg', 9));
  for (const [name, bytes] of Object.entries(await bombs())) writeFileSync(join(root, 'bombs', name), bytes);
  const skipped: Record<string, RegExp> = {};
  for (const [name, reason] of Object.entries(BOMB_REASONS)) skipped[`bombs/${name}`] = reason;
  symlinkSync('..', join(root, 'parent'));
  skipped.parent = /outside the folder/;
  symlinkSync('/etc', join(root, 'etc-link'));
  skipped['etc-link'] = /outside the folder/;
  symlinkSync('loop-b', join(root, 'loop-a'));
  symlinkSync('loop-a', join(root, 'loop-b'));
  skipped['loop-a'] = /loop/;
  skipped['loop-b'] = /loop/;
  symlinkSync('nowhere.png', join(root, 'dangling.png'));
  skipped['dangling.png'] = /link to nothing/;
  symlinkSync('.', join(root, 'self'));
  skipped.self = /already walked/;
  symlinkSync('/dev/zero', join(root, 'zero.png'));
  skipped['zero.png'] = /outside the folder/;
  writeFileSync(Buffer.from(join(root, 'bad-\xff-name.png'), 'latin1'), 'x');
  skipped['bad-\\xff-name.png'] = /not valid UTF-8/;
  // 5,478 characters of path (PATH_MAX is 4,096): the walk lists the folder where the path grows too long.
  return { good: ['=1+2.jpg', 'c.jpg', 'good/a.jpg', 'good/b.png'], skipped, longPath: deepPath(root) };
}

/** Removes a hostile folder, its 5,478-character path included (rm walks it by relative steps; fs.rmSync cannot). */
export function removeTree(root: string): void {
  execFileSync('rm', ['-rf', root]);
}

/**
 * A file 5,478 characters of path below root: 21 folders of 248 characters and a name of 249, made one
 * level at a time by a child process (no single system call may name it whole).
 */
function deepPath(root: string): string {
  const dirs = Array.from({ length: 21 }, (_, i) => `${String(i).padStart(2, '0')}${'d'.repeat(246)}`);
  const file = `${'f'.repeat(245)}.png`;
  // A child Node (shells rebuild the whole path on cd; a test worker may not chdir).
  const script = `const fs = require('fs'); process.chdir(process.argv[1]); for (const d of process.argv.slice(2, -1)) { fs.mkdirSync(d); process.chdir(d); } fs.writeFileSync(process.argv.at(-1), 'x');`;
  execFileSync(process.execPath, ['-e', script, root, ...dirs, file]);
  return [...dirs, file].join('/');
}

/**
 * TIFFs written by PIL (libtiff) with LZW: a random RGB image in its default strips, with PIL's samples;
 * and a liar, 4096 x 4096 zeros in one 13 KB strip whose tags are rewritten to say 64 x 64. Undefined
 * when /usr/bin/python3 with PIL is not there.
 */
export function lzwTiffs(): { rgb: Buffer; samples: Buffer; liar: Buffer } | undefined {
  const script = [
    'import io, sys, random',
    'from PIL import Image, TiffImagePlugin',
    'random.seed(5)',
    'im = Image.frombytes("RGB", (97, 61), bytes(random.randrange(256) for _ in range(97 * 61 * 3)))',
    'a = io.BytesIO(); im.save(a, format="TIFF", compression="tiff_lzw")',
    'TiffImagePlugin.STRIP_SIZE = 1 << 30',
    'b = io.BytesIO(); Image.new("L", (4096, 4096)).save(b, format="TIFF", compression="tiff_lzw")',
    'out = sys.stdout.buffer',
    'for part in (a.getvalue(), im.tobytes(), b.getvalue()): out.write(len(part).to_bytes(4, "little")); out.write(part)',
  ].join('\n');
  let bytes: Buffer;
  try {
    bytes = execFileSync('/usr/bin/python3', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  } catch {
    return undefined;
  }
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = bytes.readUInt32LE(at);
    parts.push(bytes.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  const liar = Buffer.from(parts[2]);
  const ifd = liar.readUInt32LE(4);
  for (let i = 0; i < liar.readUInt16LE(ifd); i++) {
    const at = ifd + 2 + 12 * i;
    const tag = liar.readUInt16LE(at);
    if (tag !== 256 && tag !== 257) continue;
    if (liar.readUInt16LE(at + 2) === 3) liar.writeUInt16LE(64, at + 8);
    else liar.writeUInt32LE(64, at + 8);
  }
  return { rgb: parts[0], samples: parts[1], liar };
}
