import { openAsBlob } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Endpoint, type RgbaImage } from '../../../src/core';
import type { ChannelDisplay } from '../../../src/slide';
import { openSlide, type LocalSlide } from '../../../src/slide/open-slide';
import { openSlideInBrowser, type BrowserSlide } from '../../../src/slide/browser/open-slide-in-browser';
import { fileSource, nodeCodecs } from '../../../src/slide/node';
import { SLIDE_FALLBACK, slideHandlers } from '../../../src/slide/worker/slide-handlers';
import { SlideWorkerPool } from '../../../src/slide/worker/worker-pool';
import { join } from 'node:path';
import { CAN_MAKE_FLUORESCENCE, FLUORESCENCE_SKIP, fluorescenceDir, fluorescenceSlide } from '../../support/fluorescence';

// A fluorescence slide in the worker pool (slide handlers served with Node's codecs on Node's
// MessageChannel): every worker composites its own tiles, so a display change must reach every worker
// that has the slide open, and a worker that opens it afterwards must start from the changed display.

function nodeSlideWorker(): Endpoint {
  const { port1, port2 } = new MessageChannel();
  serve(port2 as unknown as Endpoint, slideHandlers(nodeCodecs), SLIDE_FALLBACK);
  return port1 as unknown as Endpoint;
}

const DISPLAY: ChannelDisplay[] = [
  { visible: true, color: [255, 255, 0], min: 2000, max: 30000 },
  { visible: true, color: [255, 0, 255], min: 1500, max: 12000 },
];

function same(a: RgbaImage, b: RgbaImage): boolean {
  return a.width === b.width && a.height === b.height && Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
}

