export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colourType: number;
  /** A tRNS chunk: transparency without an alpha channel. */
  transparency: boolean;
}

/** IHDR and whether a tRNS chunk comes before the image data; undefined when the chunks are damaged. */
export function pngHeader(b: Uint8Array): PngHeader | undefined {
  if (b.length < 33) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const header: PngHeader = { width: view.getUint32(16), height: view.getUint32(20), bitDepth: b[24], colourType: b[25], transparency: false };
  for (let at = 8; at + 8 <= b.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(b[at + 4], b[at + 5], b[at + 6], b[at + 7]);
    if (type === 'tRNS') header.transparency = true;
    if (type === 'IDAT' || type === 'IEND') return header;
    at += 12 + length;
  }
  return undefined;
}

/**
 * An 8-bit PNG without alpha or transparency: any decoder gives it the same samples, so the fast native
 * ones may (the browser's, libvips'); the rest (alpha, 16-bit, low bit depths) go through fast-png, whose
 * handling of them is ours to define.
 */
export function isPlainPng(h: PngHeader | undefined): h is PngHeader {
  return !!h && h.bitDepth === 8 && (h.colourType === 0 || h.colourType === 2 || h.colourType === 3) && !h.transparency;
}
