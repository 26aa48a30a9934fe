/// <reference lib="webworker" />
import { areaAverage } from './area-average';
import type { ResampleRequest, ResampleResponse } from './resample-messages';

/** Scales tiles down by area averaging off the main thread; the viewer's only pixel work of its own. */
const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = async (event: MessageEvent<ResampleRequest>) => {
  const { id, data, width, height, outWidth, outHeight } = event.data;
  let response: ResampleResponse;
  try {
    const out = areaAverage(data, width, height, outWidth, outHeight);
    const bitmap = await createImageBitmap(new ImageData(out, outWidth, outHeight), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    response = { id, ok: true, bitmap };
  } catch (e) {
    response = { id, ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  scope.postMessage(response, response.ok ? [response.bitmap] : []);
};
