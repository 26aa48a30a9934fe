import * as tf from '@tensorflow/tfjs';
import { TesseraError } from '../core';
import { currentBackend, initBackend } from './backend';
import { checkModelInput, checkModelOutput } from './check-model';
import { tfjsGraphLoader } from './load-tfjs-graph';
import { tfjsLayersLoader } from './load-tfjs-layers';
import { MODEL_FORMATS, inputChannelCount, positiveClassIndex, type Manifest, type ModelFormat } from './manifest';
import type { Dim, FormatLoader, Model, Runner } from './model';
import type { ModelFiles } from './model-files';
import { applyActivation } from './postprocess/apply-activation';
import { readManifest } from './read-manifest';

const LOADERS: Record<ModelFormat, () => Promise<FormatLoader<unknown>>> = {
  'tfjs-layers': async () => tfjsLayersLoader as FormatLoader<unknown>,
  'tfjs-graph': async () => tfjsGraphLoader as FormatLoader<unknown>,
  // The ONNX importer is loaded only for ONNX models.
  onnx: async () => (await import('./load-onnx')).onnxLoader as FormatLoader<unknown>,
};

/** NCHW → NHWC for 4-D outputs of models that give ONNX's layout; classes end up last either way. */
function classesLast(raw: tf.Tensor, layout: 'nhwc' | 'nchw'): tf.Tensor {
  return layout === 'nchw' && raw.rank === 4 ? tf.transpose(raw, [0, 2, 3, 1]) : raw;
}

/** The output shape without the batch axis, classes last, from one run on a blank image when the model does not declare it. */
function outputShape(runner: Runner, manifest: Manifest): Dim[] {
  if (runner.outputShape && runner.outputShape.every((d) => d !== null)) return runner.outputShape;
  const [h, w] = manifest.input.size;
  try {
    return tf.tidy(() => classesLast(runner.run(tf.zeros([1, h, w, inputChannelCount(manifest.input)])), runner.rawLayout).shape.slice(1));
  } catch (e) {
    throw new TesseraError('invalid-argument', `${manifest.name}: the model could not run on a ${h} x ${w} x ${inputChannelCount(manifest.input)} input as its manifest describes it.`, e instanceof Error ? e.message : String(e));
  }
}

/**
 * Loads a model described by a validated manifest from its files, on the current backend (starting one
 * by the default order when none is running). A manifest that disagrees with its model (input size,
 * channel count, class count, task) is refused here, with the reason.
 */
export async function loadModel(manifest: Manifest, files: ModelFiles): Promise<Model> {
  const loaderOf = Object.hasOwn(LOADERS, manifest.format) ? LOADERS[manifest.format] : undefined;
  if (!loaderOf) throw new TesseraError('unsupported', `Model format "${String(manifest.format)}" is not supported (formats: ${MODEL_FORMATS.join(', ')}).`);
  if (!currentBackend() && !(tf.engine() as unknown as { backendName?: string }).backendName) await initBackend();
  const loader = await loaderOf();
  let source: unknown;
  let runner: Runner;
  try {
    source = await loader.read(files, manifest);
    runner = await loader.build(source, manifest);
  } catch (e) {
    throw ourWords(e, manifest, files);
  }
  try {
    checkModelInput(manifest, runner.inputShape);
    checkModelOutput(manifest, outputShape(runner, manifest));
  } catch (e) {
    runner.dispose();
    throw ourWords(e, manifest, files);
  }

  const [h, w] = manifest.input.size;
  const c = inputChannelCount(manifest.input);
  const positive = positiveClassIndex(manifest);
  const activateClassesLast = (out: tf.Tensor): tf.Tensor => applyActivation(out, manifest.output.activation, manifest.output.classes.length, positive);
  const activate = (raw: tf.Tensor): tf.Tensor => activateClassesLast(classesLast(raw, runner.rawLayout));
  let builtOn = tf.getBackend();
  let rebuilding: Promise<void> | null = null;
  let disposed = false;

  const ready = (batch: tf.Tensor4D): void => {
    if (disposed) throw new TesseraError('internal', `${manifest.name} was disposed.`);
    if (tf.getBackend() !== builtOn) throw new TesseraError('internal', `${manifest.name} was built on ${builtOn} but the backend is now ${tf.getBackend()}; call prepare() first.`);
    const [, bh, bw, bc] = batch.shape;
    if (bh !== h || bw !== w || bc !== c) throw new TesseraError('invalid-argument', `${manifest.name} takes ${h} x ${w} x ${c} images, got ${bh} x ${bw} x ${bc}.`);
  };

  return {
    manifest,
    inputShape: [h, w, c],
    rawLayout: runner.rawLayout,
    strippedActivation: runner.strippedActivation,
    get backend() {
      return builtOn;
    },
    async prepare() {
      if (disposed) throw new TesseraError('internal', `${manifest.name} was disposed.`);
      if (tf.getBackend() === builtOn) return;
      rebuilding ??= (async () => {
        try {
          runner.dispose();
        } catch {
          // The old backend may be gone (a lost GPU device); its memory went with it.
        }
        runner = await loader.build(source, manifest);
        builtOn = tf.getBackend();
      })().finally(() => {
        rebuilding = null;
      });
      await rebuilding;
    },
    predictRaw(batch) {
      ready(batch);
      return runner.run(batch);
    },
    predict(batch) {
      ready(batch);
      return tf.tidy(() => (runner.runClassesLast ? activateClassesLast(runner.runClassesLast(batch)) : activate(runner.run(batch))));
    },
    predictWithRaw(batch) {
      ready(batch);
      const raw = runner.run(batch);
      return { raw, probabilities: tf.tidy(() => activate(raw)) };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      runner.dispose();
    },
  };
}

/**
 * A refusal while loading says which model folder it is about; anything a library threw (TF.js,
 * protobuf, an allocation that failed) becomes ours: what is wrong, which file, what to do.
 */
function ourWords(e: unknown, manifest: Manifest, files: ModelFiles): TesseraError {
  if (e instanceof TesseraError) {
    return e.message.includes(files.location) ? e : new TesseraError(e.code, `${e.message} (model folder: ${files.location})`, e.detail);
  }
  const detail = e instanceof Error ? e.message : String(e);
  return new TesseraError(
    'corrupt-file',
    `The model ${manifest.weights} in ${files.location} could not be loaded: its files are damaged or do not match its manifest; copy or export the model again.`,
    detail,
  );
}

/** Reads the manifest beside a model (tessera.json, else a WSInfer config.json) and loads the model. */
export async function openModel(files: ModelFiles): Promise<Model> {
  return loadModel(await readManifest(files), files);
}
