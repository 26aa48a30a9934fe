import { openAsBlob } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelClient, serve, type Endpoint, type RgbaImage } from '../../../src/core';
import { openSlide, type LocalSlide } from '../../../src/slide/open-slide';
import { openSlideInBrowser, type BrowserSlide } from '../../../src/slide/browser/open-slide-in-browser';
import { fileSource, nodeCodecs } from '../../../src/slide/node';
import type { SlideRequests } from '../../../src/slide/worker/messages';
import { SLIDE_FALLBACK, slideHandlers } from '../../../src/slide/worker/slide-handlers';
import { SlideWorkerPool } from '../../../src/slide/worker/worker-pool';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

// A slide worker's handlers, served with Node's codecs on Node's MessageChannel (the same structured
// clone and transfer rules as a browser's): the pool and openSlideInBrowser over such "workers", and a
// second asker connected through the ports connectPorts hands out, read what openSlide reads itself.

const SLIDE = 'CMU-1-Small-Region.svs';

/** A "worker": a fresh set of slide handlers behind one end of a MessageChannel. */
function nodeSlideWorker(): Endpoint {
  const { port1, port2 } = new MessageChannel();
  serve(port2 as unknown as Endpoint, slideHandlers(nodeCodecs), SLIDE_FALLBACK);
  return port1 as unknown as Endpoint;
}

// Whole tiles, regions across tile borders and past the edge, and a synthesised level.
const REGIONS: [level: number, x: number, y: number, w: number, h: number][] = [
  [0, 0, 0, 240, 240],
  [0, 100, 130, 300, 257],
  [0, 2100, 1400, 200, 200],
  [1, 0, 0, 256, 256],
  [2, 0, 0, 280, 190],
];

function same(a: RgbaImage, b: RgbaImage): void {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(true);
}

describe.skipIf(!HAVE_FIXTURES)('slide worker handlers over a MessageChannel', () => {
  let reference: LocalSlide;
  let pool: SlideWorkerPool;
  let slide: BrowserSlide;

  beforeAll(async () => {
    reference = await openSlide(await fileSource(fixture('slides', SLIDE)), nodeCodecs);
    pool = new SlideWorkerPool(2, nodeSlideWorker);
    slide = await openSlideInBrowser(new File([await openAsBlob(fixture('slides', SLIDE))], SLIDE), pool);
  });

  afterAll(async () => {
    await slide?.close();
    await reference?.close();
    pool?.channels.forEach((c) => c.close());
  });

  it('answers open and readRegion as openSlide does, through the pool', async () => {
    expect(slide.info).toEqual(reference.info);
    expect(REGIONS.some(([level]) => reference.info.levels[level].synthesized)).toBe(true);
    for (const [level, x, y, w, h] of REGIONS) {
      // Twice: the second read of a region is served from a worker's tile cache.
      for (let round = 0; round < 2; round++) same(await slide.readRegion(level, x, y, w, h), await reference.readRegion(level, x, y, w, h));
    }
    same(await slide.readAssociated('thumbnail'), await reference.readAssociated('thumbnail'));
    expect(await slide.bytesRead()).toBeGreaterThan(0);
  });

  it('refuses a bad level with the slide engine\'s own TesseraError', async () => {
    await expect(slide.readRegion(99, 0, 0, 10, 10)).rejects.toMatchObject({ name: 'TesseraError', code: 'invalid-argument' });
  });

  it("routes a row's new tiles asked at once to one worker (one file read there), the next row to the least busy", async () => {
    const { tileWidth: tw, tileHeight: th } = slide.info.levels[0];
    const served: number[][] = pool.channels.map(() => []);
    const originals = pool.channels.map((ch) => ch.request.bind(ch));
    pool.channels.forEach((ch, i) => {
      ch.request = ((type: string, args: { x?: number; y?: number }, opts?: object) => {
        if (type === 'readRegion' && args.y !== undefined && args.x !== undefined) served[i].push((args.y / th) * 100 + args.x / tw);
        return originals[i](type as never, args as never, opts as never);
      }) as typeof ch.request;
    });
    try {
      // Rows 6 and 8, tiles 2..5: tiles no earlier test read, so no worker has them cached.
      const rows = [6, 8].map((ty) => [2, 3, 4, 5].map((tx) => [tx * tw, ty * th] as const));
      const reads = rows.flat().map(([x, y]) => slide.readRegion(0, x, y, tw, th));
      const images = await Promise.all(reads);
      const asked = served.map((tiles) => [...tiles].sort((a, b) => a - b));
      expect(asked.map((tiles) => tiles.length)).toEqual([4, 4]);
      expect(asked).toEqual(expect.arrayContaining([[602, 603, 604, 605], [802, 803, 804, 805]]));
      for (const [k, [x, y]] of rows.flat().entries()) same(images[k], await reference.readRegion(0, x, y, tw, th));
    } finally {
      pool.channels.forEach((ch, i) => (ch.request = originals[i] as typeof ch.request));
    }
  });

  it('connectPorts: the slide is open on every worker, and each port answers readRegion for the slideId it names', async () => {
    const { slideId, ports } = await slide.connectPorts();
    expect(ports).toHaveLength(pool.size);
    const askers = ports.map((port) => new ChannelClient<SlideRequests>(() => port as unknown as Endpoint, { crashMessage: 'A slide worker stopped.' }));
    try {
      for (const asker of askers) {
        for (const [level, x, y, w, h] of REGIONS) {
          const img = (await asker.request('readRegion', { slideId, level, x, y, width: w, height: h, as: 'rgba' })) as RgbaImage;
          same(img, await reference.readRegion(level, x, y, w, h));
        }
      }
      // The page's own requests still work beside them.
      same(await slide.readRegion(0, 10, 20, 64, 64), await reference.readRegion(0, 10, 20, 64, 64));
      await expect(askers[0].request('bytesRead', { slideId: slideId + 1000 })).rejects.toMatchObject({ message: 'This slide is no longer open.' });
    } finally {
      askers.forEach((a) => a.close());
    }
  });
});

if (!HAVE_FIXTURES) it.skip(SKIP_REASON, () => {});
