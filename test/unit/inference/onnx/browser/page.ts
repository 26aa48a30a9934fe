import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { loadOnnxModel } from '../../../../../src/inference/onnx';
import { activate, type FixtureOutput } from '../support/activations';

/**
 * The browser side of fixtures-browser.test.ts: runs one fixture model on a TF.js backend in Chromium,
 * fed NHWC as the model runtime feeds it, and reports the largest differences from ONNX Runtime.
 */

function toNhwc(data: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) out[((b * h + y) * w + x) * c + ch] = data[((b * c + ch) * h + y) * w + x];
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

const floats = async (url: string) => new Float32Array(await (await fetch(url)).arrayBuffer());

async function runFixture(name: string, backend: string) {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  await tf.ready();
  const meta = await (await fetch(`/fx/${name}/meta.json`)).json();
  const model = await loadOnnxModel(new Uint8Array(await (await fetch(`/fx/${name}/model.onnx`)).arrayBuffer()), `${name}/model.onnx`);
  const [n, c, h, w] = meta.input.shape;
  const x = tf.tensor4d(toNhwc(await floats(`/fx/${name}/${meta.input.file}`), meta.input.shape), [n, h, w, c]);
  const before = tf.memory().numTensors;
  const out = model.run({ [meta.input.name]: x }, { inputLayout: 'nhwc' });
  const outputs: Record<string, { raw: number; activated: number }> = {};
  for (const o of meta.outputs as FixtureOutput[]) {
    const got = (await out[o.name].data()) as Float32Array;
    const ref = await floats(`/fx/${name}/${o.file}`);
    outputs[o.name] = { raw: maxDiff(got, ref), activated: maxDiff(activate(got, o), activate(ref, o)) };
  }
  Object.values(out).forEach((t) => t.dispose());
  const leaked = tf.memory().numTensors - before;
  x.dispose();
  model.dispose();
  return { backend: tf.getBackend(), outputs, leaked };
}

(window as unknown as { runFixture: typeof runFixture }).runFixture = runFixture;
