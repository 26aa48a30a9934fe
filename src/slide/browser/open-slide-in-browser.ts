import type { RgbaImage } from '../../core';
import type { ChannelDisplay, Slide, SlideInfo, StackPlane } from '../types';
import type { SlideInput } from '../worker/messages';
import { slideLimits } from '../limits';
import { sharedSlideWorkerPool, type SlideWorkerPool } from '../worker/worker-pool';

/** A Slide whose tiles are read and decoded in the worker pool; also hands out ImageBitmaps for drawing. */
export interface BrowserSlide extends Slide {
  readRegionBitmap(level: number, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<ImageBitmap>;
  /**
   * Opens the slide on every worker of the pool and connects a fresh MessageChannel to each: the ports
   * (one per worker, to transfer to another worker, which asks them SlideRequests directly) and the
   * slideId those requests must name. Regions read through them never pass through the page.
   */
  connectPorts(): Promise<{ slideId: number; ports: MessagePort[] }>;
}

let nextSlideId = 1;

/** How many tile → worker assignments a slide remembers (about the tiles its workers' caches hold). */
const MAX_REMEMBERED_TILES = 20_000;

function tileKeyOf(info: SlideInfo, level: number, x: number, y: number, dx = 0): string {
  const l = info.levels[level];
  return l ? `${level}/${Math.floor(x / l.tileWidth) + dx}/${Math.floor(y / l.tileHeight)}` : `${level}`;
}

/**
 * What a slide is opened from: a File or a URL, or several of either for a slide stored as many files
 * (DICOM WSI: one instance per level, chosen or dropped as a folder or as several files).
 */
export type BrowserSlideInput = File | string | readonly File[] | readonly string[];

function lastSegment(path: string): string {
  const segment = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape: the name as written
  }
}

