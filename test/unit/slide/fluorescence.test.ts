import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlideFile } from '../../../src/slide/node';
import type { ChannelDisplay, Slide } from '../../../src/slide';
import { CAN_MAKE_FLUORESCENCE, FLUORESCENCE_KINDS, FLUORESCENCE_SKIP, fluorescenceDir, fluorescenceReference, type FluorescenceKind } from '../../support/fluorescence';

// Two real channels of one scan (DAPI, TRITC) written by tifffile as pyramidal OME-TIFFs with SubIFDs
// (make_fluorescence_ome.py), in four sample types. tifffile reads them back and numpy composites them
// (fluorescence_reference.py); Tessera must give exactly the same planes, limits and composites.

interface Reference {
  levels: [number, number][];
  dtype: FluorescenceKind;
  names: string[];
  colors: [number, number, number][];
  auto: [number, number][];
}

/** A display nobody would pick by default: channel 0 in cyan with narrow limits, channel 1 hidden. */
const CUSTOM: Record<FluorescenceKind, ChannelDisplay[]> = {
  uint8: [{ visible: true, color: [0, 255, 255], min: 10, max: 90 }, { visible: false, color: [255, 0, 0], min: 0, max: 255 }],
  uint16: [{ visible: true, color: [0, 200, 255], min: 3500, max: 21000 }, { visible: false, color: [255, 0, 0], min: 0, max: 65535 }],
  int8: [{ visible: true, color: [0, 255, 255], min: -118, max: -38 }, { visible: false, color: [255, 0, 0], min: -128, max: 127 }],
  int16: [{ visible: true, color: [0, 200, 255], min: -29500, max: -12000 }, { visible: false, color: [255, 0, 0], min: -32768, max: 32767 }],
};

const ARRAYS = { uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array } as const;

