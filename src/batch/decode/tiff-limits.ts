import { getDecoder, type GeoTIFFImage, type Pool } from 'geotiff';
import { cappedInflate } from './capped-inflate';
import { cappedLzw } from './capped-lzw';
import { checkPatchSize, streamTooLong, type PatchLimits } from './patch-limits';

const LZW = 5;
const DEFLATE = 8;
const ADOBE_DEFLATE = 32946;
const JPEG = 7;

/**
 * Checks a TIFF's first image against the limits from its tags, before any of it is decoded: the whole
 * image, and one tile or strip (a 783 KB TIFF may hold one 16384 x 16384 Deflate tile).
 */
export function checkTiffImage(image: GeoTIFFImage, name: string, limits: PatchLimits): void {
  const perPixel = Math.max(1, image.getBytesPerPixel());
  checkPatchSize(name, 'TIFF', image.getWidth(), image.getHeight(), perPixel, limits);
  checkPatchSize(name, 'TIFF tile or strip', image.getTileWidth(), image.getTileHeight(), perPixel, limits);
}

/**
 * A decoder "pool" for geotiff's readRasters that decodes each tile or strip with geotiff's own decoders,
 * except that Deflate and LZW streams are decoded with a cap (twice the block's size from the tags, as some
 * writers pad the last strip), and JPEG blocks whose frame is larger than the block are refused, so a
 * stream that lies about its size never holds more than the cap. Other codecs' output is checked after.
 */
export function cappedPool(image: GeoTIFFImage, name: string): Pool {
  const blockBytes = image.getTileWidth() * image.getTileHeight() * Math.max(1, image.getBytesPerPixel());
  const cap = 2 * blockBytes + 65536;
  const pool = {
    bindParameters(compression: number, parameters: object) {
      return {
        async decode(buffer: ArrayBufferLike): Promise<ArrayBufferLike> {
          const decoder = await getDecoder(compression, parameters as Parameters<typeof getDecoder>[1]);
          if (compression === DEFLATE || compression === ADOBE_DEFLATE) {
            decoder.decodeBlock = (block: ArrayBufferLike) => {
              const out = cappedInflate([new Uint8Array(block)], cap);
              if (!out) throw streamTooLong(name, 'TIFF', 'a Deflate tile or strip', cap);
              return out.buffer;
            };
          } else if (compression === LZW) {
            decoder.decodeBlock = (block: ArrayBufferLike) => {
              const out = cappedLzw(new Uint8Array(block), cap);
              if (!out) throw streamTooLong(name, 'TIFF', 'an LZW tile or strip', cap);
              return out.slice().buffer;
            };
          } else if (compression === JPEG) {
            const frame = jpegFrameSize(new Uint8Array(buffer));
            if (frame && frame.width * frame.height > 4 * image.getTileWidth() * image.getTileHeight()) throw streamTooLong(name, 'TIFF', `a JPEG tile of ${frame.width} x ${frame.height} px`, blockBytes);
          }
          const decoded = await decoder.decode(buffer);
          if (decoded.byteLength > cap) throw streamTooLong(name, 'TIFF', 'a tile or strip', cap);
          return decoded;
        },
      };
    },
  };
  return pool as unknown as Pool;
}

/** A JPEG stream's frame size (SOF), or undefined when it has none before its scan. */
function jpegFrameSize(b: Uint8Array): { width: number; height: number } | undefined {
  for (let i = 2; i + 9 < b.length;) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1];
    if (marker === 0xff || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8] };
    if (marker === 0xda || marker === 0xd9) return undefined;
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  return undefined;
}