/** A URL's path segments, without query or fragment. */
function pathOf(url: string): string {
  return url.split(/[?#]/)[0];
}

/**
 * The name a person knows the slide by: the file's name, the URL's last segment, or for several files
 * the folder they share (a folder picker's webkitRelativePath, or the URLs' common parent), else the first one's.
 */
export function slideInputName(input: BrowserSlideInput): string {
  if (typeof input === 'string') return lastSegment(pathOf(input)) || input;
  if (!Array.isArray(input)) return (input as File).name;
  const items = input as readonly (File | string)[];
  if (!items.length) return 'slide';
  const folders = items.map((i) => {
    const path = typeof i === 'string' ? pathOf(i) : (i.webkitRelativePath ?? ''); // absent outside browsers
    const cut = path.lastIndexOf('/');
    return cut > 0 ? path.slice(0, cut) : '';
  });
  if (folders[0] && folders.every((f) => f === folders[0])) return lastSegment(folders[0]);
  return slideInputName(items[0] as File | string);
}

/** The worker's SlideInput: one file or URL as before; several as one slide (a single-entry list is one). */
function slideInputOf(input: BrowserSlideInput, name: string): SlideInput {
  const absolute = (url: string) => new URL(url, location.href).href;
  if (typeof input === 'string') return { kind: 'url', url: absolute(input) };
  if (!Array.isArray(input)) return { kind: 'file', file: input as File, name: (input as File).name };
  if (input.length === 1) return slideInputOf(input[0] as File | string, name);
  if (input.every((i) => typeof i === 'string')) return { kind: 'urls', urls: (input as readonly string[]).map(absolute), name };
  return { kind: 'files', files: (input as readonly File[]).map((f) => ({ file: f, name: f.name })), name };
}

/**
 * Opens a slide from a File or a URL, or from several (one slide stored as many files). The first worker
 * parses the structure (and refuses a bad file); the others open it when their first region is asked for.
 */
export async function openSlideInBrowser(
  input: BrowserSlideInput,
  pool: SlideWorkerPool = sharedSlideWorkerPool(),
  name: string = slideInputName(input),
): Promise<BrowserSlide> {
  const slideId = nextSlideId++;
  const message = slideInputOf(input, name);
  const opened = new Map<number, Promise<SlideInfo>>();
  // A multi-channel slide's display and plane once changed: a worker that opens the slide later is sent them too.
  let display: ChannelDisplay[] | undefined;
  let plane: StackPlane | undefined;
  const openOn = (i: number) => {
    let p = opened.get(i);
    if (!p) {
      p = pool.channels[i].request('open', { slideId, input: message, limits: { ...slideLimits() } });
      opened.set(i, p);
      // Posted right after 'open', so the worker composites no tile of this slide with the opening display or plane.
      if (plane) void pool.channels[i].request('setPlane', { slideId, plane }).catch(() => {});
      if (display) void pool.channels[i].request('setChannelDisplay', { slideId, display }).catch(() => {});
    }
    return p;
  };
  // A worker that crashed starts afresh on its next request, without this slide: open it there again.
  const stopListening = pool.channels.map((ch, i) => ch.onCrash(() => opened.delete(i)));
  let info: SlideInfo;
  try {
    info = await openOn(0);
  } catch (e) {
    stopListening.forEach((stop) => stop());
    throw e;
  }

  // A tile read before goes back to the worker that has it in its cache. A new tile goes where its left or
  // right neighbour on the same row is being read now (a view's row: stored one after another, so that
  // worker reads the row with one Blob read, source/byte-source.ts), else to the least busy worker.
  const homes = new Map<string, number>();
  const busyNeighbourHome = (level: number, x: number, y: number): number | undefined => {
    for (const dx of [-1, 1]) {
      const j = homes.get(tileKeyOf(info, level, x, y, dx));
      if (j !== undefined && pool.channels[j].load > 0) return j;
    }
    return undefined;
  };
  // Synchronous on purpose: the request is posted in the same turn as the choice, so the next choice
  // sees this worker's load. A worker handles 'open' before any later message, so no await is needed.
  function channelFor(level: number, x: number, y: number) {
    const key = tileKeyOf(info, level, x, y);
    let i = homes.get(key);
    if (i === undefined) {
      i = busyNeighbourHome(level, x, y) ?? pool.channels.indexOf(pool.pick());
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
      return (await ch.request('readRegion', { slideId, level, x, y, width, height, as: 'rgba' }, { signal })) as RgbaImage;
    },
    async readRegionBitmap(level, x, y, width, height, signal) {
      const ch = channelFor(level, x, y);
      return (await ch.request('readRegion', { slideId, level, x, y, width, height, as: 'bitmap' }, { signal })) as ImageBitmap;
    },
    ...(info.channels?.length
      ? {
          async readChannels(level: number, x: number, y: number, width: number, height: number, channels?: number[], signal?: AbortSignal) {
            const ch = channelFor(level, x, y);
            return ch.request('readChannels', { slideId, level, x, y, width, height, channels }, { signal });
          },
          // Every worker that has the slide open composites its own tiles: each one gets the display.
          async setChannelDisplay(next: ChannelDisplay[]) {
            const before = display;
            display = next; // before sending: a worker opening meanwhile gets it too
            try {
              await Promise.all([...opened.keys()].map((i) => pool.channels[i].request('setChannelDisplay', { slideId, display: next })));
            } catch (e) {
              display = before; // every worker checks it alike, so every one refused it
              throw e;
            }
          },
        }
      : {}),
    ...(info.stack
      ? {
          async setPlane(next: StackPlane) {
            const before = plane;
            plane = next;
            try {
              await Promise.all([...opened.keys()].map((i) => pool.channels[i].request('setPlane', { slideId, plane: next })));
            } catch (e) {
              // Every worker reads the same file, so every one refused it; those that did switch go back.
              plane = before;
              await Promise.all([...opened.keys()].map((i) => pool.channels[i].request('setPlane', { slideId, plane: before ?? { z: 0, t: 0 } }).catch(() => {})));
              throw e;
            }
          },
          plane: () => ({ ...(plane ?? { z: 0, t: 0 }) }),
        }
      : {}),
    async readAssociated(name, signal) {
      void openOn(0).catch(() => {});
      return pool.channels[0].request('readAssociated', { slideId, name }, { signal });
    },
    async bytesRead() {
      const counts = await Promise.all([...opened.keys()].map((i) => pool.channels[i].request('bytesRead', { slideId })));
      return counts.reduce((a, b) => a + b, 0);
    },
    async connectPorts() {
      await Promise.all(pool.channels.map((_, i) => openOn(i)));
      const connected = await Promise.allSettled(
        pool.channels.map(async (ch) => {
          const { port1, port2 } = new MessageChannel();
          await ch.request('connect', { port: port2 }, { transfer: [port2] }).catch((e: unknown) => {
            port1.close();
            throw e;
          });
          return port1;
        }),
      );
      const failed = connected.find((c) => c.status === 'rejected');
      if (failed) {
        for (const c of connected) if (c.status === 'fulfilled') c.value.close();
        throw failed.reason;
      }
      const ports = connected.map((c) => (c as PromiseFulfilledResult<MessagePort>).value);
      return { slideId, ports };
    },
    async close() {
      stopListening.forEach((stop) => stop());
      await Promise.all([...opened.keys()].map((i) => pool.channels[i].request('close', { slideId }).catch(() => {})));
    },
  };
}
