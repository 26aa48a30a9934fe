import type { Slide } from '../../slide';

/** The smallest level's pixels are hashed whole up to this many pixels a side, else its top-left corner this big. */
const FINGERPRINT_SIDE = 2048;

/**
 * A slide's identity that does not depend on its file name or where it was opened from: SHA-256 over its
 * structure (level sizes, tiles, vendor properties) and the RGBA pixels of its smallest level. The same
 * scan renamed or served from a URL has the same fingerprint; another scan of the same size does not.
 */
export async function slideFingerprint(slide: Slide): Promise<string> {
  const { levels, vendor, properties } = slide.info;
  const smallest = levels.length - 1;
  const { width, height } = levels[smallest];
  const w = Math.min(width, FINGERPRINT_SIDE);
  const h = Math.min(height, FINGERPRINT_SIDE);
  const structure = JSON.stringify({ vendor, levels: levels.map((l) => [l.width, l.height, l.tileWidth, l.tileHeight]), properties: Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : 1)) });
  return sha256Hex(new TextEncoder().encode(structure), ...(await identityPixels(slide, smallest, w, h)));
}

/**
 * The pixels that identify a slide: its RGBA, or for a multi-channel slide its raw channel planes, since
 * its RGBA is the composite of the display settings of the moment (colours and contrast the user changes).
 */
async function identityPixels(slide: Slide, level: number, w: number, h: number): Promise<Uint8Array[]> {
  if (slide.info.channels?.length && slide.readChannels) {
    const { planes } = await slide.readChannels(level, 0, 0, w, h);
    return planes.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  }
  const pixels = await slide.readRegion(level, 0, 0, w, h);
  return [new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength)];
}

/** SHA-256 of the parts one after another, as hex (Web Crypto: browsers, workers and Node alike). */
export async function sha256Hex(...parts: Uint8Array[]): Promise<string> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
