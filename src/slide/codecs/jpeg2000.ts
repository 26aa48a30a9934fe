import type { RgbaImage } from '../../core/image';
import { TesseraError } from '../../core/errors';
import type { CodecAdapter, OpenJpegModule } from '../types';
import { yCbCrToRgbInPlace } from './samples-to-rgba';

let modulePromise: Promise<OpenJpegModule> | null = null;

/** Decodes a JPEG 2000 codestream with OpenJPEG (WebAssembly), as Aperio stores in compressions 33003/33005. */
export async function decodeJpeg2000(codecs: CodecAdapter, bytes: Uint8Array, isYCbCr: boolean): Promise<RgbaImage> {
  modulePromise ??= codecs.loadOpenJpeg();
  const openjpeg = await modulePromise;
  const decoder = new openjpeg.J2KDecoder();
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    decoder.decode();
    const info = decoder.getFrameInfo();
    if (info.bitsPerSample > 8) throw new TesseraError('unsupported', `JPEG 2000 tiles with ${info.bitsPerSample} bits per sample are not supported yet.`);
    const decoded = decoder.getDecodedBuffer();
    const n = info.width * info.height;
    const c = info.componentCount;
    const data = new Uint8ClampedArray(n * 4);
    // OpenJPEG's output here is interleaved, one byte per sample.
    for (let i = 0; i < n; i++) {
      const s = i * c;
      const d = i * 4;
      data[d] = decoded[s];
      data[d + 1] = decoded[s + (c >= 3 ? 1 : 0)];
      data[d + 2] = decoded[s + (c >= 3 ? 2 : 0)];
      data[d + 3] = 255;
    }
    const img = { width: info.width, height: info.height, data };
    if (isYCbCr && c >= 3) yCbCrToRgbInPlace(img);
    return img;
  } finally {
    decoder.delete?.();
  }
}
