import { TesseraError } from '../core';

/**
 * Colour maps for heatmaps, as 256-entry RGB lookup tables, and class colours from the model manifest.
 *
 * The tables are built here from 17 control points each (t = 0, 1/16, ..., 1), linearly interpolated in
 * sRGB. The control points were sampled from matplotlib 3.6's published 256-entry tables:
 * - viridis and magma: Stéfan van der Walt and Nathaniel Smith, "A Better Default Colormap for Matplotlib"
 *   (SciPy 2015; https://bids.github.io/colormap/), released under CC0;
 * - turbo: Anton Mikhailov, "Turbo, An Improved Rainbow Colormap for Visualization" (Google AI Blog, 2019),
 *   Apache-2.0.
 * Interpolating 17 points stays within 3 (magma), 6 (viridis) and 7 (turbo) of 255 of the original
 * tables; viridis keeps its monotonic lightness (checked in test/unit/viewer/overlays).
 */

export type ColormapName = 'viridis' | 'magma' | 'turbo';

export interface Colormap {
  name: ColormapName;
  /** What the app shows in its colour map menu. */
  label: string;
  /** 256 RGB triples: entry i is the colour of t = i / 255. */
  lut: Uint8Array;
}

export type Rgb = [number, number, number];
export type Rgba = [number, number, number, number];

const CONTROL_POINTS: Record<ColormapName, { label: string; stops: string[] }> = {
  viridis: {
    label: 'Viridis',
    stops: ['#440154', '#48186a', '#472d7b', '#424086', '#3b528b', '#33638d', '#2c728e', '#26818e', '#21908c', '#1f9f88', '#28ae80', '#3ebc74', '#5dc963', '#82d34c', '#abdc32', '#d5e21a', '#fde725'],
  },
  magma: {
    label: 'Magma',
    stops: ['#000004', '#0a0822', '#1d1146', '#36106a', '#50127c', '#691c81', '#822681', '#9c2e7f', '#b63779', '#cf4170', '#e65163', '#f5695c', '#fb8761', '#fea571', '#fec387', '#fde0a2', '#fcfdbf'],
  },
  turbo: {
    label: 'Turbo (rainbow)',
    stops: ['#30123b', '#4040a1', '#466be3', '#4293ff', '#29bbec', '#18dcc3', '#31f299', '#6bfd64', '#a3fd3c', '#cced34', '#edd03a', '#fdae35', '#fb8022', '#ec520f', '#d23105', '#ac1701', '#7a0403'],
  },
};

export const COLORMAP_NAMES = Object.keys(CONTROL_POINTS) as ColormapName[];

/** Evenly spaced control points → 256 entries, interpolated per channel and rounded. */
export function buildLut(stops: Rgb[]): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  const segments = stops.length - 1;
  for (let i = 0; i < 256; i++) {
    const s = (i / 255) * segments;
    const k = Math.min(segments - 1, Math.floor(s));
    const f = s - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(stops[k][c] + (stops[k + 1][c] - stops[k][c]) * f);
  }
  return lut;
}

const built = new Map<ColormapName, Colormap>();

/** The colour map called `name` (tables are built once, on first use). */
export function colormap(name: ColormapName): Colormap {
  let map = built.get(name);
  if (!map) {
    const def = CONTROL_POINTS[name];
    if (!def) throw new TesseraError('invalid-argument', `There is no colour map called "${String(name)}".`, `known: ${COLORMAP_NAMES.join(', ')}`);
    map = { name, label: def.label, lut: buildLut(def.stops.map(parseHexColor)) };
    built.set(name, map);
  }
  return map;
}

/** The table entry for t in [0, 1] (clamped; NaN gives entry 0). Heatmaps and legends both go through this. */
export function lutIndex(t: number): number {
  if (!(t > 0)) return 0;
  if (t >= 1) return 255;
  return Math.round(t * 255);
}

export function colorAt(map: Colormap | ColormapName, t: number): Rgb {
  const lut = (typeof map === 'string' ? colormap(map) : map).lut;
  const i = lutIndex(t) * 3;
  return [lut[i], lut[i + 1], lut[i + 2]];
}

/** '#rrggbb' or '#rgb' (the manifest says #rrggbb; the short form costs nothing) → [r, g, b]. */
export function parseHexColor(hex: string): Rgb {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) throw new TesseraError('invalid-argument', `"${hex}" is not a colour: write it as #rrggbb.`);
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

/** [r, g, b] → '#rrggbb'. */
export function toHex([r, g, b]: Rgb | Rgba): string {
  return `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

/** A CSS colour for [r, g, b, a] (alpha 0-255): '#rrggbb' when opaque, rgba() otherwise. */
export function toCss(rgba: Rgb | Rgba): string {
  const a = rgba.length === 4 ? rgba[3] : 255;
  if (a >= 255) return toHex(rgba);
  return `rgba(${rgba[0]}, ${rgba[1]}, ${rgba[2]}, ${Number((a / 255).toFixed(3))})`;
}
