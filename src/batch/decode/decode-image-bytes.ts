import { TesseraError } from '../../core';
import type { ModelImage } from '../../inference';
import { decodePng } from './decode-png';
import { decodeTiff } from './decode-tiff';
import { imageKind } from './image-kind';
import { jpegHeader, type JpegHeader } from './jpeg-header';
import { PATCH_LIMITS, checkPatchFileSize, checkPatchSize, type PatchLimits } from './patch-limits';
import { checkPngHeader, checkPngStreams } from './png-limits';
import { isPlainPng, pngHeader } from './png-header';

/**
 * The platform's own decoders, passed in (DESIGN.md: the browser's in a page or worker, sharp in Node).
 * `jpeg` gets a checked stream; `header.components` says what the samples are (1 grey, 3 colour, 4 CMYK).
 * `plainPng` gets 8-bit PNGs without alpha or transparency (grey: one channel), which every decoder
 * gives the same samples; without it they go through fast-png too. Both get streams whose headers are
 * within the limits (PatchLimits), and size their output from those headers.
 */
export interface NativeDecoders {
  jpeg(bytes: Uint8Array, header: JpegHeader, name: string): Promise<ModelImage>;
  plainPng?(bytes: Uint8Array, grey: boolean, name: string): Promise<ModelImage>;
}

/**
 * A patch file's bytes → 8-bit samples, by what the bytes are (not the name): PNG, JPEG or TIFF. Sizes
 * from headers are checked against `limits` before decoding, and streams that inflate past their header's
 * size are stopped (issue 15): an image over a limit is refused with the reason, never decoded whole.
 */
export async function decodeImageBytes(bytes: Uint8Array, name: string, native: NativeDecoders, limits: PatchLimits = PATCH_LIMITS): Promise<ModelImage> {
  checkPatchFileSize(name, bytes.length, limits);
  switch (imageKind(bytes)) {
    case 'png': {
      checkPngHeader(bytes, name, limits);
      const header = pngHeader(bytes);
      if (native.plainPng && isPlainPng(header)) return native.plainPng(bytes, header.colourType === 0, name);
      checkPngStreams(bytes, name);
      return decodePng(bytes, name);
    }
    case 'tiff':
      return decodeTiff(bytes, name, limits);
    case 'jpeg': {
      const header = jpegHeader(bytes, name);
      checkPatchSize(name, 'JPEG', header.width, header.height, 4, limits); // decoders hold RGBA
      return native.jpeg(bytes, header, name);
    }
    default:
      throw new TesseraError('corrupt-file', bytes.length === 0 ? `Cannot read ${name}: the file is empty.` : `Cannot read ${name} as a PNG, JPEG or TIFF image: its first bytes are not any of these (the file is damaged or of another kind).`);
  }
}
