import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCells, maxFilter2d } from '../../../src/inference';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, '../../support/cells/peaks_reference.py');
const IMAGE = fixture('patches', 'brca-m2c', 'images', 'TCGA-A7-A0DB-01Z-00-DX1_168501_13501_1000_1000_0.986.png');
const canRun = HAVE_FIXTURES && existsSync(IMAGE) && existsSync(PYTHON);

interface Reference {
  width: number;
  height: number;
  peaks: [number, number, number, number][];
  plateauDropped: number;
}

/** The script's maps of IMAGE and its peaks by scipy.ndimage.maximum_filter with a disc footprint. */
function reference(radius: number, thresholds: number[], levels = 0): { maps: Float32Array; ref: Reference } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-peaks-'));
  try {
    execFileSync(PYTHON, [SCRIPT, IMAGE, dir, String(radius), ...thresholds.map(String), String(levels)]);
    const bytes = readFileSync(join(dir, 'maps.f32'));
    const maps = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return { maps, ref: JSON.parse(readFileSync(join(dir, 'peaks.json'), 'utf8')) as Reference };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectSamePeaks(radius: number, thresholds: number[], levels: number, scale = 1) {
  const { maps, ref } = reference(radius, thresholds, levels);
  const { width, height } = ref;
  const cells = detectCells(maps, [height, width, 3], { radius, thresholds, imageWidth: width * scale, imageHeight: height * scale });
  const got = Array.from(cells.x, (x, i) => [x / scale - 0.5, cells.y[i] / scale - 0.5, cells.classIndex[i], cells.score[i]]);
  expect(got.length).toBe(ref.peaks.length);
  got.forEach((g, i) => {
    const [x, y, c, s] = ref.peaks[i];
    expect(g[0]).toBeCloseTo(x, 4);
    expect(g[1]).toBeCloseTo(y, 4);
    expect(g[2]).toBe(c);
    expect(g[3]).toBe(Math.fround(s));
  });
  return { cells, ref };
}

describe.skipIf(!canRun)(`detectCells against scipy.ndimage.maximum_filter on a real H&E image${canRun ? '' : ` (${HAVE_FIXTURES ? 'needs /usr/bin/python3 with scipy' : SKIP_REASON})`}`, () => {
  it('finds the same peaks, classes and scores (radius 6, per-class thresholds)', () => {
    const { ref } = expectSamePeaks(6, [0.3, 0.5, 0.4], 0);
    expect(ref.peaks.length).toBeGreaterThan(200);
    expect(new Set(ref.peaks.map((p) => p[2])).size).toBeGreaterThan(1);
  });

  it('keeps the first in raster order of equal neighbours (maps rounded to 32 levels: thousands of plateau pixels)', () => {
    const { ref } = expectSamePeaks(4.5, [0.3, 0.5, 0.4], 32);
    expect(ref.plateauDropped).toBeGreaterThan(1000);
  });

  it('scales centres to the image\'s own pixels (an image twice the output\'s size)', () => {
    const { cells } = expectSamePeaks(3, [0.6, 0.6, 0.6], 0, 2);
    expect(cells.x.length).toBeGreaterThan(50);
  });

  it('leaves no two cells within the radius', () => {
    const radius = 6;
    const { maps, ref } = reference(radius, [0.2, 0.2, 0.2], 32);
    const c = detectCells(maps, [ref.height, ref.width, 3], { radius, thresholds: [0.2, 0.2, 0.2], imageWidth: ref.width, imageHeight: ref.height });
    let closest = Infinity;
    for (let i = 0; i < c.x.length; i++) for (let j = i + 1; j < c.x.length; j++) closest = Math.min(closest, Math.hypot(c.x[i] - c.x[j], c.y[i] - c.y[j]));
    expect(closest).toBeGreaterThan(radius);
  });
});
if (!canRun) it.skip(HAVE_FIXTURES ? 'needs /usr/bin/python3 with scipy' : SKIP_REASON, () => {});

describe('detectCells by hand', () => {
  it('square maximum filter: every window of a hand-made row and column, clipped at the edges', () => {
    const w = 7;
    const h = 5;
    const a = Float32Array.from({ length: w * h }, (_, i) => ((i * 37) % 23) / 23);
    for (const half of [1, 2, 3, 6]) {
      const m = maxFilter2d(a, w, h, half);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let best = -Infinity;
          for (let yy = Math.max(0, y - half); yy <= Math.min(h - 1, y + half); yy++) for (let xx = Math.max(0, x - half); xx <= Math.min(w - 1, x + half); xx++) best = Math.max(best, a[yy * w + xx]);
          expect(m[y * w + x]).toBe(best);
        }
      }
    }
  });

  it('two equal neighbours give one cell; a peak farther than the radius is kept; a class below its threshold is not', () => {
    // 1 x 8, two classes: equal 0.9 at x 1 and 2 (class 0), 0.8 at x 6 (class 1, threshold 0.85), radius 2.
    const maps = new Float32Array(16);
    maps[2 * 1] = 0.9;
    maps[2 * 2] = 0.9;
    maps[2 * 6 + 1] = 0.8;
    const one = detectCells(maps, [1, 8, 2], { radius: 2, thresholds: [0.5, 0.85], imageWidth: 8, imageHeight: 1 });
    expect(Array.from(one.x)).toEqual([1.5]);
    expect(Array.from(one.y)).toEqual([0.5]);
    const two = detectCells(maps, [1, 8, 2], { radius: 2, thresholds: [0.5, 0.5], imageWidth: 16, imageHeight: 1 });
    expect(Array.from(two.x)).toEqual([3, 13]);
    expect(Array.from(two.classIndex)).toEqual([0, 1]);
    expect(Array.from(two.score)).toEqual([Math.fround(0.9), Math.fround(0.8)]);
  });
});
