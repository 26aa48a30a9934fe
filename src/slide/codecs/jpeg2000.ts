import { TesseraError, type RgbaImage } from '../../core';
import type { CodecAdapter, OpenJpegModule } from '../types';
import { yCbCrToRgbInPlace } from './samples-to-rgba';

let modulePromise: Promise<OpenJpegModule> | null = null;

/** Decodes a JPEG 2000 codestream with OpenJPEG (WebAssembly), as Aperio stores in compressions 33003/33005. */
export async function decodeJpeg2000(codecs: CodecAdapter, bytes: Uint8Array, isYCbCr: boolean): Promise<RgbaImage> {
  if (hasSubsampledComponents(bytes)) {
    throw new TesseraError('unsupported', 'This slide stores JPEG 2000 tiles with subsampled colour components, which Tessera does not decode yet.');
  }
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

/** Reads the SIZ marker (ISO 15444-1 A.5.1): any component with XRsiz or YRsiz above 1 is subsampled. */
export function hasSubsampledComponents(codestream: Uint8Array): boolean {
  for (let i = 0; i + 1 < Math.min(codestream.length, 256); i++) {
    if (codestream[i] !== 0xff || codestream[i + 1] !== 0x51) continue;
    const p = i + 2 + 2 + 2 + 32; // marker, Lsiz, Rsiz, eight 32-bit sizes and offsets
    const n = (codestream[p] << 8) | codestream[p + 1];
    for (let c = 0; c < n; c++) {
      if (codestream[p + 2 + 3 * c + 1] > 1 || codestream[p + 2 + 3 * c + 2] > 1) return true;
    }
    return false;
  }
  return false;
}

/** The image size from the SIZ marker (Xsiz - XOsiz by Ysiz - YOsiz), read before decoding; null if absent. */
export function jpeg2000Size(codestream: Uint8Array): { width: number; height: number } | null {
  for (let i = 0; i + 21 < Math.min(codestream.length, 256); i++) {
    if (codestream[i] !== 0xff || codestream[i + 1] !== 0x51) continue;
    const u32 = (p: number) => ((codestream[p] << 24) >>> 0) + (codestream[p + 1] << 16) + (codestream[p + 2] << 8) + codestream[p + 3];
    const p = i + 6; // marker, Lsiz, Rsiz
    return { width: u32(p) - u32(p + 8), height: u32(p + 4) - u32(p + 12) };
  }
  return null;
}
