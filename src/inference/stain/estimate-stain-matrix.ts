import type { StainMatrix, StainSettings } from '../manifest';
import { percentileOfSorted } from './percentile';
import { symmetricEigen } from './symmetric-eigen';

/** Fewer stained pixels than this and the estimate is not trusted (the caller uses the reference matrix). */
export const MIN_STAINED_PIXELS = 16;
/** Stain vectors closer than about 2° (sin² < 1e-3) are one stain, not two: not trusted either. */
export const MIN_SIN2_BETWEEN_STAINS = 1e-3;

/**
 * Estimates the H&E stain matrix of an image by Macenko et al. 2009 ("A method for normalizing
 * histology slides for quantitative analysis"), in float64, following the widely used reference
 * implementation step by step:
 *  1. OD = -log((I + 1) / Io) per pixel and channel;
 *  2. drop transparent pixels: any channel with OD < β;
 *  3. the two eigenvectors of the OD covariance with the largest eigenvalues span the stain plane;
 *  4. project the pixels onto that plane and take the angle φ of each; the α-th and (100 - α)-th
 *     percentiles of φ give the two extreme stain directions;
 *  5. the one with the larger red OD is haematoxylin, the other eosin.
 * The result does not depend on the eigenvectors' signs. Returns null when fewer than
 * MIN_STAINED_PIXELS pixels are stained (a background tile), or when the two vectors found are nearly
 * parallel (a grey or one-stain image): nothing to separate two stains with.
 *
 * `pixels` are 0-255 samples with `stride` samples per pixel (3 for RGB, 4 for RGBA), RGB first.
 */
export function estimateStainMatrix(
  pixels: ArrayLike<number>,
  stride: number,
  settings: Pick<StainSettings, 'io' | 'beta' | 'alpha'>,
): StainMatrix | null {
  const { io, beta, alpha } = settings;
  const count = Math.floor(pixels.length / stride);
  const od = new Float64Array(count * 3);
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const r = -Math.log((pixels[i * stride] + 1) / io);
    const g = -Math.log((pixels[i * stride + 1] + 1) / io);
    const b = -Math.log((pixels[i * stride + 2] + 1) / io);
    if (r < beta || g < beta || b < beta) continue;
    od[kept * 3] = r;
    od[kept * 3 + 1] = g;
    od[kept * 3 + 2] = b;
    kept++;
  }
  if (kept < MIN_STAINED_PIXELS) return null;

  // Covariance with the n - 1 denominator, as numpy's cov.
  const mean = [0, 0, 0];
  for (let i = 0; i < kept; i++) for (let c = 0; c < 3; c++) mean[c] += od[i * 3 + c];
  for (let c = 0; c < 3; c++) mean[c] /= kept;
  const cov = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let i = 0; i < kept; i++) {
    for (let a = 0; a < 3; a++) {
      const da = od[i * 3 + a] - mean[a];
      for (let b = a; b < 3; b++) cov[a][b] += da * (od[i * 3 + b] - mean[b]);
    }
  }
  for (let a = 0; a < 3; a++) for (let b = a; b < 3; b++) cov[b][a] = cov[a][b] /= kept - 1;

  const { vectors } = symmetricEigen(cov);
  const [e1, e2] = vectors; // largest, second largest
  const phi = new Float64Array(kept);
  for (let i = 0; i < kept; i++) {
    const x = od[i * 3] * e2[0] + od[i * 3 + 1] * e2[1] + od[i * 3 + 2] * e2[2];
    const y = od[i * 3] * e1[0] + od[i * 3 + 1] * e1[1] + od[i * 3 + 2] * e1[2];
    phi[i] = Math.atan2(y, x);
  }
  phi.sort();
  const direction = (angle: number): [number, number, number] => [0, 1, 2].map((c) => e2[c] * Math.cos(angle) + e1[c] * Math.sin(angle)) as [number, number, number];
  const vMin = direction(percentileOfSorted(phi, alpha));
  const vMax = direction(percentileOfSorted(phi, 100 - alpha));
  // Grey or single-stain images give two (nearly) parallel vectors, which separate nothing.
  const cos = vMin[0] * vMax[0] + vMin[1] * vMax[1] + vMin[2] * vMax[2];
  if (1 - cos * cos < MIN_SIN2_BETWEEN_STAINS) return null;
  return vMin[0] > vMax[0] ? { h: vMin, e: vMax } : { h: vMax, e: vMin };
}
