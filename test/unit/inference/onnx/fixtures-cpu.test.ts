import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxModel } from '../../../../src/inference/onnx';
import { activate, inputData, listFixtures, modelBytes, referenceOutput } from './support/fixtures';
import { maxAbsDiff, toNhwc } from './support/parity';

// Every PyTorch export in test/fixtures/onnx against ONNX Runtime's outputs, on TF.js's CPU backend.
const fixtures = listFixtures();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.skipIf(fixtures.length === 0)('fixture models match ONNX Runtime (cpu backend)', () => {
  it.each(fixtures.map((f) => [f.name, f] as const))('%s', async (_, f) => {
    const beforeLoad = tf.memory().numTensors;
    const model = await loadOnnxModel(modelBytes(f), `${f.name}/model.onnx`);
    expect(model.opset).toBe(f.opset);
    const data = inputData(f);
    const [n, c, h, w] = f.input.shape;
    const report: string[] = [];
    for (const layout of ['nchw', 'nhwc'] as const) {
      const x = layout === 'nchw' ? tf.tensor4d(data, [n, c, h, w]) : tf.tensor4d(toNhwc(data, f.input.shape), [n, h, w, c]);
      const before = tf.memory().numTensors;
      const out = model.run({ [f.input.name]: x }, { inputLayout: layout });
      for (const o of f.outputs) {
        const ref = referenceOutput(f, o);
        expect(out[o.name].shape).toEqual(o.shape);
        const got = out[o.name].dataSync();
        const raw = maxAbsDiff(got, ref);
        const act = maxAbsDiff(activate(got, o), activate(ref, o));
        report.push(`${o.name} (${layout}): raw ${raw.toExponential(2)}, after ${o.activation} ${act.toExponential(2)}`);
        expect(act, `${f.name} ${o.name} after ${o.activation}`).toBeLessThanOrEqual(f.tolerance);
        // Raw outputs: float32 sums in another order, so the bound scales with the output's magnitude.
        const scale = Math.max(1, ...Array.from(ref, Math.abs));
        expect(raw, `${f.name} ${o.name} raw`).toBeLessThanOrEqual(1e-4 * scale);
      }
      Object.values(out).forEach((t) => t.dispose());
      expect(tf.memory().numTensors, 'tensors left after the run').toBe(before);
      x.dispose();
    }
    // The first image alone gives the first rows of the batch's outputs (batch-size-dependent shape
    // arithmetic, e.g. ViT's class token expanded to the batch).
    const one = tf.tensor4d(toNhwc(data.subarray(0, c * h * w), [1, c, h, w]), [1, h, w, c]);
    const single = model.run({ [f.input.name]: one }, { inputLayout: 'nhwc' });
    for (const o of f.outputs) {
      const ref = referenceOutput(f, o);
      const got = single[o.name].dataSync();
      expect(single[o.name].shape).toEqual([1, ...o.shape.slice(1)]);
      expect(maxAbsDiff(activate(got, { ...o, shape: [1, ...o.shape.slice(1)] }), activate(ref.subarray(0, got.length), { ...o, shape: [1, ...o.shape.slice(1)] }))).toBeLessThanOrEqual(f.tolerance);
    }
    tf.dispose([one, ...Object.values(single)]);
    // 4-D outputs asked for as NHWC are the same values, channels last.
    const x = tf.tensor4d(data, [n, c, h, w]);
    const nhwcOut = model.run({ [f.input.name]: x }, { outputLayout: 'nhwc' });
    for (const o of f.outputs) {
      const t = nhwcOut[o.name];
      const ref = referenceOutput(f, o);
      if (o.shape.length === 4) {
        const [on, oc, oh, ow] = o.shape;
        expect(t.shape).toEqual([on, oh, ow, oc]);
        expect(maxAbsDiff(t.dataSync(), toNhwc(ref, o.shape))).toBeLessThanOrEqual(1e-4);
      } else {
        expect(t.shape).toEqual(o.shape);
      }
    }
    tf.dispose([x, ...Object.values(nhwcOut)]);
    console.log(`${f.name}: ${report.join('; ')}`);
    model.dispose();
    expect(tf.memory().numTensors, 'dispose() frees every weight uploaded at load').toBe(beforeLoad);
  });
});
