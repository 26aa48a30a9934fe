import { HAVE_FIXTURES, SKIP_REASON, fixture, referenceCrops, type ReferenceCrop } from '../support/fixtures';
import { compareRgb, openSlideSubpixelOffset, shiftBilinear, withinTolerance } from '../support/pixel-compare';
import { expect, test, decodePng, openUrl, waitForSlide } from './helpers';
import { viewerRegion } from './viewer-pixels';

/**
 * Browser pixel fidelity: reference crops (OpenSlide, libvips, Pillow) against the pixels the viewer
 * itself decoded and drew, read back with its test hook (readDecodedTile) and assembled in the slide
 * level's pixel grid. Every crop here goes through the hook, none through a separate readRegion.
 * The Node path checks all crops (test/unit/slide/reference-pixels.test.ts); this is a representative set.
 */
const CHOSEN: Record<string, string[]> = {
  'CMU-1-Small-Region.svs': ['L0.740_989', 'L0.2020_2817'], // Aperio JPEG, shared JPEGTables; an edge crop
  'TCGA-CR-7395-01A-01-TS1.svs': ['L0.1481_1189', 'L1.2021_1633'], // Aperio JPEG 2000
  'test3-DAPI-2.ndpi': ['L0.1322_1621', 'L3.165_202', 'L4.82_101', 'L5.0_0'], // NDPI; L4 and L5 are synthesised
  'OS-1-detail.ome.tif': ['L0.367_367', 'L0.901_951'], // big-endian OME-TIFF, JFIF tiles (the colour trap)
  'CMU-pyramid-bigtiff-lzw.tif': ['L0.740_989', 'L2.185_247', 'L3.92_123'], // BigTIFF, LZW + predictor
  'CMU-pyramid-deflate.tif': ['L1.370_494', 'L4.46_61'], // Deflate
  'kidney-48-5-strip.tif': ['L0.497_300', 'L0.1293_751'], // uncompressed strips (libvips reference)
  'CMU-pyramid-subifd-jpeg.tif': ['L0.740_989'], // SubIFD pyramid
};

const MARGIN = 2;

function chosenCrops(slide: string): ReferenceCrop[] {
  const all = referenceCrops().filter((c) => c.slide === slide);
  return CHOSEN[slide].map((tag) => {
    const c = all.find((e) => e.png.includes(`.${tag}_`));
    if (!c) throw new Error(`no reference crop ${slide} ${tag}`);
    return c;
  });
}

test.describe('the pixels the viewer decodes match the reference readers', () => {
  test.skip(!HAVE_FIXTURES, SKIP_REASON);

  for (const slide of Object.keys(CHOSEN)) {
    test(slide, async ({ page }) => {
      await page.goto('/');
      await openUrl(page, `/fixture-slides/${encodeURIComponent(slide)}`);
      await waitForSlide(page, slide);
      const downsamples = await page.evaluate(() => window.__tessera.viewer!.slide.info.levels.map((l) => l.downsample));
      for (const c of chosenCrops(slide)) {
        const label = `${c.png} (${c.reader})`;
        const ref = await decodePng(fixture('reference', c.png));
        expect([ref.width, ref.height], label).toEqual([c.width, c.height]);
        const wide = await viewerRegion(page, c.level, c.x, c.y, c.width, c.height, MARGIN);
        expect(wide.problems, label).toEqual([]);
        expect(wide.tiles, label).toBeGreaterThan(0);

        const ds = downsamples[c.level];
        const openslide = c.reader.startsWith('openslide');
        const fx = openslide ? openSlideSubpixelOffset(c.x, ds) : 0;
        const fy = openslide ? openSlideSubpixelOffset(c.y, ds) : 0;
        // OpenSlide read levels with a non-integer downsample between pixels (see pixel-compare.ts);
        // the viewer's pixels are sampled at the same place, as the Node test does.
        const actual = shiftBilinear({ width: wide.width, data: wide.rgba }, MARGIN, fx, fy, c.width, c.height);
        const d = compareRgb(actual, 3, ref.data, 3, c.width * c.height);
        if (process.env.TESSERA_PRINT_DIFFS) console.log(label.slice(0, 60), JSON.stringify(d), wide.tiles, 'tiles at virtual level', wide.virtualLevel);
        expect(withinTolerance(d), `${label}: ${JSON.stringify(d)}`).toBe(true);
      }
    });
  }
});

