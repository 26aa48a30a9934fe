import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxModel } from '../../../../src/inference/onnx';
import { activate, inputData, listFixtures, modelBytes, referenceOutput } from './support/fixtures';
import { maxAbsDiff, toNhwc } from './support/parity';

// The same fixtures once on TF.js's WASM backend in Node (the CLI's backend), fed NHWC as the model
// runtime feeds them. If the backend cannot start here, the suite says so instead of passing silently.
const fixtures = listFixtures();
let wasmReady = false;

beforeAll(async () => {
  const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(join(dist, '/'));
  wasmReady = await tf.setBackend('wasm');
  expect(wasmReady, 'the wasm backend starts in Node').toBe(true);
  expect(tf.getBackend()).toBe('wasm');
});

describe.skipIf(fixtures.length === 0)('fixture models match ONNX Runtime (wasm backend)', () => {
  it.each(fixtures.map((f) => [f.name, f] as const))('%s', async (_, f) => {
    const model = await loadOnnxModel(modelBytes(f), `${f.name}/model.onnx`);
    const [n, c, h, w] = f.input.shape;
    const x = tf.tensor4d(toNhwc(inputData(f), f.input.shape), [n, h, w, c]);
    const before = tf.memory().numTensors;
    const out = model.run({ [f.input.name]: x }, { inputLayout: 'nhwc' });
    const report: string[] = [];
    for (const o of f.outputs) {
      const ref = referenceOutput(f, o);
      const got = out[o.name].dataSync();
      const act = maxAbsDiff(activate(got, o), activate(ref, o));
      report.push(`${o.name}: raw ${maxAbsDiff(got, ref).toExponential(2)}, after ${o.activation} ${act.toExponential(2)}`);
      expect(act).toBeLessThanOrEqual(f.tolerance);
    }
    console.log(`${f.name} (wasm): ${report.join('; ')}`);
    Object.values(out).forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});
