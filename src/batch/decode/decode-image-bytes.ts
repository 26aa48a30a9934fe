import { TesseraError } from '../../core/errors';
import type { ModelImage } from '../../inference';
import { decodePng } from './decode-png';
import { decodeTiff } from './decode-tiff';
import { imageKind } from './image-kind';
import { jpegHeader, type JpegHeader } from './jpeg-header';

/**
 * Decodes a checked JPEG (the adapter: the browser's own decoder, DESIGN.md decision 2). `header.components`
 * says what the samples are: 1 grey, 3 colour, 4 CMYK.
 */
export type JpegDecoder = (bytes: Uint8Array, header: JpegHeader, name: string) => Promise<ModelImage>;

/** A patch file's bytes → 8-bit samples, by what the bytes are (not the name): PNG, JPEG or TIFF. */
export async function decodeImageBytes(bytes: Uint8Array, name: string, decodeJpeg: JpegDecoder): Promise<ModelImage> {
  switch (imageKind(bytes)) {
    case 'png':
      return decodePng(bytes, name);
    case 'tiff':
      return decodeTiff(bytes, name);
    case 'jpeg':
      return decodeJpeg(bytes, jpegHeader(bytes, name), name);
    default:
      throw new TesseraError('corrupt-file', bytes.length === 0 ? `Cannot read ${name}: the file is empty.` : `Cannot read ${name} as a PNG, JPEG or TIFF image: its first bytes are not any of these (the file is damaged or of another kind).`);
  }
}
