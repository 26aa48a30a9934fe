import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { openSlideFile } from '../../../src/slide/node';
import type { Slide } from '../../../src/slide';
import { HAVE_FIXTURES, SKIP_REASON, fixture, referenceCrops } from '../../support/fixtures';
import { compareRgb, openSlideSubpixelOffset, shiftBilinear, withinTolerance } from '../../support/pixel-compare';

// Every crop in reference.json, read by Tessera's Node path and compared with OpenSlide / libvips / Pillow.
const crops = referenceCrops();
const open = new Map<string, Promise<Slide>>();
const slide = (name: string) => {
  if (!open.has(name)) open.set(name, openSlideFile(fixture('slides', name)));
  return open.get(name)!;
};
afterAll(async () => {
  for (const s of open.values()) await (await s).close();
});

describe.skipIf(!HAVE_FIXTURES)('pixels match the reference readers', () => {
  it('has reference crops to compare', () => {
    expect(crops.length).toBeGreaterThan(80);
  });

  it.each(crops.map((c) => [`${c.png} (${c.reader})`, c] as const))('%s', async (_, c) => {
    const s = await slide(c.slide);
    const ref = await sharp(fixture('reference', c.png)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const img = await s.readRegion(c.level, c.x, c.y, c.width, c.height);
    expect([img.width, img.height]).toEqual([ref.info.width, ref.info.height]);
    let d = compareRgb(img.data, 4, ref.data, 3, c.width * c.height);
    const ds = s.info.levels[c.level].downsample;
    const fx = c.reader.startsWith('openslide') ? openSlideSubpixelOffset(c.x, ds) : 0;
    const fy = c.reader.startsWith('openslide') ? openSlideSubpixelOffset(c.y, ds) : 0;
    if (Math.abs(fx) > 1e-6 || Math.abs(fy) > 1e-6) {
      // OpenSlide read this crop between pixels of the level (see openSlideSubpixelOffset); compare
      // with our pixels sampled at the same place, so the test checks position and colour, not cairo's blur.
      const m = 2;
      const wide = await s.readRegion(c.level, c.x - m, c.y - m, c.width + 2 * m, c.height + 2 * m);
      d = compareRgb(shiftBilinear(wide, m, fx, fy, c.width, c.height), 3, ref.data, 3, c.width * c.height);
    }
    expect(withinTolerance(d), JSON.stringify(d)).toBe(true);
  });
});
if (!HAVE_FIXTURES) it.skip(SKIP_REASON, () => {});
