import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { blobSource, openSlide } from '../../../src/slide';
import { coalescedReads } from '../../../src/slide/source/byte-source';
import { nodeCodecs, openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

// A Blob read costs the browser a fixed ~0.6-1 ms, so tile reads asked for together are coalesced
// (bench/README.md). Each asker must still get exactly its own bytes, and a failed read only its own;
// a read on its own is not held back.

const file = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7919 + (i >> 8)) & 255);

function counted() {
  const ranges: [number, number][] = [];
  const readRange = async (offset: number, length: number) => {
    ranges.push([offset, length]);
    if (offset + length > file.length) throw new Error(`past the end: ${offset}+${length}`);
    return file.slice(offset, offset + length);
  };
  return { ranges, read: coalescedReads(readRange, (run) => setTimeout(run, 0), 1000, 10_000) };
}

describe('coalesced reads', () => {
  it('reads asked together within the gap are one read; each asker gets its own bytes', async () => {
    const { ranges, read } = counted();
    const asked: [number, number][] = [[5000, 300], [100, 400], [900, 200], [1500, 10], [50_000, 20], [1200, 100]];
    const got = await Promise.all(asked.map(([o, n]) => read(o, n)));
    got.forEach((bytes, i) => expect(Array.from(bytes), `read ${asked[i]}`).toEqual(Array.from(file.subarray(asked[i][0], asked[i][0] + asked[i][1]))));
    // The first is read at once; of the others, 100..1510 are within 1000 bytes of each other; 50,000 is not.
    expect(ranges).toEqual([[5000, 300], [100, 1410], [50_000, 20]]);
    // Copies, not views of one shared buffer (a caller may transfer its buffer).
    expect(new Set(got.map((b) => b.buffer)).size).toBe(got.length);
  });

  it('keeps a coalesced read under the span limit, and reads asked later separately', async () => {
    const { ranges, read } = counted();
    await Promise.all(Array.from({ length: 31 }, (_, k) => read(k * 1000, 900)));
    expect(Math.max(...ranges.map(([, n]) => n))).toBeLessThanOrEqual(10_000);
    expect(ranges.length).toBe(4); // the first alone, then 30 in spans of 10
    await new Promise((r) => setTimeout(r, 5));
    const alone = read(0, 10);
    expect(ranges[4], 'read at once, not held for a task').toEqual([0, 10]);
    await alone;
  });

  it('a failed read rejects its own group only', async () => {
    const { read } = counted();
    const results = await Promise.allSettled([read(10, 10), read(299_990, 100), read(299_000, 500)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason.message).toMatch(/past the end/);
  });
});

describe.skipIf(!HAVE_FIXTURES)('a slide read through a Blob', () => {
  it.skipIf(!HAVE_FIXTURES)(`gives the file's pixels with fewer Blob reads than tiles (${HAVE_FIXTURES ? 'fixtures' : SKIP_REASON})`, async () => {
    const path = fixture('slides', 'CMU-pyramid-jpeg.tif');
    const blob = new Blob([readFileSync(path)]);
    const slices = vi.spyOn(blob, 'slice');
    const fromBlob = await openSlide(blobSource(blob, 'CMU-pyramid-jpeg.tif'), nodeCodecs);
    const fromPath = await openSlideFile(path);
    try {
      const [l0] = fromBlob.info.levels;
      const w = l0.tileWidth * 4;
      const h = l0.tileHeight * 3;
      slices.mockClear();
      const a = await fromBlob.readRegion(0, l0.tileWidth, l0.tileHeight, w, h);
      const tileReads = slices.mock.calls.length;
      const b = await fromPath.readRegion(0, l0.tileWidth, l0.tileHeight, w, h);
      expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
      // 12 tiles in 3 rows of 4 (each row's tiles lie next to each other in the file): a read per row,
      // and one more where the first tile was read on its own.
      expect(tileReads).toBeGreaterThan(0);
      expect(tileReads).toBeLessThanOrEqual(4);
    } finally {
      await fromBlob.close();
      await fromPath.close();
    }
  });
});
