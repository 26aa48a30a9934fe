import type { RequestMap } from '../core';

/** What the viewer's resampling worker answers (core's typed worker channel). */
export interface ResampleRequests extends RequestMap {
  /** `data` (RGBA, width × height) area-averaged down to outWidth × outHeight, as a bitmap ready to draw. */
  resample: {
    params: { data: Uint8ClampedArray; width: number; height: number; outWidth: number; outHeight: number };
    result: ImageBitmap;
  };
}

export const RESAMPLE_FALLBACK = 'A tile could not be scaled for display.';
