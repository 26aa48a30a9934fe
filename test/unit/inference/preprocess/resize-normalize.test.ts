import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalize } from '../../../../src/inference/preprocess/normalize';
import { resizeBilinear } from '../../../../src/inference/preprocess/resize-bilinear';
import { expectClose, expectNoLeak, useCpu, values } from '../helpers';

beforeAll(useCpu);

describe('resizeBilinear (half-pixel centres, no antialias: torchvision Resize on tensors, antialias=False)', () => {
  it('enlarges 2 x 2 to 4 x 4 as computed by hand', async () => {
    await expectNoLeak(() => {
      // v(r, c) = 20r + 10c is linear, so bilinear reproduces it at the source positions
      // (dst + 0.5) / 2 - 0.5 = -0.25 → 0 (clamped), 0.25, 0.75, 1.25 → 1 (clamped).
      const x = tf.tensor3d([[[0], [10]], [[20], [30]]]);
      const y = resizeBilinear(x, [4, 4]);
      const pos = [0, 0.25, 0.75, 1];
      expect(y.shape).toEqual([4, 4, 1]);
      expectClose(values(y), pos.flatMap((r) => pos.map((c) => 20 * r + 10 * c)), 1e-6);
      tf.dispose([x, y]);
    });
  });

  it('shrinks 4 x 4 to 2 x 2 by sampling between source pixels, not averaging all of them', async () => {
    await expectNoLeak(() => {
      // Source positions (dst + 0.5) · 2 - 0.5 = 0.5 and 2.5 on both axes; v(r, c) = 4r + c.
      const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
      const y = resizeBilinear(x, [2, 2]);
      expect(values(y)).toEqual([2.5, 4.5, 10.5, 12.5]);
      tf.dispose([x, y]);
    });
  });

  it('matches torch.nn.functional.interpolate(bilinear, align_corners=False) on a non-square case', async () => {
    // Computed once with torch 1.13 / torchvision 0.14 (TF.resize(x, [7, 4], antialias=False) gives the same):
    // x = torch.arange(15.).reshape(1, 1, 3, 5) ** 1.5
    const torch7x4 = [0.125, 1.6856601238250732, 4.308255195617676, 7.649518966674805, 1.767130732536316, 3.749235153198242, 6.705252170562744, 10.33579158782959, 6.693522930145264, 9.939959526062012, 13.89624309539795, 18.394609451293945, 11.619915008544922, 16.13068389892578, 21.08723258972168, 26.453428268432617, 20.452932357788086, 25.670499801635742, 31.285659790039062, 37.27095413208008, 29.28594970703125, 35.21031188964844, 41.48408508300781, 48.088478088378906, 32.23028564453125, 38.39025115966797, 44.88356018066406, 51.69432067871094];
    const torch2x3 = [3.338134765625, 6.75138521194458, 11.684656143188477, 28.020240783691406, 35.806976318359375, 44.29526138305664];
    await expectNoLeak(() => {
      const x = tf.tensor3d(Array.from({ length: 15 }, (_, i) => i ** 1.5), [3, 5, 1]);
      const up = resizeBilinear(x, [7, 4]);
      const down = resizeBilinear(x, [2, 3]);
      expectClose(values(up), torch7x4, 1e-5);
      expectClose(values(down), torch2x3, 1e-5);
      tf.dispose([x, up, down]);
    });
  });

  it('leaves an image already at the size as it is (tiles at the model\'s size go in unresized)', async () => {
    await expectNoLeak(() => {
      const x = tf.zeros([1, 8, 6, 3]) as tf.Tensor4D;
      expect(resizeBilinear(x, [8, 6])).toBe(x);
      x.dispose();
    });
  });
});

describe('normalize', () => {
  it('computes (x / scale - mean) / std per channel', async () => {
    await expectNoLeak(() => {
      const x = tf.tensor3d([[[255, 0, 127.5]]]);
      const y = normalize(x, 255, [0.5, 0.5, 0.5], [0.5, 0.25, 1]);
      expectClose(values(y), [1, -2, 0], 1e-7);
      const z = normalize(x, 1, [0, 0, 0], [1, 1, 1]);
      expect(values(z)).toEqual([255, 0, 127.5]);
      tf.dispose([x, y, z]);
    });
  });
});
