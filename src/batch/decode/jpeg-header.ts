import { TesseraError } from '../../core';

export interface JpegHeader {
  width: number;
  height: number;
  /** 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
}

/**
 * A JPEG's frame header (SOF), and a check that the stream is whole: decoders in browsers draw a cut-off
 * JPEG with its missing rows filled in, where PIL and libvips refuse it, so a truncated file must be
 * refused here before it is scored as if it were whole.
 */
export function jpegHeader(bytes: Uint8Array, name: string): JpegHeader {
  const header = frameHeader(bytes);
  if (!header) throw new TesseraError('corrupt-file', `Cannot read ${name} as a JPEG image: it has no frame header (the file is damaged or not a JPEG).`);
  if (!endsWithEoi(bytes)) throw new TesseraError('truncated', `Cannot read ${name} as a JPEG image: the file is cut off (no end-of-image marker); copy it again from its source.`);
  if (header.width === 0 || header.height === 0) throw new TesseraError('corrupt-file', `Cannot read ${name} as a JPEG image: its frame header gives a ${header.width} x ${header.height} size.`);
  return header;
}

function frameHeader(b: Uint8Array): JpegHeader | undefined {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const length = (b[i + 2] << 8) | b[i + 3];
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 10 > b.length) return undefined;
      return { height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8], components: b[i + 9] };
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data or end before any frame
    i += 2 + length;
  }
  return undefined;
}

/** An EOI marker (FF D9) in the last bytes; some writers pad after it, so a little slack is allowed. */
function endsWithEoi(b: Uint8Array): boolean {
  for (let i = b.length - 2; i >= Math.max(0, b.length - 1024); i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  return false;
}
