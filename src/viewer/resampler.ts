import { TesseraError } from '../core/errors';
import type { RgbaImage } from '../core/image';
import type { ResampleRequest, ResampleResponse } from './resample-messages';

interface Pending {
  resolve: (b: ImageBitmap) => void;
  reject: (e: unknown) => void;
}

let worker: Worker | null = null;
const pending = new Map<number, Pending>();
let nextId = 1;

function resampleWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./resample-worker.ts', import.meta.url), { type: 'module', name: 'tessera-resample' });
  w.onmessage = (e: MessageEvent<ResampleResponse>) => {
    const p = pending.get(e.data.id);
    if (!p) {
      if (e.data.ok) e.data.bitmap.close();
      return;
    }
    pending.delete(e.data.id);
    if (e.data.ok) p.resolve(e.data.bitmap);
    else p.reject(new TesseraError('internal', 'A tile could not be scaled for display.', e.data.message));
  };
  w.onerror = (e) => {
    for (const p of pending.values()) p.reject(new TesseraError('internal', 'The tile scaling worker stopped.', e.message));
    pending.clear();
    worker = null;
  };
  worker = w;
  return w;
}

/**
 * Area-averages `img` down to outWidth × outHeight in a worker (the pixels are transferred, not copied)
 * and returns the result as an ImageBitmap ready to draw.
 */
export function resampleToBitmap(img: RgbaImage, outWidth: number, outHeight: number, signal?: AbortSignal): Promise<ImageBitmap> {
  if (signal?.aborted) return Promise.reject(new TesseraError('aborted', 'The operation was cancelled.'));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    signal?.addEventListener(
      'abort',
      () => {
        // The worker's answer is dropped (and its bitmap closed) when it arrives.
        if (pending.delete(id)) reject(new TesseraError('aborted', 'The operation was cancelled.'));
      },
      { once: true },
    );
    const msg: ResampleRequest = { id, data: img.data, width: img.width, height: img.height, outWidth, outHeight };
    resampleWorker().postMessage(msg, [img.data.buffer]);
  });
}
