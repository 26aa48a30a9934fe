import * as tf from '@tensorflow/tfjs';
import { TesseraError } from '../../core';
import { execute, type RunOptions } from './executor';
import { describeValues } from './io';
import { buildGraph } from './model-graph';
import { damagedModel } from './onnx-errors';
import { decodeModel } from './onnx-proto';
import { planGraph } from './planner';
import { validateGraph } from './validate';

/**
 * The ONNX importer: an ONNX file (opsets 11–18, as PyTorch exports it) parsed with protobufjs and run
 * with TF.js ops on the active TF.js backend (WebGPU, WebGL, WASM or CPU).
 */

export interface OnnxValueInfo {
  readonly name: string;
  /** Dimensions as the file states them: numbers, or names for free dimensions such as "batch". */
  readonly shape: (number | string)[];
}

export interface OnnxModel {
  readonly inputs: OnnxValueInfo[];
  readonly outputs: OnnxValueInfo[];
  /** The ONNX opset of the default domain. */
  readonly opset: number;
  /**
   * Runs the graph. Outputs are in ONNX's own layout (NCHW for 4-D, as ONNX Runtime gives them); int64
   * outputs come back as int32 (TF.js has no int64). Every intermediate tensor is disposed; the caller
   * owns the outputs and keeps ownership of the inputs. A 4-D input may be NCHW (default) or NHWC, and
   * 4-D outputs may be asked for as NHWC.
   */
  run(inputs: Record<string, tf.Tensor>, options?: RunOptions): Record<string, tf.Tensor>;
  /** Frees the weights uploaded at load. */
  dispose(): void;
}

export type { RunOptions };
export { supportedOperators } from './ops/registry';

/** A library's error at load (TF.js, an allocation) is said as ours, naming the file (loadModel adds the folder to ours). */
function inFile(e: unknown, name: string): TesseraError {
  if (e instanceof TesseraError) return e;
  return damagedModel(name, `it could not be prepared: ${e instanceof Error ? e.message : String(e)}`);
}

/**
 * Parses, validates and prepares an ONNX model: weights are laid out for NHWC and uploaded to the active
 * backend once, here. `name` (the file's name) is used in error messages. Refuses, with a TesseraError,
 * a damaged file, an opset outside 11..18, operators from other domains, and unsupported operators
 * (naming the operator and the node).
 */
export async function loadOnnxModel(bytes: Uint8Array, name = 'model.onnx'): Promise<OnnxModel> {
  await tf.ready();
  let graph: ReturnType<typeof buildGraph>;
  let plan: ReturnType<typeof planGraph>;
  try {
    graph = buildGraph(decodeModel(bytes, name), name);
    validateGraph(graph);
    plan = planGraph(graph);
  } catch (e) {
    throw inFile(e, name);
  }
  let disposed = false;
  return {
    inputs: describeValues(graph.inputs),
    outputs: describeValues(graph.outputs),
    opset: graph.opset,
    run(inputs, options) {
      if (disposed) throw new TesseraError('invalid-argument', `${name} was closed (disposed) and cannot run.`);
      return execute(plan, inputs, options);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const t of plan.owned) t.dispose();
    },
  };
}
