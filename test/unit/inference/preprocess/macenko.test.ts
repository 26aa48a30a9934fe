import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_STAIN_MATRIX, type StainMatrix } from '../../../../src/inference/manifest';
import { MIN_STAINED_PIXELS, estimateStainMatrix } from '../../../../src/inference/stain';
import { opticalDensity } from '../../../../src/inference/preprocess/optical-density';
import { percentileOfSorted } from '../../../../src/inference/stain';
import { stainConcentrations, stainPseudoInverse } from '../../../../src/inference/preprocess/stain-concentrations';
import { symmetricEigen } from '../../../../src/inference/stain';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../../support/fixtures';
import { expectClose, expectNoLeak, maxAbsDiff, useCpu, values } from '../helpers';

beforeAll(useCpu);

const SETTINGS = { io: 240, beta: 0.15, alpha: 1 };

describe('Macenko building blocks', () => {
  it('opticalDensity is -log((I + 1) / Io)', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor1d([239, 119, 0]);
      const od = opticalDensity(x, 240);
      expectClose(values(od), [0, Math.log(2), Math.log(240)], 1e-6);
      tf.dispose([x, od]);
    });
  });

  it('percentileOfSorted interpolates linearly between ranks, as numpy.percentile', () => {
    // numpy.percentile([1, 2, 3, 4], [0, 1, 50, 99, 100]) → [1, 1.03, 2.5, 3.97, 4]
    const a = [1, 2, 3, 4];
    expectClose([0, 1, 50, 99, 100].map((p) => percentileOfSorted(a, p)), [1, 1.03, 2.5, 3.97, 4], 1e-12);
  });

  it('symmetricEigen finds eigenvalues and unit eigenvectors, largest first', () => {
    const { values: ev, vectors } = symmetricEigen([[2, 1, 0], [1, 2, 0], [0, 0, 5]]);
    expectClose(ev, [5, 3, 1], 1e-12);
    const s = Math.SQRT1_2;
    const abs = (v: number[]) => v.map(Math.abs);
    expectClose(abs(vectors[0]), [0, 0, 1], 1e-12);
    expectClose(abs(vectors[1]), [s, s, 0], 1e-12);
    expectClose(abs(vectors[2]), [s, s, 0], 1e-12);
    expect(vectors[2][0] * vectors[2][1]).toBeLessThan(0);
  });

  it('stainConcentrations recovers the H and E amounts a pixel was made of', async () => {
    // A pixel with OD = 1.2·h + 0.4·e (reference matrix): I = Io·exp(-OD) - 1.
    const { h, e } = REFERENCE_STAIN_MATRIX;
    const mix = (ch: number, ce: number) => [0, 1, 2].map((c) => 240 * Math.exp(-(ch * h[c] + ce * e[c])) - 1);
    await expectNoLeak(() => {
      const x = tf.tensor3d([[mix(1.2, 0.4), mix(0, 0.9)], [mix(0.3, 0), mix(0, 0)]]);
      const c = stainConcentrations(x, REFERENCE_STAIN_MATRIX, 240);
      expect(c.shape).toEqual([2, 2, 2]);
      expectClose(values(c), [1.2, 0.4, 0, 0.9, 0.3, 0, 0, 0], 1e-5);
      tf.dispose([x, c]);
    });
    expect(() => stainPseudoInverse({ h: [1, 0, 0], e: [2, 0, 0] })).toThrow(/parallel/);
  });

  it('estimateStainMatrix gives nothing for a background tile or a grey image (nothing to separate)', () => {
    const white = new Uint8Array(64 * 64 * 4).fill(235);
    expect(estimateStainMatrix(white, 4, SETTINGS)).toBeNull();
    expect(MIN_STAINED_PIXELS).toBeGreaterThan(1);
    const grey = Uint8Array.from({ length: 64 * 3 }, (_, i) => 20 + Math.floor(i / 3) * 2);
    expect(estimateStainMatrix(grey, 3, SETTINGS)).toBeNull();
  });

  it('estimateStainMatrix finds the stains a synthetic two-stain image was made of', () => {
    // Pixels mixing two known unit stain vectors in varying amounts: the extreme angles are the stains.
    const truth: StainMatrix = { h: [0.65, 0.70, 0.29], e: [0.07, 0.99, 0.11] };
    const norm = (v: number[]) => v.map((x) => x / Math.hypot(...v));
    const H = norm(truth.h);
    const E = norm(truth.e);
    const px: number[] = [];
    for (let i = 0; i <= 40; i++) {
      for (let j = 0; j <= 10; j++) {
        const amount = 1 + j * 0.1;
        const t = i / 40;
        for (let c = 0; c < 3; c++) px.push(Math.round(240 * Math.exp(-amount * (t * H[c] + (1 - t) * E[c])) - 1));
      }
    }
    const m = estimateStainMatrix(px, 3, { ...SETTINGS, beta: 0.01, alpha: 0 })!;
    expect(maxAbsDiff(m.h, H)).toBeLessThan(0.02);
    expect(maxAbsDiff(m.e, E)).toBeLessThan(0.02);
  });
});

