import { fromArrayBuffer, type GeoTIFFImage } from 'geotiff';
import { oneLine, TesseraError } from '../../core';
import type { ModelImage } from '../../inference';
import { highByte } from './high-byte';
import { PATCH_LIMITS, type PatchLimits } from './patch-limits';
import { cappedPool, checkTiffImage } from './tiff-limits';

// TIFF photometric interpretations (TIFF 6.0, section 3 and 16).
const WHITE_IS_ZERO = 0;
const BLACK_IS_ZERO = 1;
const RGB = 2;
const PALETTE = 3;
const SEPARATED = 5;
const YCBCR = 6;

/**
 * The first image of a TIFF → 8-bit grey, RGB or CMYK samples with geotiff.js: extra (alpha) samples are
 * dropped, palettes expanded to RGB, WhiteIsZero inverted, YCbCr converted, 16-bit keeps its high byte.
 * Sizes from the tags are checked against `limits` first, and each tile is decoded with a cap (issue 15).
 */
export async function decodeTiff(bytes: Uint8Array, name: string, limits: PatchLimits = PATCH_LIMITS): Promise<ModelImage> {
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const image = await (await fromArrayBuffer(buffer)).getImage(0);
    checkTiffImage(image, name, limits);
    return await samplesOf(image, name);
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    throw new TesseraError('corrupt-file', `Cannot read ${name} as a TIFF image: ${oneLine(e instanceof Error ? e.message : String(e))}.`);
  }
}

async function samplesOf(image: GeoTIFFImage, name: string): Promise<ModelImage> {
  const width = image.getWidth();
  const height = image.getHeight();
  const ifd = image.fileDirectory;
  const photometric = Number(ifd.getValue('PhotometricInterpretation') ?? BLACK_IS_ZERO);
  // BitsPerSample defaults to 1 (TIFF 6.0): a black-and-white image.
  const bits = ifd.hasTag('BitsPerSample') ? image.getBitsPerSample(0) : 1;
  const format = Number((ifd.getValue('SampleFormat') as number[] | undefined)?.[0] ?? 1);
  if (format !== 1 || (bits !== 8 && bits !== 16)) {
    throw new TesseraError('unsupported', `Cannot read ${name}: ${bits}-bit ${format === 3 ? 'floating-point' : format === 2 ? 'signed' : ''} TIFF samples are not supported; save it with 8- or 16-bit unsigned samples.`.replace('  ', ' '));
  }
  const read = async (samples: number[]): Promise<Uint8Array> => {
    const raster = (await image.readRasters({ samples, interleave: true, pool: cappedPool(image, name) })) as unknown as Uint8Array | Uint16Array;
    if (bits === 16) return highByte(raster as Uint16Array);
    return raster as Uint8Array;
  };
  switch (photometric) {
    case WHITE_IS_ZERO:
    case BLACK_IS_ZERO: {
      const out = await read([0]);
      if (photometric === WHITE_IS_ZERO) for (let i = 0; i < out.length; i++) out[i] = 255 - out[i];
      return { width, height, data: out, format: 'grey' };
    }
    case RGB:
      return { width, height, data: await read([0, 1, 2]), format: 'rgb' };
    case SEPARATED: {
      if (image.getSamplesPerPixel() < 4 || Number((await ifd.loadValue('InkSet')) ?? 1) !== 1) throw new TesseraError('unsupported', `Cannot read ${name}: only CMYK separated TIFFs (4 inks) are supported.`);
      return { width, height, data: await read([0, 1, 2, 3]), format: 'cmyk' };
    }
    case PALETTE:
    case YCBCR: {
      // geotiff's readRGB expands palettes and converts YCbCr (8-bit) to RGB.
      const rgb = (await image.readRGB({ interleave: true, pool: cappedPool(image, name) })) as unknown as Uint8Array | Uint16Array;
      return { width, height, data: rgb instanceof Uint16Array ? highByte(rgb) : Uint8Array.from(rgb), format: 'rgb' };
    }
    default:
      throw new TesseraError('unsupported', `Cannot read ${name}: TIFF photometric interpretation ${photometric} is not supported (grey, RGB, palette, YCbCr and CMYK are).`);
  }
}
