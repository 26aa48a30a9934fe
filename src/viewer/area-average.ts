/**
 * Area averaging (a box filter with exact fractional coverage): each output pixel is the mean of the
 * source area it covers. Downscaling by any ratio this way cannot alias, unlike bilinear or bicubic
 * sampling, which skip source pixels once the ratio passes 2. The same rule the slide engine uses to
 * synthesise levels.
 */

interface AxisWeights {
  /** For output i: source indices start[i] .. start[i] + count[i] - 1 with weights[offset[i] + k]. */
  start: Int32Array;
  count: Int32Array;
  offset: Int32Array;
  weights: Float32Array;
}

function axisWeights(src: number, dst: number): AxisWeights {
  const scale = src / dst;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const offset = new Int32Array(dst);
  const list: number[] = [];
  for (let i = 0; i < dst; i++) {
    const a = i * scale;
    const b = Math.min(src, (i + 1) * scale);
    const first = Math.floor(a);
    const last = Math.min(src - 1, Math.ceil(b) - 1);
    start[i] = first;
    offset[i] = list.length;
    for (let s = first; s <= last; s++) list.push((Math.min(b, s + 1) - Math.max(a, s)) / (b - a));
    count[i] = last - first + 1;
  }
  return { start, count, offset, weights: Float32Array.from(list) };
}

/** Scales RGBA `src` (sw × sh) to dw × dh by area averaging; separable, so two passes. */
export function areaAverage(src: Uint8ClampedArray, sw: number, sh: number, dw: number, dh: number): Uint8ClampedArray<ArrayBuffer> {
  const wx = axisWeights(sw, dw);
  const wy = axisWeights(sh, dh);
  // Horizontal pass: sh rows of dw pixels.
  const mid = new Float32Array(sh * dw * 4);
  for (let y = 0; y < sh; y++) {
    const row = y * sw * 4;
    for (let i = 0; i < dw; i++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let k = 0; k < wx.count[i]; k++) {
        const w = wx.weights[wx.offset[i] + k];
        const p = row + (wx.start[i] + k) * 4;
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
        a += src[p + 3] * w;
      }
      const q = (y * dw + i) * 4;
      mid[q] = r;
      mid[q + 1] = g;
      mid[q + 2] = b;
      mid[q + 3] = a;
    }
  }
  // Vertical pass.
  const out = new Uint8ClampedArray(dw * dh * 4);
  const acc = new Float32Array(dw * 4);
  for (let j = 0; j < dh; j++) {
    acc.fill(0);
    for (let k = 0; k < wy.count[j]; k++) {
      const w = wy.weights[wy.offset[j] + k];
      const row = (wy.start[j] + k) * dw * 4;
      for (let i = 0; i < dw * 4; i++) acc[i] += mid[row + i] * w;
    }
    const o = j * dw * 4;
    for (let i = 0; i < dw * 4; i++) out[o + i] = Math.round(acc[i]);
  }
  return out;
}
