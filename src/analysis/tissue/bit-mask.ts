/**
 * Binary images packed 32 pixels to a word, for the tissue mask's morphology: a 2048 x 2048 level is
 * 4 million pixels, and dilating or eroding a word at a time is what keeps the whole mask well under a
 * second. Pixel x of row y is bit (x % 32) of words[y * stride + x / 32]; bits past `width` are 0.
 * Windows are (2r + 1) x (2r + 1) squares; only pixels inside the image count, so tissue that touches
 * the border is neither eroded nor grown by it.
 */
export interface BitMask {
  width: number;
  height: number;
  /** Words per row. */
  stride: number;
  words: Uint32Array;
}

/** Packs one byte per pixel (row-major, non-zero = set). */
export function pack(bytes: Uint8Array, width: number, height: number): BitMask {
  const stride = Math.ceil(width / 32);
  const words = new Uint32Array(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (bytes[y * width + x] !== 0) words[y * stride + (x >>> 5)] |= 1 << (x & 31);
  }
  return { width, height, stride, words };
}

/** One byte per pixel, 1 where set. */
export function unpack(mask: BitMask): Uint8Array {
  const { width, height, stride, words } = mask;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = (words[y * stride + (x >>> 5)] >>> (x & 31)) & 1;
  }
  return out;
}

/** 1 where any pixel of the window is set. */
export function dilate(mask: BitMask, radius: number): BitMask {
  return vertical(horizontal(mask, radius, false), radius, false);
}

/** 1 where every pixel of the window (inside the image) is set. */
export function erode(mask: BitMask, radius: number): BitMask {
  return vertical(horizontal(mask, radius, true), radius, true);
}

/** Closing (dilate, then erode): fills gaps narrower than the window. */
export function close(mask: BitMask, radius: number): BitMask {
  return erode(dilate(mask, radius), radius);
}

/** Opening (erode, then dilate): drops pieces narrower than the window. */
export function open(mask: BitMask, radius: number): BitMask {
  return dilate(erode(mask, radius), radius);
}

/**
 * Each pixel becomes the OR (dilation) or AND (erosion) of itself and its `radius` neighbours on the
 * row, one pixel of reach per step. Outside the image counts as 0 for OR and as 1 for AND, which makes
 * both look only at pixels inside.
 */
function horizontal(mask: BitMask, radius: number, isAnd: boolean): BitMask {
  const { stride, height } = mask;
  const outside = isAnd ? 0xffffffff : 0;
  const lastBits = lastWordBits(mask);
  let src = withPadding(mask.words, stride, lastBits, outside);
  for (let step = 0; step < radius; step++) {
    const dst = new Uint32Array(src.length);
    for (let y = 0; y < height; y++) {
      const row = y * stride;
      for (let k = 0; k < stride; k++) {
        const w = src[row + k];
        const prev = k > 0 ? src[row + k - 1] : outside;
        const next = k + 1 < stride ? src[row + k + 1] : outside;
        const left = (w << 1) | (prev >>> 31); // pixel x - 1 moved to x
        const right = (w >>> 1) | (next << 31); // pixel x + 1 moved to x
        dst[row + k] = isAnd ? w & left & right : w | left | right;
      }
    }
    src = withPadding(dst, stride, lastBits, outside);
  }
  return { ...mask, words: withPadding(src, stride, lastBits, 0) };
}

/** Each row becomes the OR or AND of the rows within `radius` of it that are inside the image. */
function vertical(mask: BitMask, radius: number, isAnd: boolean): BitMask {
  const { stride, height, words } = mask;
  const out = new Uint32Array(words.length);
  for (let y = 0; y < height; y++) {
    const from = Math.max(0, y - radius);
    const to = Math.min(height - 1, y + radius);
    for (let k = 0; k < stride; k++) {
      let acc = words[from * stride + k];
      for (let r = from + 1; r <= to; r++) acc = isAnd ? acc & words[r * stride + k] : acc | words[r * stride + k];
      out[y * stride + k] = acc;
    }
  }
  return { ...mask, words: out };
}

/** Pixels used in each row's last word (1 to 32). */
function lastWordBits(mask: BitMask): number {
  return mask.width - (mask.stride - 1) * 32;
}

/** A copy whose bits past the row's end are `outside` (all 1 for AND, 0 for OR and for storage). */
function withPadding(words: Uint32Array, stride: number, lastBits: number, outside: number): Uint32Array {
  const out = new Uint32Array(words);
  if (lastBits === 32) return out;
  const used = (1 << lastBits) - 1;
  for (let k = stride - 1; k < out.length; k += stride) out[k] = (out[k] & used) | (outside & ~used);
  return out;
}
