import type { RgbaImage } from '../../core';

/**
 * HSV saturation of every pixel as 0-255, computed as scikit-image's rgb2hsv and OpenCV do:
 * (max - min) / max of R, G and B, 0 where max is 0, scaled to 255 and rounded.
 * Saturation, not brightness, separates tissue from glass: stained tissue is coloured, while glass is
 * near-grey whatever the scanner's exposure, and shadows at the slide's edge are dark but grey.
 * Transparent pixels (alpha 0: outside the slide) are background, saturation 0.
 */
export function hsvSaturation(image: RgbaImage): Uint8Array {
  const { data } = image;
  const out = new Uint8Array(image.width * image.height);
  for (let i = 0, p = 0; p < out.length; i += 4, p++) {
    if (data[i + 3] === 0) continue;
    const r = data[i];
    const g = data[i + 1];
    const b = data[i + 2];
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    if (max === 0) continue;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    out[p] = roundHalfEven((max - min) * 255, max);
  }
  return out;
}

/** num / den rounded half to even, in integers: how skimage's img_as_ubyte (np.rint) rounds. */
function roundHalfEven(num: number, den: number): number {
  const q = Math.floor(num / den);
  const twice = 2 * (num - q * den);
  if (twice > den) return q + 1;
  if (twice === den) return q + (q & 1);
  return q;
}
