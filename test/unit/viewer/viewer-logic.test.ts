import { expect, test } from 'vitest';
import type { LevelInfo, SlideInfo } from '../../../src/slide/types';
import { areaAverage } from '../../../src/viewer/area-average';
import { formatMagnification, imageZoomFor, magnificationPresets, objectiveOf } from '../../../src/viewer/magnification';
import { planTile, virtualPyramid } from '../../../src/viewer/tile-plan';

// The viewer's pure rules, checked in Node (no browser page): magnification,
// which slide pixels make each virtual tile, and area averaging.

function level(width: number, height: number, downsample: number, synthesized = false): LevelInfo {
  return { width, height, downsample, tileWidth: 256, tileHeight: 256, compression: synthesized ? 'synthesised' : 'JPEG', synthesized };
}

function slideInfo(levels: LevelInfo[], extra: Partial<SlideInfo> = {}): SlideInfo {
  return { name: 't', fileSize: 1, format: 'generic-tiff', vendor: 'generic-tiff', levels, associated: [], properties: {}, ...extra };
}

// CMU-1-Small-Region as the generic pyramid holds it (downsamples as OpenSlide computes them).
const CMU = slideInfo([level(2220, 2967, 1), level(1110, 1483, 2.0), level(555, 741, 4.002), level(277, 370, 8.017), level(138, 185, 16.062), level(69, 92, 32.212, true)]);

test('magnification presets come from the objective power, or an estimate from µm/px', () => {
  const stated = objectiveOf(slideInfo(CMU.levels, { objectivePower: 20, mppX: 0.499 }))!;
  expect(stated).toEqual({ power: 20, estimated: false });
  expect(magnificationPresets(stated)).toEqual([1, 2, 5, 10, 20]);
  expect(imageZoomFor(10, stated)).toBe(0.5);
  const estimated = objectiveOf(slideInfo(CMU.levels, { mppX: 0.2271 }))!;
  expect(estimated.estimated).toBe(true);
  expect(estimated.power).toBeCloseTo(44, 0);
  expect(magnificationPresets(estimated)).toEqual([1, 2, 5, 10, 20, 40]);
  expect(formatMagnification(19.96, true)).toBe('≈ 20x');
  expect(formatMagnification(2.54)).toBe('2.5x');
  expect(objectiveOf(slideInfo(CMU.levels))).toBeNull();
  expect(magnificationPresets(null)).toEqual([]);
});

test('each virtual tile reads the slide level at or finer than its scale, 1:1 when one is within 1%', () => {
  const p = virtualPyramid(CMU);
  expect(p).toMatchObject({ width: 2220, height: 2967, maxLevel: 12 });
  expect(p.minLevel).toBe(12 - 5); // down to the 32x synthesised level, no coarser
  // Full resolution: level 0, 1:1.
  expect(planTile(CMU, p, 12, 1, 2)).toEqual({ level: 0, x: 256, y: 512, width: 256, height: 256, outWidth: 256, outHeight: 256, resampled: false });
  // 4x: level 2 (downsample 4.002 is within 1%), positions through level 0 and rounded once.
  const t = planTile(CMU, p, 10, 1, 1);
  expect(t).toMatchObject({ level: 2, x: 256, y: 256, resampled: false });
  // Edge tiles stop at the level's edge. The tile starts at level-0 y = 2048, which is 511.5 pixels of
  // this level (2967 / 741 = 4.004 per pixel): rounded there, not at 2 × 256.
  const edge = planTile(CMU, p, 10, 2, 2);
  const y = Math.round((2048 * 741) / 2967);
  expect(y).toBe(511);
  expect(edge).toMatchObject({ level: 2, x: 512, y, width: 555 - 512, height: 741 - y, resampled: false });
  // Neighbours share their edges exactly, on every level.
  for (let vl = p.minLevel; vl <= p.maxLevel; vl++) {
    const d = 2 ** (p.maxLevel - vl);
    const across = Math.ceil(2220 / (256 * d));
    for (let x = 0; x + 1 < across; x++) {
      const a = planTile(CMU, p, vl, x, 0);
      const b = planTile(CMU, p, vl, x + 1, 0);
      expect(a.level).toBe(b.level);
      expect(a.x + a.width).toBe(b.x);
    }
  }
  // Without a level near 2x (a 4x-step pyramid), the 2x tile is 512 px of level 0 averaged to 256.
  const gappy = slideInfo([CMU.levels[0], CMU.levels[2], CMU.levels[4]]);
  expect(planTile(gappy, virtualPyramid(gappy), 11, 1, 1)).toEqual({ level: 0, x: 512, y: 512, width: 512, height: 512, outWidth: 256, outHeight: 256, resampled: true });
  expect(planTile(gappy, virtualPyramid(gappy), 10, 0, 0)).toMatchObject({ level: 1, resampled: false });
});

test('area averaging is exact for whole ratios and does not alias at fractional ones', () => {
  // A one-pixel checkerboard, the worst case for aliasing.
  const w = 96;
  const src = new Uint8ClampedArray(w * w * 4);
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) src.fill((x + y) % 2 ? 255 : 0, (y * w + x) * 4, (y * w + x) * 4 + 3), (src[(y * w + x) * 4 + 3] = 255);
  for (const out of [48, 64, 40, 17]) {
    const r = areaAverage(src, w, w, out, out);
    let min = 255;
    let max = 0;
    for (let i = 0; i < r.length; i += 4) {
      min = Math.min(min, r[i]);
      max = Math.max(max, r[i]);
    }
    // 2x gives exact grey; fractional ratios stay close to grey (bilinear at 1.5x gives 12..243 here).
    if (out === 48) expect([min, max]).toEqual([128, 128]);
    else expect(max - min, `${w} → ${out}`).toBeLessThanOrEqual(90);
    expect(r[3]).toBe(255);
  }
  // A gradient averaged 2:1 keeps its values: (0+1)/2, (2+3)/2, ...
  const g = new Uint8ClampedArray(8 * 1 * 4);
  for (let i = 0; i < 8; i++) g.fill(i * 10, i * 4, i * 4 + 4);
  expect(Array.from(areaAverage(g, 8, 1, 4, 1)).filter((_, i) => i % 4 === 0)).toEqual([5, 25, 45, 65]);
});
