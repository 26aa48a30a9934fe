import type * as tf from '@tensorflow/tfjs';
import { TesseraError, throwIfAborted } from '../core';
import { backendGeneration, recoverBackend } from './backend';
import type { Manifest, StainMatrix } from './manifest';
import { detectCells } from './postprocess/detect-cells';
import type { Model } from './model';
import type { ModelInput } from './preprocess/pixels-to-tensor';
import { preprocessBatch } from './preprocess-batch';

export interface PredictOptions {
  /** Images per batch; the last batch is padded to it so the GPU sees one shape (DESIGN.md, decision 5). */
  batchSize: number;
  /** Also return the model's raw output (before the activation, in its own layout). */
  raw: boolean;
  /** A stain matrix estimated once for the slide (he-macenko models). */
  stainMatrix?: StainMatrix;
  signal?: AbortSignal;
}

export const DEFAULT_PREDICT_OPTIONS: PredictOptions = { batchSize: 8, raw: false };

export function validatePredictOptions(options: Partial<PredictOptions> = {}): PredictOptions {
  const o = { ...DEFAULT_PREDICT_OPTIONS, ...options };
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > 1024) throw new TesseraError('invalid-argument', `batchSize must be a whole number from 1 to 1024, got ${String(o.batchSize)}.`);
  return o;
}

/**
 * A detection model's cells in one image, as columns (one entry per cell): centres in the image's own
 * pixels (before any resize to the model's input; pixel i spans [i, i + 1), so a centre is i + 0.5 when
 * the output is at the image's scale), the class index into the manifest's classes, and the peak's score.
 */
export interface DetectedCells {
  x: Float32Array;
  y: Float32Array;
  classIndex: Uint8Array;
  score: Float32Array;
}

export interface Prediction {
  /** The image's position in the input. */
  index: number;
  /**
   * Probabilities, classes last: [classes] for classification, [h, w, classes] for segmentation. For
   * detection, [classes]: each class's share of the image's cells (0 when it has none); the maps stay in
   * the worker and only `cells` travel.
   */
  probabilities: Float32Array;
  shape: number[];
  /** The most probable class (classification), or the class most pixels have (segmentation). */
  classIndex: number;
  /** The image's own size, before any resize to the model's input. */
  imageSize: { width: number; height: number };
  /** Detection models: the cells found, decoded from the centre maps where the model ran. */
  cells?: DetectedCells;
  /** The model's raw output for this image, flattened in the model's own layout (with options.raw). */
  raw?: Float32Array;
  rawShape?: number[];
}

type Images = Iterable<ModelInput> | AsyncIterable<ModelInput>;

