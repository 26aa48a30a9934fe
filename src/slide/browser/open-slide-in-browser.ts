import type { RgbaImage } from '../../core/image';
import type { Slide, SlideInfo } from '../types';
import type { SlideInput } from '../worker/messages';
import { sharedSlideWorkerPool, type SlideWorkerPool } from '../worker/worker-pool';

/** A Slide whose tiles are read and decoded in the worker pool; also hands out ImageBitmaps for drawing. */
export interface BrowserSlide extends Slide {
  readRegionBitmap(level: number, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<ImageBitmap>;
}

let nextSlideId = 1;

/** Routes a region to the worker that holds its tile, so each worker's cache sees the same tiles again. */
function regionKey(info: SlideInfo, level: number, x: number, y: number): number {
  const l = info.levels[level];
  const tx = l ? Math.floor(x / l.tileWidth) : 0;
  const ty = l ? Math.floor(y / l.tileHeight) : 0;
  return (level * 73856093) ^ (tx * 19349663) ^ (ty * 83492791);
}

/**
 * Opens a slide from a File or a URL. The first worker parses the structure (and refuses a bad file);
 * the others open it when their first region is asked for.
 */
export async function openSlideInBrowser(input: File | string, pool: SlideWorkerPool = sharedSlideWorkerPool()): Promise<BrowserSlide> {
  const slideId = nextSlideId++;
  const message: SlideInput = typeof input === 'string' ? { kind: 'url', url: new URL(input, location.href).href } : { kind: 'file', file: input, name: input.name };
  const opened = new Map<number, Promise<SlideInfo>>();
  const openOn = (i: number) => {
    let p = opened.get(i);
    if (!p) {
      p = pool.channels[i].request('open', { slideId, input: message });
      opened.set(i, p);
    }
    return p;
  };
  const info = await openOn(0);

  async function channelFor(level: number, x: number, y: number) {
    const i = pool.channels.indexOf(pool.pick(regionKey(info, level, x, y)));
    await openOn(i);
    return pool.channels[i];
  }

  return {
    info,
    async readRegion(level, x, y, width, height, signal) {
      const ch = await channelFor(level, x, y);
      return (await ch.request('readRegion', { slideId, level, x, y, width, height, as: 'rgba' }, signal)) as RgbaImage;
    },
    async readRegionBitmap(level, x, y, width, height, signal) {
      const ch = await channelFor(level, x, y);
      return (await ch.request('readRegion', { slideId, level, x, y, width, height, as: 'bitmap' }, signal)) as ImageBitmap;
    },
    async readAssociated(name, signal) {
      return pool.channels[0].request('readAssociated', { slideId, name }, signal);
    },
    async bytesRead() {
      const counts = await Promise.all([...opened.keys()].map((i) => pool.channels[i].request('bytesRead', { slideId })));
      return counts.reduce((a, b) => a + b, 0);
    },
    async close() {
      await Promise.all([...opened.keys()].map((i) => pool.channels[i].request('close', { slideId }).catch(() => {})));
    },
  };
}
