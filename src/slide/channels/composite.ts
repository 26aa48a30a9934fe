import type { RgbaImage } from '../../core';
import type { ChannelDisplay, SampleType } from '../types';
import { sampleRange, type SampleArray } from './planes';

/**
 * Each visible channel's contribution per sample value: t = clamp((v - min) / (max - min), 0, 1), one
 * entry per value of the type (256 or 65,536), so a pixel costs a lookup, not a division.
 */
export function contributionTable(type: SampleType, d: ChannelDisplay): Float64Array {
  const [lo, hi] = sampleRange(type);
  const table = new Float64Array(hi - lo + 1);
  const span = d.max - d.min;
  for (let v = lo; v <= hi; v++) {
    const t = span > 0 ? (v - d.min) / span : v >= d.max ? 1 : 0;
    table[v - lo] = t < 0 ? 0 : t > 1 ? 1 : t;
  }
  return table;
}

/**
 * The composite a person sees (and RGB models are fed): for each pixel, the sum over visible channels of
 * colour x t (additive light, as Viv and QuPath show fluorescence), clamped to 255 and rounded half up.
 * Inside `valid` (width x height of the level's part of the region) alpha is 255; outside it all is 0.
 */
export function compositeCpu(
  planes: readonly SampleArray[],
  types: readonly SampleType[],
  display: readonly ChannelDisplay[],
  width: number,
  height: number,
  valid: { width: number; height: number } = { width, height },
): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  const used = display.map((d, c) => ({ d, c })).filter(({ d }) => d.visible);
  const tables = used.map(({ d, c }) => contributionTable(types[c], d));
  const offsets = used.map(({ c }) => -sampleRange(types[c])[0]);
  const n = width * height;
  const r = new Float64Array(n);
  const g = new Float64Array(n);
  const b = new Float64Array(n);
  // Channel by channel (the same order of additions as the reference), each a tight loop over pixels.
  used.forEach(({ d, c }, k) => {
    const p = planes[c];
    const table = tables[k];
    const off = offsets[k];
    const [cr, cg, cb] = d.color;
    for (let i = 0; i < n; i++) {
      const t = table[p[i] + off];
      r[i] += t * cr;
      g[i] += t * cg;
      b[i] += t * cb;
    }
  });
  // Outside the level: transparent black, as OpenSlide gives (its samples there are 0, which is not dark
  // for a signed type).
  for (let y = 0; y < Math.min(height, valid.height); y++) {
    for (let x = 0; x < Math.min(width, valid.width); x++) {
      const i = y * width + x;
      const o = i * 4;
      data[o] = Math.floor(Math.min(255, r[i]) + 0.5);
      data[o + 1] = Math.floor(Math.min(255, g[i]) + 0.5);
      data[o + 2] = Math.floor(Math.min(255, b[i]) + 0.5);
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}