async function takeBatch(it: Iterator<ModelInput> | AsyncIterator<ModelInput>, n: number): Promise<ModelInput[]> {
  const out: ModelInput[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

function classOf(probs: Float32Array, k: number): number {
  if (probs.length === k) return argmax(probs, 0, k);
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < probs.length; i += k) counts[argmax(probs, i, k)]++;
  return argmax(counts, 0, k);
}

function argmax(a: ArrayLike<number>, from: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (a[from + j] > a[from + best]) best = j;
  return best;
}

/**
 * The one batched predict everything uses (slide analysis, batch scoring, the CLI): images in, one
 * Prediction per image out, batch by batch. Every batch has the same shape (the last is padded); every
 * tensor is disposed; the next batch's images are pulled (decoded) while the GPU runs this one. When the
 * WebGPU device is lost mid-run, the backend falls back by itself and the batch is run again there.
 */
export async function* predictBatches(model: Model, images: Images, options: Partial<PredictOptions> = {}): AsyncGenerator<Prediction[]> {
  const o = validatePredictOptions(options);
  const it = Symbol.asyncIterator in images ? images[Symbol.asyncIterator]() : images[Symbol.iterator]();
  // The next batch is pulled while this one runs; its failure (an image that cannot be decoded) is
  // reported when it is awaited, not as an unhandled rejection in the meantime.
  const pull = () => {
    const p = takeBatch(it, o.batchSize);
    p.catch(() => {});
    return p;
  };
  let next = pull();
  let offset = 0;
  for (;;) {
    throwIfAborted(o.signal);
    const batch = await next;
    if (batch.length === 0) return;
    let pulled = false;
    let data: { probs: Float32Array; shape: number[]; raw?: Float32Array; rawShape?: number[] } | undefined;
    for (let attempt = 0; !data; attempt++) {
      const generation = backendGeneration();
      try {
        await model.prepare();
        const input = await preprocessBatch(batch, model.manifest, { batchSize: o.batchSize, stainMatrix: o.stainMatrix });
        let out: { probabilities: tf.Tensor; raw?: tf.Tensor };
        try {
          out = o.raw ? model.predictWithRaw(input) : { probabilities: model.predict(input) };
        } finally {
          input.dispose();
        }
        if (!pulled) {
          next = pull();
          pulled = true;
        }
        try {
          const [probs, raw] = await Promise.all([out.probabilities.data() as Promise<Float32Array>, out.raw?.data() as Promise<Float32Array> | undefined]);
          data = { probs, shape: out.probabilities.shape, raw, rawShape: out.raw?.shape };
        } finally {
          out.probabilities.dispose();
          out.raw?.dispose();
        }
      } catch (e) {
        if (attempt === 0 && (await recoverBackend(generation))) continue;
        throw e;
      }
    }
    const per = data.probs.length / data.shape[0];
    const k = data.shape[data.shape.length - 1];
    const rawPer = data.raw && data.rawShape ? data.raw.length / data.rawShape[0] : 0;
    yield batch.map((image, i) => {
      if (model.manifest.task === 'detection') {
        const maps = data.probs.subarray(i * per, (i + 1) * per);
        const raw = data.raw ? { raw: data.raw.slice(i * rawPer, (i + 1) * rawPer), rawShape: data.rawShape!.slice(1) } : {};
        return { index: offset + i, ...detectionOf(model.manifest, maps, data.shape.slice(1), image), ...raw };
      }
      const probabilities = data.probs.slice(i * per, (i + 1) * per);
      return {
        index: offset + i,
        probabilities,
        shape: data.shape.slice(1),
        classIndex: classOf(probabilities, k),
        imageSize: { width: image.width, height: image.height },
        ...(data.raw ? { raw: data.raw.slice(i * rawPer, (i + 1) * rawPer), rawShape: data.rawShape!.slice(1) } : {}),
      };
    });
    offset += batch.length;
  }
}

/**
 * A detection model's prediction for one image: its maps decoded to cells here (in the inference worker,
 * so that only the cells travel to the page), the class shares of its cells as probabilities and the
 * class with most cells (the first class when it has none).
 */
function detectionOf(manifest: Manifest, maps: Float32Array, shape: number[], image: { width: number; height: number }): Omit<Prediction, 'index'> {
  const k = shape[shape.length - 1];
  if (!manifest.detection || !manifest.input.spacingUmPx) throw new TesseraError('invalid-argument', `${manifest.name}: a detection model needs detection.minDistanceUm, detection.thresholds and input.spacingUmPx in its manifest.`);
  const cells = detectCells(maps, shape, {
    radius: detectionRadius(manifest, shape[1]),
    thresholds: manifest.detection.thresholds,
    imageWidth: image.width,
    imageHeight: image.height,
  });
  const counts = new Array<number>(k).fill(0);
  for (const c of cells.classIndex) counts[c]++;
  const total = cells.classIndex.length;
  return {
    probabilities: Float32Array.from(counts, (c) => (total ? c / total : 0)),
    shape: [k],
    classIndex: argmax(counts, 0, k),
    imageSize: { width: image.width, height: image.height },
    cells,
  };
}

/**
 * The minimum distance between cells in the output's pixels: the model's input pixels are
 * input.spacingUmPx µm, and an output narrower than the input (a strided model) has coarser pixels.
 */
export function detectionRadius(manifest: Manifest, outputWidth: number): number {
  const umPerOutputPx = manifest.input.spacingUmPx! * (manifest.input.size[1] / outputWidth);
  return manifest.detection!.minDistanceUm / umPerOutputPx;
}

/** All predictions of predictBatches, in input order. */
export async function predict(model: Model, images: Images, options: Partial<PredictOptions> = {}): Promise<Prediction[]> {
  const all: Prediction[] = [];
  for await (const batch of predictBatches(model, images, options)) all.push(...batch);
  return all;
}
