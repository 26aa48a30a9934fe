/// <reference lib="webworker" />
import { serve, withTransfer, type Endpoint } from '../core';
import { areaAverage } from './area-average';
import { RESAMPLE_FALLBACK, type ResampleRequests } from './resample-messages';

/** Scales tiles down by area averaging off the main thread; the viewer's only pixel work of its own. */
serve<ResampleRequests>(
  self as unknown as Endpoint,
  {
    async resample({ data, width, height, outWidth, outHeight }) {
      const out = areaAverage(data, width, height, outWidth, outHeight);
      const bitmap = await createImageBitmap(new ImageData(out, outWidth, outHeight), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
      return withTransfer(bitmap, [bitmap]);
    },
  },
  RESAMPLE_FALLBACK,
);
