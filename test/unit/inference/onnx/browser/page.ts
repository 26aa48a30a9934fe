import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { loadOnnxModel } from '../../../../../src/inference/onnx';
import { maxAbsDiff as maxDiff, toNhwc } from '../../../../support/arrays';
import { activate, type FixtureOutput } from '../support/activations';



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
