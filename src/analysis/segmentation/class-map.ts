import { TesseraError } from '../../core';
import type { Prediction } from '../../inference';

/**
 * A per-pixel class map: one class index per pixel, row by row. Uint8 because masks are kept for whole
 * slides (one byte a pixel); 255 is reserved for "not analysed", so at most 255 classes.
 */
export interface ClassMap {
  width: number;
  height: number;
  classCount: number;
  data: Uint8Array;
}

/** The most classes a Uint8 map can hold next to the "not analysed" value 255. */
export const MAX_CLASSES = 255;

/** Argmax over the last axis of [h, w, k] probabilities (ties go to the lower class, as predict.ts does). */
export function classMapFromProbabilities(probabilities: Float32Array, shape: readonly number[]): ClassMap {
  if (shape.length !== 3) throw new TesseraError('invalid-argument', 'This is not a segmentation output (expected [height, width, classes] probabilities).', `shape [${shape.join(', ')}]`);
  const [height, width, k] = shape;
  if (k < 1 || k > MAX_CLASSES) throw new TesseraError('unsupported', `A segmentation model may have 1 to ${MAX_CLASSES} classes, this one has ${k}.`);
  if (probabilities.length !== height * width * k) throw new TesseraError('internal', 'Segmentation output size does not match its shape.', `${probabilities.length} values for [${shape.join(', ')}]`);
  const data = new Uint8Array(height * width);
  for (let p = 0, o = 0; p < data.length; p++, o += k) data[p] = argmaxAt(probabilities, o, k);
  return { width, height, classCount: k, data };
}

/** The class map of a segmentation Prediction (probabilities [h, w, k], classes last). */
export function classMapOf(prediction: Prediction): ClassMap {
  return classMapFromProbabilities(prediction.probabilities, prediction.shape);
}

function argmaxAt(a: Float32Array, from: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (a[from + j] > a[from + best]) best = j;
  return best;
}

/** A rectangle of a class map in its own pixels: columns [x0, x1), rows [y0, y1). */
export interface PixelSpan {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Pixels of each class inside `span` (the whole map by default); values ≥ classCount are not counted. */
export function classCounts(map: ClassMap, span: PixelSpan = { x0: 0, y0: 0, x1: map.width, y1: map.height }): Uint32Array {
  const counts = new Uint32Array(map.classCount);
  for (let y = span.y0; y < span.y1; y++) {
    const row = y * map.width;
    for (let x = span.x0; x < span.x1; x++) {
      const c = map.data[row + x];
      if (c < map.classCount) counts[c]++;
    }
  }
  return counts;
}

/** Each class's share of the pixels inside `span` (the whole map by default); zeros for an empty span. */
export function classFractions(map: ClassMap, span?: PixelSpan): Float32Array {
  const counts = classCounts(map, span);
  const total = counts.reduce((a, b) => a + b, 0);
  const out = new Float32Array(map.classCount);
  if (total > 0) for (let c = 0; c < counts.length; c++) out[c] = counts[c] / total;
  return out;
}

/** A binary mask (1 where the map has class `classIndex`, else 0), for connected components. */
export function classMask(map: ClassMap, classIndex: number): Uint8Array {
  const mask = new Uint8Array(map.data.length);
  for (let p = 0; p < mask.length; p++) mask[p] = map.data[p] === classIndex ? 1 : 0;
  return mask;
}
