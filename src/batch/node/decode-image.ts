import sharp from 'sharp';
import { TesseraError } from '../../core/errors';
import type { ModelImage } from '../../inference';
import { highByte } from '../decode/high-byte';

/**
 * An image file → 8-bit samples with sharp (libvips): RGB, grey (one channel), or CMYK as stored (for a
 * CMYK model; for others CMYK goes through PIL's naive conversion in preprocessing, like a PyTorch
 * pipeline that opens it with PIL). Alpha is dropped; 16-bit images keep their high byte.
 * Embedded ICC profiles are not applied (keepIccProfile): samples come out as stored, as PIL and
 * torchvision give them to a model, and as the browser decodes them (colorSpaceConversion 'none').
 * `input` is a path or the file's bytes; `name` is what messages call it (the path by default).
 */
export async function decodeImage(input: string | Uint8Array, name: string = typeof input === 'string' ? input : 'image'): Promise<ModelImage> {
  const source = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  try {
    const meta = await sharp(source).metadata();
    if (meta.space === 'cmyk') {
      const { data, info } = await sharp(source).keepIccProfile().pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer({ resolveWithObject: true });
      return check(name, { width: info.width, height: info.height, data: new Uint8Array(data), format: 'cmyk' }, info.channels, 4);
    }
    const grey = meta.space === 'b-w' || meta.space === 'grey16';
    const format = grey ? 'grey' : 'rgb';
    if (meta.depth === 'ushort') {
      // 16 bits: keep the high byte ourselves, as the browser's decoders do (libvips rounds grey but not RGB).
      const { data, info } = await sharp(source).keepIccProfile().removeAlpha().toColourspace(grey ? 'grey16' : 'rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      const samples = highByte(new Uint16Array(data.buffer, data.byteOffset, data.byteLength >> 1));
      return check(name, { width: info.width, height: info.height, data: samples, format }, info.channels, grey ? 1 : 3);
    }
    const { data, info } = await sharp(source).keepIccProfile().removeAlpha().toColourspace(grey ? 'b-w' : 'srgb').raw().toBuffer({ resolveWithObject: true });
    return check(name, { width: info.width, height: info.height, data: new Uint8Array(data), format }, info.channels, grey ? 1 : 3);
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    const why = (e instanceof Error ? e.message : String(e)).split(/[\r\n]+/)[0];
    throw new TesseraError('corrupt-file', `Cannot read ${name} as a PNG, JPEG or TIFF image: ${oneLine(why)}.`);
  }
}

function check(name: string, image: ModelImage, channels: number, expected: number): ModelImage {
  if (channels !== expected || image.data.length !== image.width * image.height * expected) {
    throw new TesseraError('corrupt-file', `Cannot read ${name}: decoded ${channels} channels where ${expected} were expected.`);
  }
  return image;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
