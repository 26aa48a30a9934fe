/**
 * Median filter on a one-channel 8-bit image (row-major, `width` x `height`) over (2r + 1) x (2r + 1)
 * windows, edge pixels repeated outward (OpenCV's medianBlur, scipy's median_filter mode 'nearest').
 * Huang's running histogram: each step along a row drops one window column and adds the next, then
 * walks the median a few bins, so the cost per pixel is about 2r + 1 whatever the values.
 */
export function medianFilter(src: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const out = new Uint8Array(src.length);
  if (radius <= 0) {
    out.set(src);
    return out;
  }
  const side = 2 * radius + 1;
  const half = (side * side - 1) >> 1; // the median has at most `half` window values below it
  const leaving = clampedIndices(width, -radius); // column dropped when moving from x to x + 1
  const entering = clampedIndices(width, radius + 1);
  const rowStarts = new Int32Array(side);
  const hist = new Int32Array(256);
  for (let y = 0; y < height; y++) {
    for (let k = 0; k < side; k++) rowStarts[k] = Math.min(height - 1, Math.max(0, y - radius + k)) * width;
    hist.fill(0);
    for (let dx = -radius; dx <= radius; dx++) {
      const x = Math.min(width - 1, Math.max(0, dx));
      for (let k = 0; k < side; k++) hist[src[rowStarts[k] + x]]++;
    }
    let median = 0;
    let below = 0; // window values < median
    const row = y * width;
    for (let x = 0; x < width; x++) {
      // Walk the median down or up until below <= half < below + hist[median].
      while (below > half) below -= hist[--median];
      while (below + hist[median] <= half) below += hist[median++];
      out[row + x] = median;
      const xOut = leaving[x];
      const xIn = entering[x];
      for (let k = 0; k < side; k++) {
        const vOut = src[rowStarts[k] + xOut];
        const vIn = src[rowStarts[k] + xIn];
        hist[vOut]--;
        hist[vIn]++;
        if (vOut < median) below--;
        if (vIn < median) below++;
      }
    }
  }
  return out;
}

/** For each x, the column x + offset clamped to the image (edge pixels repeat outward). */
function clampedIndices(width: number, offset: number): Int32Array {
  const out = new Int32Array(width);
  for (let x = 0; x < width; x++) out[x] = Math.min(width - 1, Math.max(0, x + offset));
  return out;
}
