import { TesseraError, type RgbaImage } from '../../core';
import { Photometric } from '../tiff/tags';

export interface SampleLayout {
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  photometric: number;
  /** Samples after the colour ones that are alpha (ExtraSamples 1 or 2). */
  hasAlpha: boolean;
  /** SampleFormat 2: two's-complement samples, shown with their range moved up to unsigned (-128 → 0, 127 → 255). */
  signed?: boolean;
}

/** Turns chunky (interleaved) 8- or 16-bit samples into RGBA; 16-bit keeps its high byte. */
export function samplesToRgba(buffer: ArrayBufferLike, layout: SampleLayout): RgbaImage {
  const { width, height, samplesPerPixel: spp, bitsPerSample, photometric, hasAlpha } = layout;
  const n = width * height;
  const src = unsignedView(buffer, bitsPerSample, layout.signed === true, n * spp);
  const shift = bitsPerSample === 16 ? 8 : 0;
  const data = new Uint8ClampedArray(n * 4);
  const grey = photometric === Photometric.MinIsBlack || photometric === Photometric.MinIsWhite;
  const invert = photometric === Photometric.MinIsWhite;
  if (!grey && !(photometric === Photometric.Rgb && spp >= 3)) {
    throw new TesseraError('unsupported', `Images with photometric interpretation ${photometric} and ${spp} samples per pixel are not supported yet.`);
  }
  const available = Math.min(n, Math.floor(src.length / spp));
  for (let i = 0; i < available; i++) {
    const s = i * spp;
    const d = i * 4;
    if (grey) {
      let v = src[s] >> shift;
      if (invert) v = 255 - v;
      data[d] = data[d + 1] = data[d + 2] = v;
      data[d + 3] = hasAlpha && spp > 1 ? src[s + 1] >> shift : 255;
    } else {
      data[d] = src[s] >> shift;
      data[d + 1] = src[s + 1] >> shift;
      data[d + 2] = src[s + 2] >> shift;
      data[d + 3] = hasAlpha && spp > 3 ? src[s + 3] >> shift : 255;
    }
  }
  return { width, height, data };
}

/**
 * The samples as unsigned numbers. Signed ones are offset by half their range (flipping the top bit does
 * that to two's complement), so the darkest value shows black and the brightest white, as for unsigned.
 */
function unsignedView(buffer: ArrayBufferLike, bitsPerSample: number, signed: boolean, count: number): Uint8Array | Uint16Array {
  const src = bitsPerSample === 16 ? new Uint16Array(buffer, 0, Math.min(count, buffer.byteLength >> 1)) : new Uint8Array(buffer);
  if (!signed) return src;
  const flipped = src.slice();
  const top = bitsPerSample === 16 ? 0x8000 : 0x80;
  for (let i = 0; i < flipped.length; i++) flipped[i] ^= top;
  return flipped;
}

/** ITU-R BT.601 full-range YCbCr → RGB, in place on RGBA (JPEG 2000 Aperio 33003 stores YCbCr). */
export function yCbCrToRgbInPlace(img: RgbaImage): void {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    const y = d[i];
    const cb = d[i + 1] - 128;
    const cr = d[i + 2] - 128;
    d[i] = y + 1.402 * cr;
    d[i + 1] = y - 0.344136 * cb - 0.714136 * cr;
    d[i + 2] = y + 1.772 * cb;
  }
}
