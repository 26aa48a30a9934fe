import { TesseraError, throwIfAborted } from '../../core';
import type { Slide, SlideInfo } from '../../slide';
import { tileCount, tileRect, type TileGrid } from '../grid/tile-grid';
import { channelBrightness } from './dark-field';
import { makeDarkFieldMask, makeTissueMask, type TissueMask } from './tissue-mask';

/**
 * Longest side of the image the mask is made from (WSInfer's thumbnail size too): a 2 cm section comes
 * out at about 10 µm per mask pixel, so a model's 50-100 µm tile still spans 5-10 mask pixels, and the
 * level is small enough to read and threshold in well under a second.
 */
export const TISSUE_MAX_SIDE = 2048;

export interface DetectTissueOptions {
  /** Longest side of the level read (default TISSUE_MAX_SIDE). */
  maxSide?: number;
  /** The user's threshold instead of the automatic one (see makeTissueMask). */
  threshold?: number;
  signal?: AbortSignal;
}

/**
 * Tissue mask of a slide, from the largest level (file or synthesised) whose longest side is at most
 * `maxSide`, read whole in one region; the smallest level when none is that small. A multi-channel
 * (fluorescence) slide's mask is made from its raw channels (dark-field, whatever the Channels panel shows).
 */
export async function detectTissue(slide: Pick<Slide, 'info' | 'readRegion' | 'readChannels'>, options: DetectTissueOptions = {}): Promise<TissueMask> {
  const { info } = slide;
  const level = tissueLevel(info, options.maxSide ?? TISSUE_MAX_SIDE);
  const { width, height, downsample } = info.levels[level];
  const maskOptions = { threshold: options.threshold, umPerPixel: info.mppX ? info.mppX * downsample : undefined };
  if (info.channels && info.display && slide.readChannels) {
    const planes = await slide.readChannels(level, 0, 0, width, height, undefined, options.signal);
    throwIfAborted(options.signal);
    return makeDarkFieldMask(channelBrightness(planes, info.display), width, height, downsample, maskOptions);
  }
  const image = await slide.readRegion(level, 0, 0, width, height, options.signal);
  throwIfAborted(options.signal);
  return makeTissueMask(image, downsample, maskOptions);
}

/** The level the tissue mask is made from (see detectTissue). */
export function tissueLevel(info: SlideInfo, maxSide: number): number {
  if (info.levels.length === 0) throw new TesseraError('invalid-argument', 'This slide has no image levels, so no tissue can be found on it.');
  const sides = info.levels.map((level) => Math.max(level.width, level.height));
  let best = -1;
  let smallest = 0;
  sides.forEach((side, i) => {
    if (side < sides[smallest]) smallest = i;
    if (side <= maxSide && (best < 0 || side > sides[best])) best = i;
  });
  return best >= 0 ? best : smallest;
}

/**
 * Per tile of the grid, the fraction of its level-0 rectangle that is tissue: the share of tissue among
 * the mask pixels the rectangle covers (those whose centre is inside it, and at least one).
 */
export function tileTissueFractions(tissue: TissueMask, grid: TileGrid): Float32Array {
  const out = new Float32Array(tileCount(grid));
  for (let i = 0; i < out.length; i++) {
    const r = tileRect(grid, i);
    const [x0, x1] = coveredSpan(r.x, r.width, tissue.downsample, tissue.width);
    const [y0, y1] = coveredSpan(r.y, r.height, tissue.downsample, tissue.height);
    out[i] = countTissue(tissue, x0, x1, y0, y1) / ((x1 - x0) * (y1 - y0));
  }
  return out;
}

/** Mask pixels [from, to) whose centres lie in the level-0 span [start, start + size), at least one,
 * clamped to the mask. Pixel k's centre is at level-0 (k + 0.5) * downsample. */
function coveredSpan(start: number, size: number, downsample: number, length: number): [number, number] {
  let from = Math.ceil(start / downsample - 0.5);
  let to = Math.ceil((start + size) / downsample - 0.5);
  from = Math.min(Math.max(from, 0), length - 1);
  to = Math.min(Math.max(to, from + 1), length);
  return [from, to];
}

function countTissue(tissue: TissueMask, x0: number, x1: number, y0: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) {
    const row = y * tissue.width;
    for (let x = x0; x < x1; x++) n += tissue.mask[row + x];
  }
  return n;
}