describe.skipIf(!CAN_MAKE_FLUORESCENCE)('multi-channel fluorescence OME-TIFF', () => {
  let slides: string;
  let refDir: string;
  let ref: Record<FluorescenceKind, Reference>;
  const open = new Map<FluorescenceKind, Promise<Slide>>();
  const slide = (kind: FluorescenceKind) => {
    if (!open.has(kind)) open.set(kind, openSlideFile(join(slides, `fluo-${kind}.ome.tif`)));
    return open.get(kind)!;
  };

  beforeAll(() => {
    slides = fluorescenceDir();
    refDir = fluorescenceReference(join(import.meta.dirname, '../../support/slide/fluorescence_reference.py'), [JSON.stringify(CUSTOM)]);
    ref = JSON.parse(readFileSync(join(refDir, 'reference.json'), 'utf8'));
  }, 60_000);
  afterAll(async () => {
    for (const s of open.values()) await (await s).close();
  });

  /** Level l's planes as tifffile read them (synthesised levels: numpy's 2 x 2 means). */
  function referencePlanes(kind: FluorescenceKind, level: number) {
    const [w, h] = ref[kind].levels[level];
    const bytes = readFileSync(join(refDir, `${kind}-L${level}.bin`));
    const all = new ARRAYS[kind](bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return [all.subarray(0, w * h), all.subarray(w * h, 2 * w * h)];
  }

  it.each(FLUORESCENCE_KINDS)('%s: channel names, colours and types come from the OME-XML (tifffile parses the same)', async (kind) => {
    const s = await slide(kind);
    const r = ref[kind];
    expect(s.info.channels).toEqual(r.names.map((name, c) => ({ name, color: r.colors[c], sampleType: kind })));
    expect(s.info.levels.map((l) => [l.width, l.height])).toEqual(r.levels);
    expect(s.info.levels.map((l) => l.synthesized)).toEqual(r.levels.map((_, i) => i >= 4));
    expect(s.info.properties['ome.SizeC']).toBe('2');
  });

  it.each(FLUORESCENCE_KINDS)('%s: the planes of every level are what tifffile reads, sample for sample', async (kind) => {
    const s = await slide(kind);
    for (let level = 0; level < ref[kind].levels.length; level++) {
      const [w, h] = ref[kind].levels[level];
      const got = await s.readChannels!(level, 0, 0, w, h);
      expect(got.channels).toEqual([0, 1]);
      const want = referencePlanes(kind, level);
      for (let c = 0; c < 2; c++) {
        expect(got.planes[c]).toBeInstanceOf(ARRAYS[kind]);
        expect(firstDifference(got.planes[c], want[c]), `level ${level} channel ${c}`).toBe(-1);
      }
    }
  });

  it.each(FLUORESCENCE_KINDS)('%s: automatic contrast is the 0.05th and 99.95th percentile ranks over the smallest level (numpy) and the composite is numpy\'s', async (kind) => {
    const s = await slide(kind);
    const r = ref[kind];
    expect(s.info.display).toEqual(r.auto.map(([min, max], c) => ({ visible: true, color: r.colors[c], min, max })));
    const [w, h] = r.levels[1];
    const img = await s.readRegion(1, 0, 0, w, h);
    expect(firstRgbDifference(img.data, readFileSync(join(refDir, `${kind}-auto.bin`)), w * h)).toBe(-1);
  });

  it.each(FLUORESCENCE_KINDS)('%s: a new display recomposites (colour, limits, a hidden channel) as numpy does, then back', async (kind) => {
    const s = await slide(kind);
    const [w, h] = ref[kind].levels[1];
    await s.setChannelDisplay!(CUSTOM[kind]);
    const img = await s.readRegion(1, 0, 0, w, h);
    expect(firstRgbDifference(img.data, readFileSync(join(refDir, `${kind}-custom.bin`)), w * h)).toBe(-1);
    await s.setChannelDisplay!(s.info.display!);
    const back = await s.readRegion(1, 0, 0, w, h);
    expect(firstRgbDifference(back.data, readFileSync(join(refDir, `${kind}-auto.bin`)), w * h)).toBe(-1);
  });

  it('a region across the level\'s edge: planes are 0 and the composite transparent outside it', async () => {
    const s = await slide('uint16');
    const [w, h] = ref.uint16.levels[2];
    const got = await s.readChannels!(2, w - 10, h - 5, 20, 10, [1]);
    const want = referencePlanes('uint16', 2)[1];
    expect(got.channels).toEqual([1]);
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 20; x++) {
        const inside = x < 10 && y < 5;
        expect(got.planes[0][y * 20 + x]).toBe(inside ? want[(h - 5 + y) * w + (w - 10 + x)] : 0);
      }
    }
    const img = await s.readRegion(2, w - 10, h - 5, 20, 10);
    expect(img.data[(4 * 20 + 9) * 4 + 3]).toBe(255);
    expect(img.data[(4 * 20 + 10) * 4 + 3]).toBe(0);
    expect(img.data[(5 * 20 + 9) * 4 + 3]).toBe(0);
    // Transparent black beyond the level even where a signed type's 0 would show bright (as OpenSlide gives).
    const signed = await slide('int8');
    const [sw, sh] = ref.int8.levels[2];
    const edge = await signed.readRegion(2, sw - 10, sh - 5, 20, 10);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 20; x++) if (x >= 10 || y >= 5) expect(Array.from(edge.data.subarray((y * 20 + x) * 4, (y * 20 + x) * 4 + 4))).toEqual([0, 0, 0, 0]);
  });

  it('refuses a display that does not fit, in plain words', async () => {
    const s = await slide('uint8');
    await expect(s.setChannelDisplay!([CUSTOM.uint8[0]])).rejects.toThrow(/2 channels; a display for 1/);
    await expect(s.setChannelDisplay!([{ ...CUSTOM.uint8[0], min: 50, max: 50 }, CUSTOM.uint8[1]])).rejects.toThrow(/contrast of channel "DAPI"/);
    await expect(s.readChannels!(0, 0, 0, 8, 8, [2])).rejects.toThrow(/no channel 2/);
  });
});
if (!CAN_MAKE_FLUORESCENCE) it.skip(FLUORESCENCE_SKIP, () => {});

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** The first pixel whose RGB differs (RGBA against RGB), or -1; opaque alpha is checked too. */
function firstRgbDifference(rgba: ArrayLike<number>, rgb: ArrayLike<number>, pixels: number): number {
  if (rgba.length !== pixels * 4 || rgb.length !== pixels * 3) return 0;
  for (let i = 0; i < pixels; i++) {
    if (rgba[i * 4] !== rgb[i * 3] || rgba[i * 4 + 1] !== rgb[i * 3 + 1] || rgba[i * 4 + 2] !== rgb[i * 3 + 2] || rgba[i * 4 + 3] !== 255) return i;
  }
  return -1;
}
