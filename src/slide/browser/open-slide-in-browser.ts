import type { RgbaImage } from '../../core/image';
import type { Slide, SlideInfo } from '../types';
import type { SlideInput } from '../worker/messages';
import { sharedSlideWorkerPool, type SlideWorkerPool } from '../worker/worker-pool';

/** A Slide whose tiles are read and decoded in the worker pool; also hands out ImageBitmaps for drawing. */
export interface BrowserSlide extends Slide {
  readRegionBitmap(level: number, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<ImageBitmap>;
}

let nextSlideId = 1;

/** How many tile → worker assignments a slide remembers (about the tiles its workers' caches hold). */
const MAX_REMEMBERED_TILES = 20_000;

function tileKeyOf(info: SlideInfo, level: number, x: number, y: number): string {
  const l = info.levels[level];
  return l ? `${level}/${Math.floor(x / l.tileWidth)}/${Math.floor(y / l.tileHeight)}` : `${level}`;
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

  // A tile read before goes back to the worker that has it in its cache; a new tile to the least busy.
  const homes = new Map<string, number>();
  // Synchronous on purpose: the request is posted in the same turn as the choice, so the next choice
  // sees this worker's load. A worker handles 'open' before any later message, so no await is needed.
  function channelFor(level: number, x: number, y: number) {
    const key = tileKeyOf(info, level, x, y);
    let i = homes.get(key);
    if (i === undefined) {
      i = pool.channels.indexOf(pool.pick());
      homes.set(key, i);
      if (homes.size > MAX_REMEMBERED_TILES) homes.delete(homes.keys().next().value!);
    }
    void openOn(i).catch(() => {}); // a failure reaches the caller through its own request
    return pool.channels[i];
  }

  return {
    info,
    async readRegion(level, x, y, width, height, signal) {
      const ch = channelFor(level, x, y);
      return (await ch.request('readRegion', { slideId, level, x, y, width, height, as: 'rgba' }, signal)) as RgbaImage;
    },
    async readRegionBitmap(level, x, y, width, height, signal) {
      const ch = channelFor(level, x, y);
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
