/// <reference lib="webworker" />
import { TesseraError, toTesseraError } from '../../core/errors';
import type { RgbaImage } from '../../core/image';
import { openSlide, type LocalSlide } from '../open-slide';
import { blobSource, urlSource } from '../source/byte-source';
import { browserCodecs } from '../browser/browser-codecs';
import type { CancelMessage, RequestMessage, ResponseMessage, SlideInput, SlideRequests } from './messages';

/**
 * A slide worker: parses TIFF structure and decodes tiles off the main thread. Each worker of the pool
 * opens the slide itself (structure only, a few kilobytes) and keeps its own tile cache.
 */
const scope = self as unknown as DedicatedWorkerGlobalScope;
const slides = new Map<number, Promise<LocalSlide>>();
const controllers = new Map<number, AbortController>();

async function sourceOf(input: SlideInput) {
  return input.kind === 'file' ? blobSource(input.file, input.name) : urlSource(input.url);
}

function slide(id: number): Promise<LocalSlide> {
  const s = slides.get(id);
  if (!s) throw new TesseraError('internal', 'This slide is no longer open.', `slide ${id}`);
  return s;
}

async function toBitmap(img: RgbaImage): Promise<ImageBitmap> {
  return createImageBitmap(new ImageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
}

type Handlers = { [K in keyof SlideRequests]: (p: SlideRequests[K]['params'], signal: AbortSignal) => Promise<SlideRequests[K]['result']> };

const handlers: Handlers = {
  async open({ slideId, input }) {
    const p = sourceOf(input).then((src) => openSlide(src, browserCodecs));
    slides.set(slideId, p);
    p.catch(() => slides.delete(slideId));
    return (await p).info;
  },
  async readRegion({ slideId, level, x, y, width, height, as }, signal) {
    const s = await slide(slideId);
    // A bitmap is a copy anyway, so it may be made from the cached tile itself.
    if (as === 'bitmap') return toBitmap(await s.readRegionView(level, x, y, width, height, signal));
    return s.readRegion(level, x, y, width, height, signal);
  },
  async readAssociated({ slideId, name }, signal) {
    return (await slide(slideId)).readAssociated(name, signal);
  },
  async bytesRead({ slideId }) {
    return (await slide(slideId)).bytesRead();
  },
  async close({ slideId }) {
    const s = slides.get(slideId);
    slides.delete(slideId);
    await (await s)?.close();
  },
};

function transferables(value: unknown): Transferable[] {
  if (value instanceof ImageBitmap) return [value];
  const img = value as RgbaImage | undefined;
  return img?.data instanceof Uint8ClampedArray ? [img.data.buffer] : [];
}

scope.onmessage = async (event: MessageEvent<RequestMessage | CancelMessage>) => {
  const msg = event.data;
  if (msg.type === 'cancel') {
    controllers.get(msg.id)?.abort();
    return;
  }
  const controller = new AbortController();
  controllers.set(msg.id, controller);
  let response: ResponseMessage;
  try {
    const handler = handlers[msg.type] as (p: unknown, s: AbortSignal) => Promise<unknown>;
    const value = await handler(msg.params, controller.signal);
    response = { id: msg.id, ok: true, value };
  } catch (e) {
    response = { id: msg.id, ok: false, error: toTesseraError(e, 'The slide could not be read.').toJSON() };
  } finally {
    controllers.delete(msg.id);
  }
  scope.postMessage(response, response.ok ? transferables(response.value) : []);
};
