import { describe, expect, it } from 'vitest';
import { boxMean, detectTissue, makeTissueMask, tissueFraction, type TissueMask } from '../../../src/analysis/tissue';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { CAN_MAKE_FLUORESCENCE, FLUORESCENCE_SKIP, fluorescenceSlide } from '../../support/fluorescence';

// Tissue on fluorescence slides (dark-field): tissue glows on black, so it is found by brightness, not by
// saturation with pen colours left out (which took a DAPI scan's blue for ink: 1 % tissue). The two real
// scans of one section (test3-DAPI-2.ndpi, nuclei only; test3-TRITC-2.ndpi, the section's
// autofluorescence) and the two-channel OME-TIFF made from them must agree on where the section is.

async function maskOf(path: string): Promise<TissueMask> {
  const slide = await openSlideFile(path);
  try {
    return await detectTissue(slide);
  } finally {
    await slide.close();
  }
}

/** Fraction of a's tissue pixels that are tissue in b (same size). */
function inside(a: TissueMask, b: TissueMask): number {
  let both = 0;
  let n = 0;
  for (let i = 0; i < a.mask.length; i++) {
    if (!a.mask[i]) continue;
    n++;
    both += b.mask[i];
  }
  return both / n;
}

function iou(a: TissueMask, b: TissueMask): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.mask.length; i++) {
    both += a.mask[i] & b.mask[i];
    either += a.mask[i] | b.mask[i];
  }
  return both / either;
}

/** Tissue pixels in the mask's top-left corner (width x height in mask px): glass in these scans. */
function cornerTissue(m: TissueMask, width: number, height: number): number {
  let n = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) n += m.mask[y * m.width + x];
  return n;
}

describe('boxMean', () => {
  it('is the mean over the window clipped to the image, rounded', () => {
    const w = 7;
    const h = 5;
    const src = Uint8Array.from({ length: w * h }, (_, i) => (i * 37 + 11) % 256);
    const out = boxMean(src, w, h, 2);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = 0;
        let n = 0;
        for (let v = Math.max(0, y - 2); v <= Math.min(h - 1, y + 2); v++)
          for (let u = Math.max(0, x - 2); u <= Math.min(w - 1, x + 2); u++) {
            s += src[v * w + u];
            n++;
          }
        expect(out[y * w + x]).toBe(Math.round(s / n));
      }
  });
});

describe('a dark picture is dark-field', () => {
  it('black with dim glowing tissue: tissue by brightness, no ink, whatever the colour', () => {
    // 80 x 60, black (2) with a pure blue disc of brightness 40: saturated blue, which brightfield calls ink.
    const width = 80;
    const height = 60;
    const data = new Uint8ClampedArray(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      const x = p % width;
      const y = Math.floor(p / width);
      const inDisc = (x - 40) ** 2 + (y - 30) ** 2 < 20 ** 2;
      data.set(inDisc ? [0, 0, 40, 255] : [2, 2, 2, 255], p * 4);
    }
    const mask = makeTissueMask({ width, height, data }, 1);
    expect(mask.feature).toBe('brightness');
    expect(mask.ink.every((v) => v === 0)).toBe(true);
    const disc = (Math.PI * 20 ** 2) / (width * height);
    // The averaging window (4 px without a µm/px) widens a sharp edge by a few pixels: radius 20 -> about 23.
    expect(tissueFraction(mask)).toBeGreaterThan(disc * 0.95);
    expect(tissueFraction(mask)).toBeLessThan(disc * 1.4);
    // The same picture where the disc is pink on white (brightfield) is found by saturation instead.
    const bright = new Uint8ClampedArray(data.length);
    for (let p = 0; p < width * height; p++) bright.set(data[p * 4 + 2] === 40 ? [220, 120, 200, 255] : [245, 245, 245, 255], p * 4);
    expect(makeTissueMask({ width, height, data: bright }, 1).feature).toBe('saturation');
  });
});

describe.skipIf(!HAVE_FIXTURES)(`brightfield slides stay brightfield${HAVE_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
  it('CMU-1-Small-Region and TCGA-CR-7395 are masked by saturation', async () => {
    for (const name of ['CMU-1-Small-Region.svs', 'TCGA-CR-7395-01A-01-TS1.svs', 'kidney-48-5-strip.tif']) expect((await maskOf(fixture('slides', name))).feature, name).toBe('saturation');
  });
});

describe.skipIf(!CAN_MAKE_FLUORESCENCE)(`one section's fluorescence scans${CAN_MAKE_FLUORESCENCE ? '' : ` (${FLUORESCENCE_SKIP})`}`, () => {
  it('DAPI, TRITC and the two-channel OME-TIFF find the same section, not their colours as ink', async () => {
    const dapi = await maskOf(fixture('slides', 'test3-DAPI-2.ndpi'));
    const tritc = await maskOf(fixture('slides', 'test3-TRITC-2.ndpi'));
    const ome = await maskOf(fluorescenceSlide('uint16'));
    for (const m of [dapi, tritc, ome]) {
      expect(m.feature).toBe('brightness');
      expect(m.ink.every((v) => v === 0)).toBe(true);
      // The top-left corner of these scans is glass.
      expect(cornerTissue(m, 40, 40)).toBe(0);
    }
    expect([dapi.width, dapi.height]).toEqual([tritc.width, tritc.height]);
    expect([ome.width, ome.height]).toEqual([tritc.width, tritc.height]);
    // The section fills most of the image; TRITC (autofluorescence) shows all of it, DAPI its nuclei.
    expect(tissueFraction(tritc)).toBeGreaterThan(0.7);
    expect(tissueFraction(tritc)).toBeLessThan(0.95);
    expect(tissueFraction(dapi)).toBeGreaterThan(0.4);
    expect(inside(dapi, tritc)).toBeGreaterThan(0.95);
    expect(iou(ome, tritc)).toBeGreaterThan(0.85);
  }, 30_000);

  it('a multi-channel slide\'s mask does not change with what the Channels panel shows', async () => {
    const slide = await openSlideFile(fluorescenceSlide('uint16'));
    try {
      const before = await detectTissue(slide);
      const display = slide.info.display!;
      await slide.setChannelDisplay!(display.map((d, i) => ({ ...d, visible: i === 0, color: [0, 0, 255] as [number, number, number] })));
      const after = await detectTissue(slide);
      expect(after.threshold).toBe(before.threshold);
      expect(Buffer.from(after.mask).equals(Buffer.from(before.mask))).toBe(true);
    } finally {
      await slide.close();
    }
  }, 30_000);
});
