import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyActivation } from '../../../../src/inference/postprocess/apply-activation';
import { sigmoidTwoClasses } from '../../../../src/inference/postprocess/sigmoid-two-classes';
import { expectClose, expectNoLeak, useCpu, values } from '../helpers';

beforeAll(useCpu);

async function run(x: number[][], op: (t: tf.Tensor2D) => tf.Tensor): Promise<{ v: number[]; shape: number[] }> {
  return expectNoLeak(() => {
    const t = tf.tensor2d(x);
    const out = op(t);
    const r = { v: values(out), shape: out.shape };
    tf.dispose([t, out]);
    return r;
  });
}

describe('output activations', () => {
  it('softmax over the class axis', async () => {
    // e^k / (e + e² + e³) for k = 1, 2, 3.
    const { v } = await run([[1, 2, 3], [0, 0, 0]], (t) => applyActivation(t, 'softmax', 3, 1));
    expectClose(v, [0.09003057, 0.24472847, 0.66524096, 1 / 3, 1 / 3, 1 / 3], 1e-7);
  });

  it('sigmoid on one logit for two classes gives [1 - p, p], p going to the positive class', async () => {
    // sigmoid(ln 3) = 0.75
    const two = await run([[Math.log(3)], [0]], (t) => applyActivation(t, 'sigmoid', 2, 1));
    expect(two.shape).toEqual([2, 2]);
    expectClose(two.v, [0.25, 0.75, 0.5, 0.5], 1e-7);
    const first = await run([[Math.log(3)]], (t) => sigmoidTwoClasses(t, 0));
    expectClose(first.v, [0.75, 0.25], 1e-7);
  });

  it('sigmoid on k logits for k classes is elementwise (multi-label); one class stays one probability', async () => {
    const { v, shape } = await run([[0, Math.log(3), -Math.log(3)]], (t) => applyActivation(t, 'sigmoid', 3, 1));
    expect(shape).toEqual([1, 3]);
    expectClose(v, [0.5, 0.75, 0.25], 1e-7);
    expectClose((await run([[Math.log(3)]], (t) => applyActivation(t, 'sigmoid', 1, 0))).v, [0.75], 1e-7);
  });

  it('none passes the output through as a tensor of its own', async () => {
    await expectNoLeak(() => {
      const t = tf.tensor2d([[0.2, 0.8]]);
      const out = applyActivation(t, 'none', 2, 1);
      expect(out).not.toBe(t);
      expect(values(out)).toEqual(values(t));
      tf.dispose([t, out]);
    });
  });

  it('works on segmentation maps, classes last', async () => {
    await expectNoLeak(() => {
      const t = tf.zeros([1, 2, 2, 1]);
      const out = applyActivation(t, 'sigmoid', 2, 1);
      expect(out.shape).toEqual([1, 2, 2, 2]);
      expect(values(out)).toEqual(new Array(8).fill(0.5));
      tf.dispose([t, out]);
    });
  });
});
