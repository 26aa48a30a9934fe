import type { SampleType } from '../types';
import { sampleRange, type SampleArray } from './planes';

/**
 * Share of samples left out at each end by the automatic contrast limits: 0.05 %, as Viv's
 * getChannelStats does (its "auto" cut-offs), over the samples above the type's lowest value (Viv: the
 * non-zero ones), so an empty background does not pull the lower limit down.
 */
export const AUTO_CUTOFF = 0.0005;

/**
 * Contrast limits [min, max] from a histogram of one channel's samples: the values at ranks
 * floor(n x 0.0005) and floor(n x 0.9995) of the sorted samples above the type's lowest value (exact:
 * one bin per value). With no such samples, the type's whole range; max is always above min.
 */
export function autoContrast(samples: SampleArray, type: SampleType): { min: number; max: number } {
  const [lo, hi] = sampleRange(type);
  const hist = new Float64Array(hi - lo + 1);
  for (let i = 0; i < samples.length; i++) hist[samples[i] - lo]++;
  hist[0] = 0; // the type's lowest value: background, left out
  let n = 0;
  for (let v = 1; v < hist.length; v++) n += hist[v];
  if (n === 0) return { min: lo, max: hi };
  const valueAtRank = (rank: number) => {
    let seen = 0;
    for (let v = 1; v < hist.length; v++) {
      seen += hist[v];
      if (seen > rank) return v + lo;
    }
    return hi;
  };
  const min = valueAtRank(Math.floor(n * AUTO_CUTOFF));
  const max = valueAtRank(Math.floor(n * (1 - AUTO_CUTOFF)));
  if (max > min) return { min, max };
  return min < hi ? { min, max: min + 1 } : { min: hi - 1, max: hi };
}
