import { TesseraError } from '../../core';
import { cappedInflate } from './capped-inflate';
import { checkPatchSize, streamTooLong, type PatchLimits } from './patch-limits';

/** Samples a pixel per PNG colour type (palette: one index, expanded to RGB or RGBA when decoded). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** An ICC profile is a few KB; a compressed one that inflates past this is a bomb. */
const MAX_ICC_BYTES = 16 * 1024 * 1024;

/**
 * Checks a PNG's IHDR against the limits before it is decoded (a 3.5 MB PNG may say 30000 x 30000 RGBA:
 * 3.6 GB decoded). Every PNG decoder sizes its output from IHDR, so this bounds what they hold.
 */
export function checkPngHeader(b: Uint8Array, name: string, limits: PatchLimits): void {
  if (b.length < 29) return; // too short to be a PNG: the decoder says so
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = b[24];
  const channels = CHANNELS[b[25]] ?? 4;
  const perPixel = b[25] === 3 ? 4 : channels * (depth === 16 ? 2 : 1);
  checkPatchSize(name, 'PNG', width, height, perPixel, limits);
}

/**
 * For the PNGs decoded in JavaScript (fast-png, which collects every inflated byte before it looks at
 * them): inflates the image data and any ICC profile once, dropping the output, and refuses a stream that
 * inflates past what IHDR allows, so a PNG that lies about its size never reaches the decoder.
 */
export function checkPngStreams(b: Uint8Array, name: string): void {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const rowBytes = Math.ceil((width * (CHANNELS[b[25]] ?? 4) * b[24]) / 8);
  // Adam7 interlacing adds a filter byte and at most a byte of padding to each row of each of 7 passes.
  const allowed = height * (1 + rowBytes) + (b[28] === 1 ? 4 * height + 64 : 0);
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= b.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(b[at + 4], b[at + 5], b[at + 6], b[at + 7]);
    const data = b.subarray(at + 8, Math.min(b.length, at + 8 + length));
    if (type === 'IDAT') idat.push(data);
    if (type === 'iCCP') {
      const zero = data.indexOf(0);
      if (zero >= 0 && inflateOrThrow([data.subarray(zero + 2)], MAX_ICC_BYTES, name) === undefined) throw streamTooLong(name, 'PNG', 'its colour profile', MAX_ICC_BYTES);
    }
    if (type === 'IEND') break;
    at += 12 + length;
  }
  if (idat.length && inflateOrThrow(idat, allowed, name) === undefined) throw streamTooLong(name, 'PNG', 'its image data', allowed);
}

/** Damaged streams are the decoder's to report (in its words, made ours); only the limit is ours here. */
function inflateOrThrow(chunks: Uint8Array[], limit: number, name: string): Uint8Array | undefined | null {
  try {
    return cappedInflate(chunks, limit, false);
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    return null;
  }
}