test.describe('where the slide has no level near a zoom, the viewer area-averages a finer one', () => {
  test.skip(!HAVE_FIXTURES, SKIP_REASON);

  test('CMU-pyramid-jpeg.tif without its 2x level', async ({ page }) => {
    await page.goto('/');
    await openUrl(page, '/fixture-slides/CMU-pyramid-jpeg.tif');
    await waitForSlide(page, 'CMU-pyramid-jpeg.tif');
    const r = await page.evaluate(async () => {
      const t = window.__tessera;
      const real = t.viewer!.slide;
      // The same slide seen with levels 0 and 3 only (downsamples 1 and 8), as a 4x-step Aperio pyramid would be.
      const keep = [0, 3];
      const wrapped = {
        ...real,
        info: { ...real.info, levels: keep.map((i) => real.info.levels[i]) },
        readRegion: (l: number, x: number, y: number, w: number, h: number, s?: AbortSignal) => real.readRegion(keep[l], x, y, w, h, s),
        readRegionBitmap: (l: number, x: number, y: number, w: number, h: number, s?: AbortSignal) => real.readRegionBitmap(keep[l], x, y, w, h, s),
        close: async () => {},
      };
      const host = document.createElement('div');
      host.style.cssText = 'position:fixed;left:0;top:0;width:640px;height:480px;z-index:1000;background:#000';
      document.body.append(host);
      const v = t.createSlideViewer(host, wrapped);
      try {
        await v.whenIdle();
        // Virtual level 2x sits between the kept levels: its tiles are 512 px of level 0, averaged down.
        v.setView({ centerX: 1280, centerY: 1280, imageZoom: 0.45 }, true);
        await v.whenIdle();
        const vl = v.pyramid.maxLevel - 1;
        const tile = v.readDecodedTile(vl, 2, 2);
        if (!tile) return { error: 'tile not loaded' };
        const p = tile.plan;
        const src = await real.readRegion(0, p.x, p.y, p.width, p.height);
        // The exact 2x2 mean of the level-0 pixels the worker decoded.
        let abs = 0;
        let max = 0;
        for (let j = 0; j < tile.height; j++) {
          for (let i = 0; i < tile.width; i++) {
            for (let c = 0; c < 3; c++) {
              const at = (x: number, y: number) => src.data[(y * src.width + x) * 4 + c];
              const mean = (at(2 * i, 2 * j) + at(2 * i + 1, 2 * j) + at(2 * i, 2 * j + 1) + at(2 * i + 1, 2 * j + 1)) / 4;
              const d = Math.abs(tile.rgba[(j * tile.width + i) * 4 + c] - mean);
              abs += d;
              max = Math.max(max, d);
            }
          }
        }
        return { plan: p, drawn: tile.drawn, size: [tile.width, tile.height], meanAbs: abs / (tile.width * tile.height * 3), max };
      } finally {
        v.destroy();
        host.remove();
      }
    });
    expect(r).toMatchObject({ plan: { level: 0, x: 1024, y: 1024, width: 512, height: 512, resampled: true }, drawn: true, size: [256, 256] });
    // Only rounding to 8 bits separates the two.
    expect(r.meanAbs).toBeLessThan(0.3);
    expect(r.max).toBeLessThanOrEqual(0.5);
  });
});

if (!HAVE_FIXTURES) test.skip(SKIP_REASON, () => {});
