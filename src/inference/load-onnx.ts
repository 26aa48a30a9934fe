import type * as tf from '@tensorflow/tfjs';
import { TesseraError } from '../core';
import type { Manifest } from './manifest';
import type { Dim, FormatLoader, Runner } from './model';
import { readRequired } from './model-files';
import { loadOnnxModel } from './onnx/index';

function dim(d: unknown): Dim {
  return typeof d === 'number' && d > 0 ? d : null;
}

/**
 * ONNX models through Tessera's importer (onnx/), which runs the graph with TF.js ops on any backend.
 * The batch goes in as NHWC (the importer lays weights out for it at load); outputs come back in ONNX's
 * layout (NCHW for 4-D), which is what predictRaw gives and what ONNX Runtime gives.
 */
export const onnxLoader: FormatLoader<Uint8Array> = {
  read: (files, manifest: Manifest) => readRequired(files, manifest.weights, 'The manifest names the ONNX model'),
  async build(bytes, manifest): Promise<Runner> {
    const model = await loadOnnxModel(bytes, manifest.weights);
    if (model.inputs.length !== 1 || model.outputs.length < 1) {
      model.dispose();
      throw new TesseraError('unsupported', `${manifest.weights} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; Tessera runs models with one input.`);
    }
    const input = model.inputs[0];
    const output = model.outputs[0];
    const [, c, h, w] = (input.shape as unknown[]).map(dim);
    const out = (output.shape as unknown[]).map(dim).slice(1);
    const runOne = (batch: tf.Tensor4D, outputLayout: 'nchw' | 'nhwc'): tf.Tensor => {
      const results = model.run({ [input.name]: batch }, { inputLayout: 'nhwc', outputLayout });
      for (const [name, t] of Object.entries(results)) if (name !== output.name) t.dispose();
      return results[output.name];
    };
    return {
      inputShape: [h ?? null, w ?? null, c ?? null],
      // ONNX's NCHW output → classes last, as the manifest checks want it.
      outputShape: out.length === 3 ? [out[1], out[2], out[0]] : out,
      rawLayout: 'nchw',
      strippedActivation: null,
      run: (batch: tf.Tensor4D) => runOne(batch, 'nchw'),
      // The importer works in NHWC inside: a segmentation head can stay so for predict.
      runClassesLast: (batch: tf.Tensor4D) => runOne(batch, 'nhwc'),
      dispose: () => model.dispose(),
    };
  },
};
