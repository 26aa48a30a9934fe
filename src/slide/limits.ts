import { TesseraError, limitSet, type ErrorCode } from '../core';

/**
 * Every size the slide engine takes from a file is checked against one of these before it is used to
 * allocate, loop or decode (issue 15: a changed tag or a decompression bomb must not take the process
 * down). The defaults are far above anything a real slide holds (a 200,000 x 200,000 px scan in 256 px
 * tiles has about 610,000 tiles per level; vendor tiles are 240 to 1024 px; associated images a few
 * megapixels), and below what would exhaust a 1 GB heap.
 */
export interface SlideLimits {
  /** SamplesPerPixel: RGB is 3, RGBA or CMYK 4; a few extra channels are allowed. */
  maxSamplesPerPixel: number;
  /** BitsPerSample: Tessera decodes 8- and 16-bit samples. */
  maxBitsPerSample: number;
  /** ImageWidth and ImageLength of any image, in pixels. */
  maxImageSide: number;
  /** TileWidth and TileLength of a tiled image, in pixels. */
  maxTileSide: number;
  /** Tiles (or strips) in one image: the offsets tables are read whole. */
  maxTilesPerImage: number;
  /** IFDs in the main chain. */
  maxIfds: number;
  /** SubIFDs under one IFD (an OME-TIFF pyramid has one per reduced level). */
  maxSubIfds: number;
  /** Decoded size of one tile, strip or associated image, in bytes of samples (as stored, before RGBA). */
  maxDecodedBytes: number;
  /** Decoded size of one tile, strip or associated image, in pixels (each becomes 4 bytes of RGBA). */
  maxDecodedPixels: number;
  /** Length of one tag's value in bytes (JPEGTables, ImageDescription, offset tables...). */
  maxTagBytes: number;
}

export const DEFAULT_SLIDE_LIMITS: Readonly<SlideLimits> = Object.freeze({
  maxSamplesPerPixel: 8,
  maxBitsPerSample: 16,
  maxImageSide: 2_000_000,
  maxTileSide: 8192,
  maxTilesPerImage: 4_194_304,
  maxIfds: 1024,
  maxSubIfds: 256,
  maxDecodedBytes: 256 * 1024 * 1024,
  maxDecodedPixels: 64 * 1024 * 1024,
  maxTagBytes: 64 * 1024 * 1024,
});

/** Environment variable names in Node (`TESSERA_MAX_TILE_SIDE=16384 tessera info ...`). */
export const LIMIT_ENV: Readonly<Record<keyof SlideLimits, string>> = Object.freeze({
  maxSamplesPerPixel: 'TESSERA_MAX_SAMPLES_PER_PIXEL',
  maxBitsPerSample: 'TESSERA_MAX_BITS_PER_SAMPLE',
  maxImageSide: 'TESSERA_MAX_IMAGE_SIDE',
  maxTileSide: 'TESSERA_MAX_TILE_SIDE',
  maxTilesPerImage: 'TESSERA_MAX_TILES_PER_IMAGE',
  maxIfds: 'TESSERA_MAX_IFDS',
  maxSubIfds: 'TESSERA_MAX_SUBIFDS',
  maxDecodedBytes: 'TESSERA_MAX_DECODED_BYTES',
  maxDecodedPixels: 'TESSERA_MAX_DECODED_PIXELS',
  maxTagBytes: 'TESSERA_MAX_TAG_BYTES',
});

const limits = limitSet<SlideLimits>('slide', DEFAULT_SLIDE_LIMITS);

/** The limits in force in this thread (each worker keeps its own copy). */
export const slideLimits = (): Readonly<SlideLimits> => limits.get();

/** Changes some limits (the rest keep their value); returns the previous set, to restore it. */
export const setSlideLimits = (changes: Partial<SlideLimits>): SlideLimits => limits.set(changes);

/** Limits set in an environment (Node: process.env); unknown or malformed values are refused by name. */
export function limitsFromEnv(env: Record<string, string | undefined>): Partial<SlideLimits> {
  const out: Partial<SlideLimits> = {};
  for (const [key, name] of Object.entries(LIMIT_ENV) as [keyof SlideLimits, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw.replace(/_/g, ''));
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TesseraError('invalid-argument', `${name} must be a positive whole number (got "${raw}").`);
    }
    out[key] = value;
  }
  return out;
}

/** What a limit is called in a message, and how to raise it. */
function limitPhrase(key: keyof SlideLimits): string {
  // Only Node reads the environment; in the browser the limit is named without a way the user cannot take.
  const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  return `Tessera's limit is ${slideLimits()[key].toLocaleString('en-US')}${inNode ? ` (${LIMIT_ENV[key]} raises it)` : ''}`;
}

/**
 * A file-given size over a limit. A structure (tags, counts) refuses the slide ('corrupt-file'); one tile
 * over it is a bad tile ('corrupt-tile') and the rest of the slide reads.
 */
export function overLimit(code: ErrorCode, file: string, what: string, value: number | string, key: keyof SlideLimits, where: string): TesseraError {
  const shown = typeof value === 'number' ? value.toLocaleString('en-US') : value;
  const consequence =
    code === 'corrupt-tile'
      ? 'That tile cannot be shown; the rest of the slide can still be read.'
      : 'The file is damaged or was not written by a slide scanner; Tessera will not open it.';
  return new TesseraError(code, `"${file}" gives ${what} as ${shown}, more than a real slide holds: ${limitPhrase(key)}. ${consequence}`, `${where}: ${key} ${value} > ${slideLimits()[key]}`);
}

/** Throws unless `value` is a whole number (a code or a count stored as text or FLOAT is not). */
export function checkWhole(file: string, what: string, value: unknown, where: string): number {
  const v = typeof value === 'bigint' ? Number(value) : value;
  if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isInteger(v)) {
    throw new TesseraError('corrupt-file', `"${file}" gives ${what} as ${describe(value)}, which is not a whole number; the file is damaged and cannot be opened.`, `${where}: ${what} = ${String(value)}`);
  }
  return v;
}

/** Throws unless `value` is a whole number from `min` to the limit; names the tag and the file. */
export function checkCount(file: string, what: string, value: unknown, key: keyof SlideLimits, where: string, min = 1): number {
  const v = checkWhole(file, what, value, where);
  if (v < min) {
    throw new TesseraError('corrupt-file', `"${file}" gives ${what} as ${v}; it must be at least ${min}. The file is damaged and cannot be opened.`, `${where}: ${what} = ${v}`);
  }
  if (v > slideLimits()[key]) throw overLimit('corrupt-file', file, what, v, key, where);
  return v;
}

function describe(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'something that is not a number';
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') return `text ("${value.slice(0, 20)}")`;
  if (typeof value === 'object' && 'length' in (value as object)) return `a list of ${(value as ArrayLike<unknown>).length} values`;
  return typeof value;
}
