import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { oneLine, TesseraError } from '../../core';
import type { ModelImage } from '../../inference';
import { decodeImageBytes, PATCH_LIMITS, type NativeDecoders, type PatchLimits } from '../decode';

/**
 * An image file → 8-bit samples, as the browser decodes it: TIFF and the PNGs that are not plain (alpha,
 * 16-bit, low bit depths) with the same pure decoders (../decode); JPEG and plain PNG with sharp (libjpeg-
 * turbo and libpng, as PIL and Chromium use: the same samples, checked on the fixture patches).
 * `input` is a path or the file's bytes; `name` is what messages call it. Images over `limits` are refused
 * from their headers (and sharp is told the same pixel limit, for streams that lie).
 */
export async function decodeImage(input: string | Uint8Array, name: string = typeof input === 'string' ? input : 'image', limits: PatchLimits = PATCH_LIMITS): Promise<ModelImage> {
  const bytes = typeof input === 'string' ? new Uint8Array(await readFile(input)) : input;
  return decodeImageBytes(bytes, name, sharpDecoders(limits.maxPixels), limits);
}

/**
 * Embedded ICC profiles are not applied (keepIccProfile): samples come out as stored, as PIL and
 * torchvision give them to a model, and as the browser decodes them (colorSpaceConversion 'none').
 * A CMYK JPEG keeps its four channels (for a CMYK model; others convert it as PIL does, in preprocessing).
 */
const sharpDecoders = (maxPixels: number): NativeDecoders => ({
  jpeg: (bytes, header, name) => decodeWithSharp(bytes, header.components === 1 ? 'grey' : header.components === 4 ? 'cmyk' : 'rgb', 'JPEG', name, maxPixels),
  plainPng: (bytes, grey, name) => decodeWithSharp(bytes, grey ? 'grey' : 'rgb', 'PNG', name, maxPixels),
});

async function decodeWithSharp(bytes: Uint8Array, format: 'grey' | 'rgb' | 'cmyk', kind: string, name: string, maxPixels: number): Promise<ModelImage> {
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const space = { grey: 'b-w', rgb: 'srgb', cmyk: 'cmyk' } as const;
  const channels = { grey: 1, rgb: 3, cmyk: 4 }[format];
  try {
    let pipeline = sharp(source, { limitInputPixels: maxPixels }).keepIccProfile();
    if (format === 'cmyk') pipeline = pipeline.pipelineColourspace('cmyk');
    const { data, info } = await pipeline.toColourspace(space[format]).raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels || data.length !== info.width * info.height * channels) {
      throw new TesseraError('corrupt-file', `Cannot read ${name}: decoded ${info.channels} channels where ${channels} were expected.`);
    }
    return { width: info.width, height: info.height, data: new Uint8Array(data), format };
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    const why = oneLine(e instanceof Error ? e.message : String(e));
    throw new TesseraError('corrupt-file', `Cannot read ${name} as a ${kind} image: ${why}.`);
  }
}
