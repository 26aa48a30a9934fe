import type * as tf from '@tensorflow/tfjs';
import type { Manifest } from './manifest';

/** A model ready to run: the face every part of Tessera uses (tfjs-models' loadModel → { predict, dispose }). */
export interface Model {
  readonly manifest: Manifest;
  /** One input image as the model takes it: [height, width, channels]. */
  readonly inputShape: [number, number, number];
  /** The layout of predictRaw's 4-D outputs: NHWC for TF.js models, NCHW (ONNX's own) for ONNX models. */
  readonly rawLayout: 'nhwc' | 'nchw';
  /**
   * The activation the model had built in and that was taken off at load so that predictRaw gives the
   * output before it (the manifest's activation is then applied by predict); null when none was.
   */
  readonly strippedActivation: string | null;
  /** The TF.js backend the model's weights live on. */
  readonly backend: string;
  /** Rebuilds the model on the current backend when it changed since (a switch, or a fallback). */
  prepare(): Promise<void>;
  /**
   * A preprocessed NHWC batch → probabilities after the manifest's activation, classes last:
   * [n, classes] for classification, [n, h, w, classes] for segmentation. The caller disposes it.
   */
  predict(batch: tf.Tensor4D): tf.Tensor;
  /** The model's own output before the activation, in its own layout (see rawLayout). The caller disposes it. */
  predictRaw(batch: tf.Tensor4D): tf.Tensor;
  /** Both from one run of the model. The caller disposes both. */
  predictWithRaw(batch: tf.Tensor4D): { probabilities: tf.Tensor; raw: tf.Tensor };
  dispose(): void;
}

/** A dimension a model declares: a size, or null when it is free (the batch, a dynamic axis). */
export type Dim = number | null;

/** What one weights format gives loadModel: a model on the current backend and what it declares. */
export interface Runner {
  /** [height, width, channels] as the model declares its input. */
  inputShape: [Dim, Dim, Dim];
  /** The output without the batch axis, in NHWC order (classes last), when the model declares it. */
  outputShape?: Dim[];
  rawLayout: 'nhwc' | 'nchw';
  strippedActivation: string | null;
  /** Raw output of a NHWC batch, in the model's own layout. */
  run(batch: tf.Tensor4D): tf.Tensor;
  /** The same with classes last (NHWC for 4-D), when the format gives that without a transpose back. */
  runClassesLast?(batch: tf.Tensor4D): tf.Tensor;
  dispose(): void;
}

/** One weights format: read its files once, build a Runner (again after a backend change) from what was read. */
export interface FormatLoader<Source> {
  read(files: import('./model-files').ModelFiles, manifest: Manifest): Promise<Source>;
  build(source: Source, manifest: Manifest): Promise<Runner>;
}
