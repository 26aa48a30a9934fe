import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cmykToRgb } from '../../../../src/inference/preprocess/cmyk-to-rgb';
import { greyToThree } from '../../../../src/inference/preprocess/grey-to-three';
import { pixelsToTensor } from '../../../../src/inference/preprocess/pixels-to-tensor';
import { rgbToBgr } from '../../../../src/inference/preprocess/rgb-to-bgr';
import { rgbToCmyk } from '../../../../src/inference/preprocess/rgb-to-cmyk';
import { rgbToGrey } from '../../../../src/inference/preprocess/rgb-to-grey';
import { toChannelMode } from '../../../../src/inference/preprocess/to-channel-mode';
import { expectNoLeak, useCpu, values } from '../helpers';

beforeAll(useCpu);

/** Runs op on a [1, n, c] tensor of the given pixels and returns its values; checks nothing leaks. */
async function apply(pixels: number[][], op: (t: tf.Tensor3D) => tf.Tensor): Promise<number[]> {
  return expectNoLeak(() => {
    const t = tf.tensor3d([pixels]);
    const out = op(t);
    const v = values(out);
    t.dispose();
    if (out !== t) out.dispose();
    return v;
  });
}

describe('pixelsToTensor', () => {
  it('gives float32 [h, w, c] samples, dropping RGBA\'s alpha', async () => {
    await expectNoLeak(() => {
      const t = pixelsToTensor({ width: 2, height: 1, format: 'rgba', data: Uint8Array.from([10, 20, 30, 255, 40, 50, 60, 0]) });
      expect(t.shape).toEqual([1, 2, 3]);
      expect(t.dtype).toBe('float32');
      expect(values(t)).toEqual([10, 20, 30, 40, 50, 60]);
      t.dispose();
      const g = pixelsToTensor({ width: 1, height: 2, format: 'grey', data: Uint8ClampedArray.from([7, 8]) });
      expect(g.shape).toEqual([2, 1, 1]);
      g.dispose();
      const c = pixelsToTensor({ width: 1, height: 1, format: 'cmyk', data: Uint8Array.from([1, 2, 3, 4]) });
      expect(values(c)).toEqual([1, 2, 3, 4]);
      c.dispose();
    });
  });

  it('refuses samples that do not fill the image', () => {
    expect(() => pixelsToTensor({ width: 2, height: 2, format: 'rgb', data: new Uint8Array(11) })).toThrow(/A 2 x 2 rgb image needs 12 samples, got 11/);
  });
});

describe('channel conversions (hand-computed, and PIL 9.4 for grey and CMYK)', () => {
  it('rgbToBgr reverses the channels', async () => {
    expect(await apply([[1, 2, 3], [250, 0, 9]], rgbToBgr)).toEqual([3, 2, 1, 9, 0, 250]);
  });

  it('rgbToGrey is PIL\'s convert("L"): (R·19595 + G·38470 + B·7471 + 32768) >> 16', async () => {
    // PIL: Image.fromarray([[[10, 128, 250]]]).convert('L') → 107.
    const hand = (r: number, g: number, b: number) => Math.floor((r * 19595 + g * 38470 + b * 7471 + 32768) / 65536);
    expect(hand(10, 128, 250)).toBe(107);
    const px = [[10, 128, 250], [0, 0, 0], [255, 255, 255], [1, 1, 1], [200, 30, 90]];
    expect(await apply(px, rgbToGrey)).toEqual(px.map(([r, g, b]) => hand(r, g, b)));
    expect(await apply([[255, 255, 255]], rgbToGrey)).toEqual([255]);
  });

  it('greyToThree copies one channel to three', async () => {
    expect(await apply([[77], [3]], greyToThree)).toEqual([77, 77, 77, 3, 3, 3]);
  });

  it('rgbToCmyk is PIL\'s convert("CMYK"): C = 255 - R, M = 255 - G, Y = 255 - B, K = 0', async () => {
    // PIL: (10, 128, 250) → (245, 127, 5, 0); black → (255, 255, 255, 0), not K = 255.
    expect(await apply([[10, 128, 250], [0, 0, 0], [255, 255, 255]], rgbToCmyk)).toEqual([245, 127, 5, 0, 255, 255, 255, 0, 0, 0, 0, 0]);
  });

  it('cmykToRgb is PIL\'s convert("RGB") from CMYK, integer rounding included', async () => {
    // PIL: CMYK (10, 128, 250, 40) → RGB (207, 107, 4). By hand for R: nk = 215, t = 10·215 + 128 = 2278,
    // (2278 >> 8) = 8, (8 + 2278) >> 8 = 8, R = 215 - 8 = 207.
    expect(await apply([[10, 128, 250, 40], [0, 0, 0, 0], [255, 255, 255, 255]], cmykToRgb)).toEqual([207, 107, 4, 255, 255, 255, 0, 0, 0]);
  });
});

describe('toChannelMode', () => {
  const rgb = [[10, 128, 250]];
  it('brings RGB, grey and CMYK images to each mode through PIL\'s conversions', async () => {
    expect(await apply(rgb, (t) => toChannelMode(t, 'rgb', 'rgb'))).toEqual([10, 128, 250]);
    expect(await apply(rgb, (t) => toChannelMode(t, 'rgb', 'bgr'))).toEqual([250, 128, 10]);
    expect(await apply(rgb, (t) => toChannelMode(t, 'rgb', 'grey'))).toEqual([107, 107, 107]);
    expect(await apply(rgb, (t) => toChannelMode(t, 'rgb', 'cmyk'))).toEqual([245, 127, 5, 0]);
    expect(await apply([[77]], (t) => toChannelMode(t, 'grey', 'rgb'))).toEqual([77, 77, 77]);
    expect(await apply([[77]], (t) => toChannelMode(t, 'grey', 'grey'))).toEqual([77, 77, 77]);
    expect(await apply([[77]], (t) => toChannelMode(t, 'grey', 'cmyk'))).toEqual([178, 178, 178, 0]);
    // A CMYK file stays CMYK for a CMYK model (its K is kept), and goes through PIL's CMYK → RGB otherwise.
    expect(await apply([[10, 128, 250, 40]], (t) => toChannelMode(t, 'cmyk', 'cmyk'))).toEqual([10, 128, 250, 40]);
    expect(await apply([[10, 128, 250, 40]], (t) => toChannelMode(t, 'cmyk', 'rgb'))).toEqual([207, 107, 4]);
    expect(await apply([[10, 128, 250, 40]], (t) => toChannelMode(t, 'cmyk', 'bgr'))).toEqual([4, 107, 207]);
  });
});
