import { ChannelClient, TesseraError, type Endpoint, type RgbaImage } from '../core';
import type { ResampleRequests } from './resample-messages';

/** Stateless, so it is ended when idle this long and started again on the next tile. */
const IDLE_MS = 30_000;

const resampler = new ChannelClient<ResampleRequests>(
  () => new Worker(new URL('./resample-worker.ts', import.meta.url), { type: 'module', name: 'tessera-resample' }) as unknown as Endpoint,
  { crashMessage: 'The tile scaling worker stopped.', idleMs: IDLE_MS },
);

/**
 * Area-averages `img` down to outWidth × outHeight in a worker (the pixels are transferred, not copied)
 * and returns the result as an ImageBitmap ready to draw. Cancelling rejects at once; the bitmap the
 * worker still sends is closed when it arrives.
 */
export function resampleToBitmap(img: RgbaImage, outWidth: number, outHeight: number, signal?: AbortSignal): Promise<ImageBitmap> {
  if (signal?.aborted) return Promise.reject(new TesseraError('aborted', 'The operation was cancelled.'));
  // The signal is not handed to the channel: it would drop a late answer without closing its bitmap.
  const answer = resampler.request('resample', { data: img.data, width: img.width, height: img.height, outWidth, outHeight }, { transfer: [img.data.buffer] });
  if (!signal) return answer;
  return new Promise((resolve, reject) => {
    const abort = () => reject(new TesseraError('aborted', 'The operation was cancelled.'));
    signal.addEventListener('abort', abort, { once: true });
    answer.then(
      (bitmap) => {
        signal.removeEventListener('abort', abort);
        if (signal.aborted) bitmap.close();
        else resolve(bitmap);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}
