/** Per-channel mean absolute and mean signed difference between two RGB(A) buffers of the same size. */
export interface ChannelDiff {
  meanAbs: [number, number, number];
  meanSigned: [number, number, number];
}

export function compareRgb(actual: ArrayLike<number>, actualChannels: number, expected: ArrayLike<number>, expectedChannels: number, pixels: number): ChannelDiff {
  const abs = [0, 0, 0];
  const signed = [0, 0, 0];
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < 3; c++) {
      const d = actual[i * actualChannels + c] - expected[i * expectedChannels + c];
      abs[c] += Math.abs(d);
      signed[c] += d;
    }
  }
  return {
    meanAbs: abs.map((v) => v / pixels) as [number, number, number],
    meanSigned: signed.map((v) => v / pixels) as [number, number, number],
  };
}

/** The bar: mean |diff| ≤ 3 and mean signed diff within ±1.5, per channel. */
export function withinTolerance(d: ChannelDiff): boolean {
  return d.meanAbs.every((v) => v <= 3) && d.meanSigned.every((v) => Math.abs(v) <= 1.5);
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (Math.abs(d - 0.5) > 1e-9) return Math.round(v);
  return f % 2 === 0 ? f : f + 1;
}

/**
 * OpenSlide places regions in level-0 pixels. The reference crops were read at X = round(x * downsample),
 * which on a level whose downsample is not a whole number lands between that level's pixels, and OpenSlide
 * (through cairo) interpolates bilinearly there. This is that sub-pixel offset in the level's own pixels.
 */
export function openSlideSubpixelOffset(x: number, downsample: number): number {
  return roundHalfEven(x * downsample) / downsample - x;
}

/** Bilinear resampling of RGBA `src` at (i + margin + fx, j + margin + fy), giving width x height RGB. */
export function shiftBilinear(src: { width: number; data: ArrayLike<number> }, margin: number, fx: number, fy: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const at = (x: number, y: number, c: number) => src.data[(y * src.width + x) * 4 + c];
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const sx = i + margin + fx;
      const sy = j + margin + fy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const ax = sx - x0;
      const ay = sy - y0;
      for (let c = 0; c < 3; c++) {
        const v = (1 - ax) * (1 - ay) * at(x0, y0, c) + ax * (1 - ay) * at(x0 + 1, y0, c) + (1 - ax) * ay * at(x0, y0 + 1, c) + ax * ay * at(x0 + 1, y0 + 1, c);
        out[(j * width + i) * 3 + c] = Math.round(v);
      }
    }
  }
  return out;
}

/** Share of painted pixels (alpha above 0 in either RGBA buffer) whose premultiplied colour or alpha differs by more than 16 levels. */
export function differingPainted(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  let painted = 0;
  let off = 0;
  for (let k = 0; k < a.length; k += 4) {
    if (!a[k + 3] && !b[k + 3]) continue;
    painted++;
    let d = Math.abs(a[k + 3] - b[k + 3]);
    for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs((a[k + c] * a[k + 3] - b[k + c] * b[k + 3]) / 255));
    if (d > 16) off++;
  }
  return painted ? off / painted : 0;
}
