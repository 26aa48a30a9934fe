import type { RgbaImage } from '../../core';
import type { ChannelDisplay, ChannelPlanes } from '../../slide';

/*
 * Fluorescence: tissue glows on a black background. Saturation and pen-mark colours (the brightfield
 * rules) do not apply: a DAPI scan is pure blue on black, so all of it passed for blue ink, and the tissue
 * mask of test3-DAPI-2.ndpi was 1 % of the image (99 % "ink") where the section fills most of it. There
 * tissue is what is brighter than the background, seen at the scale of tissue rather than of nuclei: a
 * nuclear stain lights only the nuclei, so the brightness is averaged over about 25 µm before the
 * threshold (QuPath's tissue detection has the same "dark background" choice, with smoothing).
 */

/** Median brightness (max of R, G, B) below which the picture is taken as dark-field (fluorescence). */
const DARK_MEDIAN = 64;
/** Width, in µm, of the window the brightness is averaged over (a few cells: stroma between nuclei counts). */
const SMOOTH_UM = 25;
/** The averaging window's radius in mask pixels, whatever the µm/px says (and without one). */
const MIN_RADIUS = 2;
const MAX_RADIUS = 16;
const DEFAULT_RADIUS = 4;

/** Whether most of the picture is dark: a fluorescence image (median brightness of its opaque pixels under DARK_MEDIAN). */
export function isDarkField(image: RgbaImage): boolean {
  const hist = new Uint32Array(256);
  let n = 0;
  const { data } = image;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0) continue;
    hist[Math.max(data[i], data[i + 1], data[i + 2])]++;
    n++;
  }
  if (!n) return false;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v];
    if (seen * 2 >= n) return v < DARK_MEDIAN;
  }
  return false;
}

/** Brightness of an RGB picture: max of R, G and B (0 outside the slide). */
export function rgbBrightness(image: RgbaImage): Uint8Array {
  const { data } = image;
  const out = new Uint8Array(image.width * image.height);
  for (let i = 0, p = 0; p < out.length; i += 4, p++) if (data[i + 3] !== 0) out[p] = Math.max(data[i], data[i + 1], data[i + 2]);
  return out;
}

/**
 * Brightness of a multi-channel slide from its raw planes: per pixel, the brightest channel scaled by the
 * contrast limits the slide opened with (0 at min, 255 at max), whether or not the channel is shown now, so
 * that which tiles are tissue does not depend on the Channels panel.
 */
export function channelBrightness(planes: ChannelPlanes, limits: readonly Pick<ChannelDisplay, 'min' | 'max'>[]): Uint8Array {
  const out = new Uint8Array(planes.width * planes.height);
  planes.planes.forEach((plane, k) => {
    const { min, max } = limits[planes.channels[k]];
    const scale = 255 / Math.max(1e-9, max - min);
    for (let p = 0; p < out.length; p++) {
      const v = Math.round((plane[p] - min) * scale);
      if (v > out[p]) out[p] = v > 255 ? 255 : v;
    }
  });
  return out;
}

/** The averaging radius in mask pixels for a mask of `umPerPixel` µm per pixel (unknown: DEFAULT_RADIUS). */
export function smoothingRadius(umPerPixel: number | undefined): number {
  if (!umPerPixel || !Number.isFinite(umPerPixel)) return DEFAULT_RADIUS;
  return Math.min(MAX_RADIUS, Math.max(MIN_RADIUS, Math.round(SMOOTH_UM / 2 / umPerPixel)));
}

/** Mean over (2r + 1) x (2r + 1) windows (clipped at the edges), rounded: one pass of a summed-area table. */
export function boxMean(src: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const w1 = width + 1;
  const sums = new Float64Array(w1 * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += src[y * width + x];
      sums[(y + 1) * w1 + x + 1] = sums[y * w1 + x + 1] + row;
    }
  }
  const out = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - radius);
    const y1 = Math.min(height, y + radius + 1);
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - radius);
      const x1 = Math.min(width, x + radius + 1);
      const s = sums[y1 * w1 + x1] - sums[y0 * w1 + x1] - sums[y1 * w1 + x0] + sums[y0 * w1 + x0];
      out[y * width + x] = Math.round(s / ((x1 - x0) * (y1 - y0)));
    }
  }
  return out;
}
