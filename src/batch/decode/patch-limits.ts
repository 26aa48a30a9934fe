import { TesseraError } from '../../core';

/**
 * How large a patch may be (issue 15): a patch is a small image (WSInfer's are 224 to 1024 px), so these
 * sit far above any real one and far below what would exhaust memory. A file over a limit is skipped with
 * its reason; the rest of the folder is scored. Settable per run (tessera score --max-patch-pixels).
 */
export interface PatchLimits {
  /** Pixels (width x height), from the header, before anything is decoded. */
  maxPixels: number;
  /** Bytes of decoded samples (pixels x channels x bytes per sample), and of any one TIFF tile or strip. */
  maxDecodedBytes: number;
  /** Bytes of the file itself: it is read whole before decoding. */
  maxFileBytes: number;
}

export const PATCH_LIMITS: Readonly<PatchLimits> = Object.freeze({
  maxPixels: 8192 * 8192,
  maxDecodedBytes: 256 * 1024 * 1024,
  maxFileBytes: 256 * 1024 * 1024,
});

const MB = 1024 * 1024;
const megapixels = (n: number): string => `${(n / 1e6).toLocaleString('en', { maximumFractionDigits: 1 })} megapixels`;
const megabytes = (n: number): string => `${(n / MB).toLocaleString('en', { maximumFractionDigits: 1 })} MB`;

/**
 * Refuses an image whose header promises more than the limits allow, before a byte of it is decoded.
 * `what` names the image's kind ("PNG", "TIFF"); `bytesPerPixel` is what the decoder will hold per pixel.
 */
export function checkPatchSize(name: string, what: string, width: number, height: number, bytesPerPixel: number, limits: PatchLimits): void {
  const pixels = width * height;
  if (!(pixels <= limits.maxPixels)) {
    throw new TesseraError('unsupported', `Cannot read ${name}: its ${what} header says ${width} x ${height} px (${megapixels(pixels)}), over the patch limit of ${megapixels(limits.maxPixels)}; cut it into patches, or raise the limit (--max-patch-pixels) if it is really meant as one patch.`);
  }
  const bytes = pixels * bytesPerPixel;
  if (!(bytes <= limits.maxDecodedBytes)) {
    throw new TesseraError('unsupported', `Cannot read ${name}: its ${what} header says ${width} x ${height} px at ${bytesPerPixel} bytes a pixel, ${megabytes(bytes)} decoded, over the patch limit of ${megabytes(limits.maxDecodedBytes)}; save it smaller or with 8-bit samples.`);
  }
}

/** Refuses a file too large to read whole. */
export function checkPatchFileSize(name: string, size: number, limits: PatchLimits): void {
  if (size > limits.maxFileBytes) {
    throw new TesseraError('unsupported', `Cannot read ${name}: the file is ${megabytes(size)}, over the patch file limit of ${megabytes(limits.maxFileBytes)}; a patch is a small image: cut it into patches.`);
  }
}

/** The error for a compressed stream that decodes to more than its header allowed (a decompression bomb, or damage). */
export function streamTooLong(name: string, kind: string, part: string, limit: number): TesseraError {
  return new TesseraError('corrupt-file', `Cannot read ${name} as a ${kind} image: ${part} decodes to more than the ${megabytes(limit)} its header allows (the file is damaged or built to exhaust memory); decoding stopped there.`);
}
