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

/** Tables per channel display: a display object is not changed once set, so its tables can be kept. */
const tables = new WeakMap<ChannelDisplay, { type: SampleType; table: Float64Array }>();

function tableOf(type: SampleType, d: ChannelDisplay): Float64Array {
  const hit = tables.get(d);
  if (hit && hit.type === type) return hit.table;
  const table = contributionTable(type, d);
  tables.set(d, { type, table });
  return table;
}

/**
 * The composite a person sees (and RGB models are fed): for each pixel, the sum over visible channels of
 * colour x t (additive light, as Viv and QuPath show fluorescence), clamped to 255 and rounded half up.
 * Inside `valid` (width x height of the level's part of the region) alpha is 255; outside it all is 0
 * (transparent black, as OpenSlide gives; a signed type's 0 there would not be dark).
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
  const k = used.length;
  const ts = used.map(({ d, c }) => tableOf(types[c], d));
  const ps = used.map(({ c }) => planes[c]);
  const offs = used.map(({ c }) => -sampleRange(types[c])[0]);
  const cs = used.map(({ d }) => d.color);
  const vw = Math.min(width, valid.width);
  const vh = Math.min(height, valid.height);
  for (let y = 0; y < vh; y++) {
    for (let x = 0; x < vw; x++) {
      const i = y * width + x;
      // Channel by channel from 0, the same additions in the same order as the numpy reference.
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < k; j++) {
        const t = ts[j][ps[j][i] + offs[j]];
        const c = cs[j];
        r += t * c[0];
        g += t * c[1];
        b += t * c[2];
      }
      const o = i * 4;
      // Half up: floor(v + 0.5), by truncation as v >= 0 (Uint8ClampedArray alone rounds halves to even).
      data[o] = ((r < 255 ? r : 255) + 0.5) | 0;
      data[o + 1] = ((g < 255 ? g : 255) + 0.5) | 0;
      data[o + 2] = ((b < 255 ? b : 255) + 0.5) | 0;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}
