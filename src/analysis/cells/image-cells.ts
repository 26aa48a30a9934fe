import { TesseraError } from '../../core';
import type { DetectedCells, ModelImage, Predictor } from '../../inference';
import { planSlideAnalysis, startSlideAnalysis } from '../slide-analysis';
import { imageSlide, type RgbaPixels } from './image-slide';

export interface ImageCellsOptions {
  /** Tile overlap as a fraction (raised for seamless cells as for slides); 0 by default. */
  overlap?: number;
  batchSize?: number;
  readAhead?: number;
  /** The image's name, for messages. */
  name?: string;
}

/**
 * A detection model's cells in one whole image (`tessera predict` on images, and scoring), in the image's
 * own pixel coordinates, sorted by y then x. The image is taken to be at the model's µm/px and is never
 * resized: it is run as a one-level slide through the same grid, sink and stitching as slides, so it is
 * tiled at the model's input size with the overlap seamless cells need. Where the tiles reach past the
 * image (the grid needs whole tiles, and an image may be smaller than one), the slide continues the image
 * by reflection at its right and bottom; cells found there are dropped.
 *
 * The predictor reads the slide's regions on this thread (localPredictor, as the CLI and tests run it).
 */
export async function detectCellsInImage(predictor: Predictor, decoded: RgbaPixels | ModelImage, options: ImageCellsOptions = {}): Promise<DetectedCells> {
  const { manifest } = predictor;
  const image = asRgba(decoded);
  if (manifest.task !== 'detection') throw new TesseraError('invalid-argument', `${manifest.name} is not a cell detection model (its task is "${manifest.task}").`);
  const mpp = manifest.input.spacingUmPx!;
  const settings = { overlap: options.overlap ?? 0, detectTissue: false, batchSize: options.batchSize ?? 8, readAhead: options.readAhead ?? 16 };
  const tile = Math.max(...manifest.input.size);
  // The grid's stride at this model's scale (the overlap raised as planned for detection), then a slide
  // just large enough that whole tiles cover the image.
  const probe = await planSlideAnalysis(imageSlide(image, { mpp, width: Math.max(image.width, tile), height: Math.max(image.height, tile) }), predictor, settings);
  const { stride0, size0 } = probe.grid;
  const cover = (n: number) => size0 + Math.ceil(Math.max(0, n - size0) / stride0) * stride0;
  const slide = imageSlide(image, { mpp, name: options.name, width: cover(image.width), height: cover(image.height) });
  const plan = await planSlideAnalysis(slide, predictor, settings);
  const outcome = await startSlideAnalysis(slide, predictor, plan, settings).finished;
  if (outcome.status !== 'completed') throw outcome.error ?? new TesseraError('internal', `Finding cells in ${options.name ?? 'the image'} stopped (${outcome.status}).`);
  const cells = plan.cells!;
  const keep: number[] = [];
  for (let i = 0; i < cells.count; i++) if (cells.x[i] < image.width && cells.y[i] < image.height) keep.push(i);
  keep.sort((a, b) => cells.y[a] - cells.y[b] || cells.x[a] - cells.x[b]);
  return {
    x: Float32Array.from(keep, (i) => cells.x[i]),
    y: Float32Array.from(keep, (i) => cells.y[i]),
    classIndex: Uint8Array.from(keep, (i) => cells.classIndex[i]),
    score: Float32Array.from(keep, (i) => cells.score[i]),
  };
}

/** RGBA pixels of a decoded image: RGBA as it is, RGB with opaque alpha, grey copied to R, G and B. */
function asRgba(image: RgbaPixels | ModelImage): RgbaPixels {
  const format = 'format' in image ? image.format : 'rgba';
  if (format === 'rgba') return image;
  if (format === 'cmyk') throw new TesseraError('unsupported', 'Cells can be found in RGB or grey images; this one is CMYK.');
  const n = image.width * image.height;
  const data = new Uint8Array(n * 4);
  const step = format === 'rgb' ? 3 : 1;
  for (let i = 0; i < n; i++) {
    const at = i * step;
    data[i * 4] = image.data[at];
    data[i * 4 + 1] = image.data[step === 3 ? at + 1 : at];
    data[i * 4 + 2] = image.data[step === 3 ? at + 2 : at];
    data[i * 4 + 3] = 255;
  }
  return { width: image.width, height: image.height, data };
}
