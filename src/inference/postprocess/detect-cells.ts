import { TesseraError } from '../../core';
import type { DetectedCells } from '../predict';

/** How a detection model's maps become cells (manifest.detection, with the radius in the output's pixels). */
export interface PeakOptions {
  /** Two peaks are never within this many output pixels of each other (the disc's radius). */
  radius: number;
  /** Per class: the lowest score a peak of that class is kept at. */
  thresholds: ArrayLike<number>;
  /** The image's own size; the output's pixels are scaled to it (the model may have seen a resize). */
  imageWidth: number;
  imageHeight: number;
}

/**
 * Cells from per-class centre maps, [h, w, k] classes last, after the activation. A pixel's score is the
 * highest of its k values and its class the first map holding it. A pixel is a cell when its score is at
 * least its class's threshold and it is the maximum within the disc of `radius` around it (distance ≤
 * radius). Equal scores are ordered by raster position, the first winning, so of two equal neighbours
 * exactly one survives and no two cells are within the radius of each other. Centres are in the image's
 * pixels: output pixel i spans [i, i + 1) scaled by imageWidth / width, its centre (i + 0.5) * that.
 *
 * Fast path: a pixel below the maximum of the square inscribed in its disc cannot be a peak (that square
 * lies inside the disc), and that maximum is two 1-D running maxima (van Herk / Gil-Werman, three
 * comparisons a pixel whatever the radius). Only the few pixels surviving it get the full disc check.
 */
export function detectCells(maps: Float32Array, shape: readonly number[], options: PeakOptions): DetectedCells {
  if (shape.length !== 3) throw new TesseraError('invalid-argument', 'This is not a detection output (expected [height, width, classes] maps).', `shape [${shape.join(', ')}]`);
  const [height, width, k] = shape;
  if (maps.length !== height * width * k) throw new TesseraError('internal', 'Detection output size does not match its shape.', `${maps.length} values for [${shape.join(', ')}]`);
  if (k > 255) throw new TesseraError('unsupported', `A detection model may have at most 255 classes, this one has ${k}.`);
  const { score, cls } = scoreMap(maps, height * width, k);
  const half = Math.floor(options.radius / Math.SQRT2);
  const squareMax = maxFilter2d(score, width, height, half);
  const offsets = discOffsets(options.radius);
  const sx = options.imageWidth / width;
  const sy = options.imageHeight / height;
  const xs: number[] = [];
  const ys: number[] = [];
  const cs: number[] = [];
  const ss: number[] = [];
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p++) {
      const s = score[p];
      if (!(s >= options.thresholds[cls[p]]) || s < squareMax[p]) continue;
      if (!isDiscPeak(score, width, height, x, y, offsets)) continue;
      xs.push((x + 0.5) * sx);
      ys.push((y + 0.5) * sy);
      cs.push(cls[p]);
      ss.push(s);
    }
  }
  return { x: Float32Array.from(xs), y: Float32Array.from(ys), classIndex: Uint8Array.from(cs), score: Float32Array.from(ss) };
}

/** Per pixel, the highest class value and the first class holding it (as predict.ts's argmax). */
function scoreMap(maps: Float32Array, n: number, k: number): { score: Float32Array; cls: Uint8Array } {
  const score = new Float32Array(n);
  const cls = new Uint8Array(n);
  for (let p = 0, o = 0; p < n; p++, o += k) {
    let best = 0;
    for (let j = 1; j < k; j++) if (maps[o + j] > maps[o + best]) best = j;
    score[p] = maps[o + best];
    cls[p] = best;
  }
  return { score, cls };
}

/** The disc's offsets (dx, dy) with dx² + dy² ≤ r², the centre left out, pairs flattened. */
function discOffsets(radius: number): Int32Array {
  const R = Math.floor(radius);
  const out: number[] = [];
  for (let dy = -R; dy <= R; dy++) for (let dx = -R; dx <= R; dx++) if ((dx || dy) && dx * dx + dy * dy <= radius * radius) out.push(dx, dy);
  return Int32Array.from(out);
}

/** Whether (x, y) beats every pixel of its disc: a higher score, or an equal one earlier in raster order. */
function isDiscPeak(score: Float32Array, width: number, height: number, x: number, y: number, offsets: Int32Array): boolean {
  const s = score[y * width + x];
  for (let i = 0; i < offsets.length; i += 2) {
    const dx = offsets[i];
    const dy = offsets[i + 1];
    const qx = x + dx;
    const qy = y + dy;
    if (qx < 0 || qy < 0 || qx >= width || qy >= height) continue;
    const q = score[qy * width + qx];
    if (q > s) return false;
    // An equal neighbour before this pixel in raster order (an earlier row, or this row to the left) wins.
    if (q === s && (dy < 0 || (dy === 0 && dx < 0))) return false;
  }
  return true;
}

/** The maximum over the (2 half + 1)² square around each pixel (clipped at the edges). */
export function maxFilter2d(a: Float32Array, width: number, height: number, half: number): Float32Array {
  if (half <= 0) return a.slice();
  const n = Math.max(width, height);
  const rows = new Float32Array(a.length);
  const line = new Float32Array(n);
  const out = new Float32Array(n);
  const work = { prefix: new Float32Array(n), suffix: new Float32Array(n) };
  for (let y = 0; y < height; y++) {
    maxFilter1d(a.subarray(y * width, (y + 1) * width), width, half, out, work);
    rows.set(out.subarray(0, width), y * width);
  }
  const result = new Float32Array(a.length);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) line[y] = rows[y * width + x];
    maxFilter1d(line, height, half, out, work);
    for (let y = 0; y < height; y++) result[y * width + x] = out[y];
  }
  return result;
}

/**
 * Running maximum over windows [i - half, i + half] clipped to [0, n), by van Herk / Gil-Werman: blocks
 * of the window's width, a prefix maximum and a suffix maximum in each, and every window is the suffix of
 * one block joined to the prefix of the next (a window inside one block is a prefix or a suffix of it).
 */
function maxFilter1d(a: ArrayLike<number>, n: number, half: number, out: Float32Array, work: { prefix: Float32Array; suffix: Float32Array }): void {
  const w = 2 * half + 1;
  const { prefix, suffix } = work;
  for (let i = 0; i < n; i++) prefix[i] = i % w === 0 ? a[i] : Math.max(prefix[i - 1], a[i]);
  for (let i = n - 1; i >= 0; i--) suffix[i] = i === n - 1 || (i + 1) % w === 0 ? a[i] : Math.max(suffix[i + 1], a[i]);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(n - 1, i + half);
    if (Math.floor(lo / w) !== Math.floor(hi / w)) out[i] = Math.max(suffix[lo], prefix[hi]);
    // Windows clipped at the ends lie inside one block: from its start (left end) or to the last value.
    else out[i] = lo % w === 0 ? prefix[hi] : suffix[lo];
  }
}
