import * as tf from '@tensorflow/tfjs';
import { TesseraError } from '../core';
import type { Manifest } from './manifest';
import type { Dim, FormatLoader, Runner } from './model';
import { readTfjsArtifacts } from './tfjs-artifacts';

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
}

const ACTIVATION_OPS: Record<string, string> = { softmax: 'Softmax', sigmoid: 'Sigmoid' };

function nodeName(ref: string): string {
  return ref.replace(/^\^/, '').replace(/:\d+$/, '');
}

/**
 * When the graph's output is the manifest's activation (through Identity nodes), the node feeding it:
 * executing that node gives predictRaw the output before the activation. Null when there is none.
 */
export function rawOutputNode(topology: unknown, outputName: string, activation: string): string | null {
  const op = ACTIVATION_OPS[activation];
  const nodes = (topology as { node?: GraphNode[] } | undefined)?.node;
  if (!op || !Array.isArray(nodes)) return null;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  let node = byName.get(nodeName(outputName));
  for (let hops = 0; node && node.op === 'Identity' && hops < 16; hops++) node = byName.get(nodeName(node.input?.[0] ?? ''));
  if (!node || node.op !== op || !node.input?.length) return null;
  return nodeName(node.input[0]);
}

function dims(shape: number[] | undefined): Dim[] | undefined {
  return shape?.map((d) => (d > 0 ? d : null));
}

/** TF.js graph models (tf.loadGraphModel), from artifacts held in memory. */
export const tfjsGraphLoader: FormatLoader<tf.io.ModelArtifacts> = {
  read: (files, manifest: Manifest) => readTfjsArtifacts(files, manifest.weights),
  async build(artifacts, manifest): Promise<Runner> {
    let model: tf.GraphModel;
    try {
      model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    } catch (e) {
      throw new TesseraError('corrupt-file', `The TF.js graph model could not be built from ${manifest.weights} and its weights files: they are damaged or do not belong together; copy or export the model again.`, e instanceof Error ? e.message : String(e));
    }
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      model.dispose();
      throw new TesseraError('unsupported', `The model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; Tessera runs models with one of each.`);
    }
    const raw = rawOutputNode(artifacts.modelTopology, model.outputs[0].name, manifest.output.activation);
    const input = dims(model.inputs[0].shape)?.slice(1) ?? [];
    return {
      inputShape: [input[0] ?? null, input[1] ?? null, input[2] ?? null],
      outputShape: dims(model.outputs[0].shape)?.slice(1),
      rawLayout: 'nhwc',
      strippedActivation: raw ? manifest.output.activation : null,
      run: (batch) => (raw ? model.execute(batch, raw) : model.execute(batch)) as tf.Tensor,
      dispose: () => model.dispose(),
    };
  },
};
