import * as tf from '@tensorflow/tfjs';
import { TesseraError } from '../core';
import type { Manifest } from './manifest';
import type { Dim, FormatLoader, Runner } from './model';
import { readTfjsArtifacts } from './tfjs-artifacts';

interface LayerJson {
  name?: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown;
}

/**
 * When the model's output layer ends in the manifest's activation (Keras puts softmax in the last Dense),
 * it is set to linear in a copy of the topology, so predictRaw gives the logits and predict applies the
 * manifest's activation once. Returns the stripped activation's name, or null.
 */
export function stripOutputActivation(topology: unknown, activation: string): string | null {
  if (activation === 'none' || typeof topology !== 'object' || topology === null) return null;
  const top = topology as Record<string, unknown>;
  const model = (top.model_config ?? top) as { class_name?: string; config?: unknown };
  const config = model.config as { layers?: LayerJson[]; output_layers?: unknown[][] } | LayerJson[] | undefined;
  const layers = Array.isArray(config) ? config : config?.layers;
  if (!layers?.length) return null;
  let out: LayerJson | undefined;
  if (model.class_name === 'Sequential') {
    out = layers[layers.length - 1];
  } else {
    const outputs = (config as { output_layers?: unknown[][] }).output_layers;
    if (!outputs || outputs.length !== 1) return null;
    out = layers.find((l) => (l.name ?? l.config.name) === outputs[0][0]);
  }
  if (!out) return null;
  if (out.config.activation === activation) {
    out.config.activation = 'linear';
    return activation;
  }
  if (out.class_name === 'Softmax' && activation === 'softmax' && (out.config.axis === undefined || out.config.axis === -1)) {
    out.class_name = 'Activation';
    out.config = { name: out.config.name, trainable: false, dtype: out.config.dtype, activation: 'linear' };
    return activation;
  }
  return null;
}

function dims(shape: (number | null)[]): Dim[] {
  return shape.map((d) => (typeof d === 'number' && d > 0 ? d : null));
}

/** TF.js layers models (tf.loadLayersModel), from artifacts held in memory. */
export const tfjsLayersLoader: FormatLoader<{ artifacts: tf.io.ModelArtifacts; stripped: string | null }> = {
  async read(files, manifest: Manifest) {
    const artifacts = await readTfjsArtifacts(files, manifest.weights);
    const topology = structuredClone(artifacts.modelTopology);
    const stripped = stripOutputActivation(topology, manifest.output.activation);
    return { artifacts: { ...artifacts, modelTopology: topology }, stripped };
  },
  async build({ artifacts, stripped }, manifest): Promise<Runner> {
    let model: tf.LayersModel;
    try {
      model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    } catch (e) {
      throw new TesseraError('corrupt-file', `The TF.js layers model could not be built from ${manifest.weights} and its weights files: they are damaged or do not belong together; copy or export the model again.`, e instanceof Error ? e.message : String(e));
    }
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      model.dispose();
      throw new TesseraError('unsupported', `The model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; Tessera runs models with one of each.`);
    }
    const input = dims(model.inputs[0].shape.slice(1));
    return {
      inputShape: [input[0] ?? null, input[1] ?? null, input[2] ?? null],
      outputShape: dims(model.outputs[0].shape.slice(1)),
      rawLayout: 'nhwc',
      strippedActivation: stripped,
      run: (batch) => model.predict(batch) as tf.Tensor,
      dispose: () => model.dispose(),
    };
  },
};
