import * as tf from '@tensorflow/tfjs';
import { TesseraError } from '../../core';
import type { StainMatrix } from '../manifest';
import { opticalDensity } from './optical-density';

/**
 * The least-squares solution C of M·C = OD for a 3 x 2 stain matrix M = [h e]: C = (MᵀM)⁻¹Mᵀ·OD, the
 * pseudo-inverse, which is what numpy.linalg.lstsq gives for a full-rank M. Returned as the 3 x 2 matrix
 * that multiplies OD row vectors: [R G B] · P = [H E].
 */
export function stainPseudoInverse(matrix: StainMatrix): number[][] {
  const { h, e } = matrix;
  const hh = h[0] * h[0] + h[1] * h[1] + h[2] * h[2];
  const he = h[0] * e[0] + h[1] * e[1] + h[2] * e[2];
  const ee = e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
  const det = hh * ee - he * he;
  if (!(Math.abs(det) > 1e-12)) throw new TesseraError('invalid-argument', 'The H and E stain vectors are parallel; they cannot separate two stains.');
  // (MᵀM)⁻¹ = [[ee, -he], [-he, hh]] / det; rows of P are channels.
  return [0, 1, 2].map((c) => [(ee * h[c] - he * e[c]) / det, (hh * e[c] - he * h[c]) / det]);
}

/**
 * Two channels, haematoxylin then eosin concentrations, from 0-255 RGB (channels last) and a stain
 * matrix: Macenko et al. 2009's last step, OD = -log((I + 1) / Io) then least squares per pixel.
 */
export function stainConcentrations<T extends tf.Tensor>(rgb: T, matrix: StainMatrix, io: number): T {
  return tf.tidy(() => {
    const od = opticalDensity(rgb, io);
    const flat = tf.reshape(od, [-1, 3]);
    const c = tf.matMul(flat, tf.tensor2d(stainPseudoInverse(matrix)));
    return tf.reshape(c, [...rgb.shape.slice(0, -1), 2]) as T;
  });
}