describe.skipIf(!CAN_MAKE_FLUORESCENCE)('a fluorescence slide in the worker pool', () => {
  let local: LocalSlide;
  let pool: SlideWorkerPool;
  let slide: BrowserSlide;

  beforeAll(async () => {
    const path = fluorescenceSlide('uint16');
    local = await openSlide(await fileSource(path), nodeCodecs);
    pool = new SlideWorkerPool(2, nodeSlideWorker);
    slide = await openSlideInBrowser(new File([await openAsBlob(path)], 'fluo-uint16.ome.tif'), pool);
  }, 60_000);
  afterAll(async () => {
    await slide?.close();
    await local?.close();
    pool?.channels.forEach((c) => c.close());
  });

  /** Every tile of level 1, asked all at once so that both workers serve some. */
  async function level1Tiles(s: { readRegion: LocalSlide['readRegion'] }): Promise<RgbaImage[]> {
    const l = local.info.levels[1];
    const jobs: Promise<RgbaImage>[] = [];
    for (let y = 0; y < l.height; y += l.tileHeight) for (let x = 0; x < l.width; x += l.tileWidth) jobs.push(s.readRegion(1, x, y, l.tileWidth, l.tileHeight));
    return Promise.all(jobs);
  }

  it('gives the channels, the opening display and the planes that openSlide gives', async () => {
    expect(slide.info.channels).toEqual(local.info.channels);
    expect(slide.info.display).toEqual(local.info.display);
    const [got, want] = await Promise.all([slide.readChannels!(2, 40, 30, 300, 200, [1, 0]), local.readChannels!(2, 40, 30, 300, 200, [1, 0])]);
    expect(got.channels).toEqual([1, 0]);
    expect(got.planes.map((p) => Array.from(p))).toEqual(want.planes.map((p) => Array.from(p)));
  });

  it('a display set before a worker opens the slide, and changed again after, holds in every worker', async () => {
    // Only the first worker has the slide open so far (tiles were read above from whichever was least busy).
    await slide.setChannelDisplay!(DISPLAY);
    await local.setChannelDisplay!(DISPLAY);
    const [a, b] = await Promise.all([level1Tiles(slide), level1Tiles(local)]);
    expect(a.every((t, i) => same(t, b[i]))).toBe(true);
    const hidden = DISPLAY.map((d, c) => ({ ...d, visible: c === 1 }));
    await slide.setChannelDisplay!(hidden);
    await local.setChannelDisplay!(hidden);
    const [c, d] = await Promise.all([level1Tiles(slide), level1Tiles(local)]);
    expect(c.every((t, i) => same(t, d[i]))).toBe(true);
    // The change showed: the tiles differ from those before it.
    expect(c.some((t, i) => !same(t, a[i]))).toBe(true);
  });

  it('refuses a display that does not fit with the engine\'s words, and keeps the one it had', async () => {
    await expect(slide.setChannelDisplay!(DISPLAY.slice(0, 1))).rejects.toThrow(/2 channels; a display for 1/);
    const [a, b] = await Promise.all([level1Tiles(slide), level1Tiles(local)]);
    expect(a.every((t, i) => same(t, b[i]))).toBe(true);
  });
});
// A Z-stack in the pool: the plane, like the display, must hold in every worker, including one that opens
// the slide after the plane was chosen, and a read asked right after setPlane must not get the old plane.
describe.skipIf(!CAN_MAKE_FLUORESCENCE)('a Z-stack and time series in the worker pool', () => {
  let local: LocalSlide;
  let pool: SlideWorkerPool;
  let slide: BrowserSlide;

  beforeAll(async () => {
    const path = join(fluorescenceDir(), 'stack-zt.ome.tif');
    local = await openSlide(await fileSource(path), nodeCodecs);
    pool = new SlideWorkerPool(3, nodeSlideWorker);
    slide = await openSlideInBrowser(new File([await openAsBlob(path)], 'stack-zt.ome.tif'), pool);
  }, 60_000);
  afterAll(async () => {
    await slide?.close();
    await local?.close();
    pool?.channels.forEach((c) => c.close());
  });

  /** Every tile of level 0, all asked at once so every worker serves some (and opens the slide). */
  async function tiles(s: { readRegion: LocalSlide['readRegion'] }): Promise<RgbaImage[]> {
    const l = local.info.levels[0];
    const jobs: Promise<RgbaImage>[] = [];
    for (let y = 0; y < l.height; y += l.tileHeight) for (let x = 0; x < l.width; x += l.tileWidth) jobs.push(s.readRegion(0, x, y, l.tileWidth, l.tileHeight));
    return Promise.all(jobs);
  }

  it('a plane chosen before the other workers open the slide holds in all of them; a bad one is refused and changes nothing', async () => {
    expect(slide.info.stack).toEqual({ sizeZ: 3, sizeT: 2 });
    const first = await tiles(slide);
    // Only worker 0 has the slide open so far in most runs; the plane must reach those that open it later.
    await slide.setPlane!({ z: 2, t: 1 });
    await local.setPlane!({ z: 2, t: 1 });
    const [a, b] = await Promise.all([tiles(slide), tiles(local)]);
    expect(a.every((t, i) => same(t, b[i]))).toBe(true);
    expect(a.some((t, i) => !same(t, first[i]))).toBe(true);
    // Asked in the same turn as the change: every read gets the new plane.
    const change = slide.setPlane!({ z: 1, t: 0 });
    const racing = tiles(slide);
    await change;
    await local.setPlane!({ z: 1, t: 0 });
    const [c, d] = await Promise.all([racing, tiles(local)]);
    expect(c.every((t, i) => same(t, d[i]))).toBe(true);
    await expect(slide.setPlane!({ z: 5, t: 0 })).rejects.toThrow(/Z planes 1 to 3 and time points 1 to 2; there is no Z 6, T 1/);
    expect(slide.plane!()).toEqual({ z: 1, t: 0 });
    const e = await tiles(slide);
    expect(e.every((t, i) => same(t, d[i]))).toBe(true);
  });
});
if (!CAN_MAKE_FLUORESCENCE) it.skip(FLUORESCENCE_SKIP, () => {});