interface ReferenceImage {
  file: string;
  x: number;
  y: number;
  width: number;
  height: number;
  stainedPixels: number;
  matrix: StainMatrix;
  samples: { x: number; y: number; rgb: number[]; estimated: number[]; reference: number[] }[];
  meanEstimated: number[];
  meanReference: number[];
}

const here = dirname(fileURLToPath(import.meta.url));
const reference = JSON.parse(readFileSync(join(here, '../reference/macenko_reference.json'), 'utf8')) as { io: number; alpha: number; beta: number; referenceMatrix: StainMatrix; images: ReferenceImage[] };

async function crop(r: ReferenceImage): Promise<Uint8Array> {
  const { data } = await sharp(fixture('patches', 'he-misc', r.file)).removeAlpha().toColourspace('srgb').extract({ left: r.x, top: r.y, width: r.width, height: r.height }).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

describe.skipIf(!HAVE_FIXTURES)(`Macenko on real H&E against numpy (reference/macenko_reference.py)${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  it('uses the same settings and reference matrix as the numpy script', () => {
    expect({ io: reference.io, alpha: reference.alpha, beta: reference.beta }).toEqual(SETTINGS);
    expect(reference.referenceMatrix).toEqual(REFERENCE_STAIN_MATRIX);
  });

  for (const r of reference.images) {
    it(`${r.file} ${r.width} x ${r.height} at (${r.x}, ${r.y}): stain matrix and concentrations`, async () => {
      const pixels = await crop(r);
      for (const s of r.samples) expect(Array.from(pixels.subarray((s.y * r.width + s.x) * 3, (s.y * r.width + s.x) * 3 + 3)), 'decoded pixels as PIL decodes them').toEqual(s.rgb);

      // The estimate runs in float64, as numpy's: agreement to rounding.
      const m = estimateStainMatrix(pixels, 3, SETTINGS)!;
      expectClose(m.h, r.matrix.h, 1e-9);
      expectClose(m.e, r.matrix.e, 1e-9);

      // Concentrations run as float32 TF.js ops.
      await expectNoLeak(async () => {
        const x = tf.tensor3d(Float32Array.from(pixels), [r.height, r.width, 3]);
        const est = stainConcentrations(x, m, SETTINGS.io);
        const ref = stainConcentrations(x, REFERENCE_STAIN_MATRIX, SETTINGS.io);
        const e = (await est.data()) as Float32Array;
        const f = (await ref.data()) as Float32Array;
        const at = (a: Float32Array, s: { x: number; y: number }) => [a[(s.y * r.width + s.x) * 2], a[(s.y * r.width + s.x) * 2 + 1]];
        expectClose(r.samples.flatMap((s) => at(e, s)), r.samples.flatMap((s) => s.estimated), 2e-5);
        expectClose(r.samples.flatMap((s) => at(f, s)), r.samples.flatMap((s) => s.reference), 2e-5);
        const mean = (a: Float32Array, k: number) => a.reduce((acc, v, i) => (i % 2 === k ? acc + v : acc), 0) / (a.length / 2);
        expectClose([mean(e, 0), mean(e, 1)], r.meanEstimated, 1e-5);
        expectClose([mean(f, 0), mean(f, 1)], r.meanReference, 1e-5);
        tf.dispose([x, est, ref]);
      });
    });
  }
});
