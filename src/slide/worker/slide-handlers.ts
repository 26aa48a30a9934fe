import { TesseraError, serve, withTransfer, type Endpoint, type Handlers, type RgbaImage } from '../../core';
import { openSlideSources, type LocalSlide } from '../open-slide';
import { blobSource, urlSource } from '../source/byte-source';
import type { ByteSource, CodecAdapter } from '../types';
import { setSlideLimits } from '../limits';
import type { SlideInput, SlideRequests } from './messages';
import { createGpuCompositor, type GpuCompositor } from '../channels/gpu-composite';

/** What a failed slide request says when its error is not a TesseraError. */
export const SLIDE_FALLBACK = 'The slide could not be read.';

/**
 * A slide worker's requests, with the codecs it decodes tiles with: TIFF structure and tiles off the
 * page's thread. Each worker of the pool opens the slide itself (structure only, a few kilobytes) and
 * keeps its own tile cache. Touches no DOM until a bitmap is asked for, so Node can serve it too (tests).
 */
export function slideHandlers(codecs: CodecAdapter): Handlers<SlideRequests> {
  const slides = new Map<number, Promise<LocalSlide>>();

  function slide(id: number): Promise<LocalSlide> {
    const s = slides.get(id);
    if (!s) throw new TesseraError('internal', 'This slide is no longer open.', `slide ${id}`);
    return s;
  }

  const handlers: Handlers<SlideRequests> = {
    async open({ slideId, input, limits }) {
      if (limits) setSlideLimits(limits);
      // A set of files is named as the page names it (the folder's name), not after one of its files.
      const name = input.kind === 'files' || input.kind === 'urls' ? input.name : undefined;
      const p = sourcesOf(input).then((sources) => openSlideSources(sources, codecs, { name }));
      slides.set(slideId, p);
      p.catch(() => {
        if (slides.get(slideId) === p) slides.delete(slideId);
      });
      return (await p).info;
    },
    async readRegion({ slideId, level, x, y, width, height, as }, { signal }) {
      const s = await slide(slideId);
      if (as === 'bitmap') {
        const composite = await gpuComposite(s, level, x, y, width, height, signal);
        if (composite) return withTransfer(composite, [composite]);
        // A bitmap is a copy anyway, so it may be made from the cached tile itself.
        const bitmap = await toBitmap(await s.readRegionView(level, x, y, width, height, signal));
        return withTransfer(bitmap, [bitmap]);
      }
      // 'owned' pixels: nothing else holds them, so they move to the asker instead of being copied.
      return owned(await s.readRegion(level, x, y, width, height, signal));
    },
    async readAssociated({ slideId, name }, { signal }) {
      return owned(await (await slide(slideId)).readAssociated(name, signal));
    },
    async readChannels({ slideId, level, x, y, width, height, channels }, { signal }) {
      const s = await slide(slideId);
      if (!s.readChannels) throw noChannels(s);
      const planes = await s.readChannels(level, x, y, width, height, channels, signal);
      // The planes are copies made for this answer: they move to the asker.
      return withTransfer(planes, planes.planes.map((p) => p.buffer as ArrayBuffer));
    },
    async setChannelDisplay({ slideId, display }) {
      const s = await slide(slideId);
      if (!s.setChannelDisplay) throw noChannels(s);
      await s.setChannelDisplay(display);
    },
    async setPlane({ slideId, plane }) {
      // Chained in this turn: requests that come after this one wait for the plane (it may read IFDs), so
      // none reads the old plane. A refused plane leaves the slide as it was.
      const before = slide(slideId);
      const done = before.then(async (s) => {
        if (!s.setPlane) throw new TesseraError('invalid-argument', `"${s.info.name}" has no Z-stack or time series to choose a plane from.`);
        await s.setPlane(plane);
        return s;
      });
      slides.set(slideId, done.catch(() => before));
      await done;
    },
    async bytesRead({ slideId }) {
      return (await slide(slideId)).bytesRead();
    },
    async close({ slideId }) {
      const s = slides.get(slideId);
      slides.delete(slideId);
      await (await s)?.close();
    },
    connect({ port }) {
      serve(port as unknown as Endpoint, handlers, SLIDE_FALLBACK);
    },
  };
  return handlers;
}

async function sourcesOf(input: SlideInput): Promise<ByteSource[]> {
  switch (input.kind) {
    case 'file':
      return [blobSource(input.file, input.name)];
    case 'url':
      return [await urlSource(input.url)];
    case 'files':
      return input.files.map((f) => blobSource(f.file, f.name));
    case 'urls':
      return Promise.all(input.urls.map((u) => urlSource(u)));
  }
}

/** This worker's WebGL2 compositor: made on first use; undefined where there is none (or it failed). */
let gpu: GpuCompositor | undefined | null = null;

/**
 * A multi-channel slide's composite drawn by the GPU straight from the cached planes, as a bitmap for
 * the viewer; undefined (the CPU composite is used) where there is no hardware WebGL2 or the display is
 * one the GPU path does not take.
 */
async function gpuComposite(s: LocalSlide, level: number, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<ImageBitmap | undefined> {
  if (!s.compositeInputs) return undefined;
  if (gpu === null) {
    try {
      gpu = createGpuCompositor();
    } catch {
      gpu = undefined;
    }
  }
  if (!gpu) return undefined;
  const inputs = await s.compositeInputs(level, x, y, width, height, signal);
  try {
    return gpu.composite({ ...inputs, width, height });
  } catch {
    gpu = undefined; // a lost or failing context: the CPU composite from now on
    return undefined;
  }
}

function noChannels(s: LocalSlide): TesseraError {
  return new TesseraError('invalid-argument', `"${s.info.name}" has no separate channels (it is not a multi-channel fluorescence slide).`);
}

function owned(img: RgbaImage) {
  return withTransfer(img, [img.data.buffer]);
}

async function toBitmap(img: RgbaImage): Promise<ImageBitmap> {
  return createImageBitmap(new ImageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
}
