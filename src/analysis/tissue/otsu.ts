/**
 * Otsu's threshold, as `skimage.filters.threshold_otsu` computes it on uint8 data: over the values
 * from the smallest to the largest present, the t that maximises the between-class variance of
 * {values <= t} and {values > t}; the first such t on ties. Foreground is values > t.
 * A histogram with a single value returns that value (nothing is above it), an empty one 0.
 */
export function otsuThreshold(histogram: ArrayLike<number>): number {
  const [lo, hi] = occupiedRange(histogram);
  if (lo < 0) return 0;
  if (lo === hi) return lo;
  let total = 0;
  let totalSum = 0;
  for (let v = lo; v <= hi; v++) {
    total += histogram[v];
    totalSum += histogram[v] * v;
  }
  let best = lo;
  let bestVariance = -1;
  let weight1 = 0;
  let sum1 = 0;
  for (let t = lo; t < hi; t++) {
    weight1 += histogram[t];
    sum1 += histogram[t] * t;
    const weight2 = total - weight1;
    if (weight1 === 0 || weight2 === 0) continue;
    const diff = sum1 / weight1 - (totalSum - sum1) / weight2;
    // skimage's variance12 = w1 * w2 * (m1 - m2)^2 (unnormalised counts): the same argmax.
    const variance = weight1 * weight2 * diff * diff;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = t;
    }
  }
  return best;
}

/**
 * A 256-bin histogram of 8-bit values, leaving out the pixels where `exclude` is 1 (pen marks, for the
 * tissue mask: ink would otherwise be a mode of its own and pull the threshold into the tissue).
 */
export function histogram256(values: Uint8Array, exclude?: Uint8Array): Float64Array {
  const counts = new Float64Array(256);
  if (exclude) {
    for (let i = 0; i < values.length; i++) if (exclude[i] === 0) counts[values[i]]++;
  } else {
    for (let i = 0; i < values.length; i++) counts[values[i]]++;
  }
  return counts;
}

/** First and last non-empty bins; [-1, -1] when all are empty. */
function occupiedRange(histogram: ArrayLike<number>): [number, number] {
  let lo = -1;
  let hi = -1;
  for (let v = 0; v < histogram.length; v++) {
    if (histogram[v] > 0) {
      if (lo < 0) lo = v;
      hi = v;
    }
  }
  return [lo, hi];
}
