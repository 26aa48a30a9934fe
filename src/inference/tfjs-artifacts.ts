import * as tf from '@tensorflow/tfjs';
import { TesseraError, concatBytes } from '../core';
import { readJson, type ModelFiles } from './model-files';

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Bytes one weights-manifest entry takes in its shard (quantized weights take their quantized size). */
function entryBytes(entry: tf.io.WeightsManifestEntry): number | undefined {
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const per = BYTES_PER[dtype];
  return per === undefined ? undefined : entry.shape.reduce((a, b) => a * b, 1) * per;
}

/** A shard's name as it sits beside model.json ("./group1-shard1of1.bin" → "group1-shard1of1.bin"). */
function shardName(path: string): string {
  return decodeURIComponent(path.replace(/^\.\//, ''));
}

/**
 * Reads a TF.js model.json and its weight shards into ModelArtifacts held in memory (so the model can be
 * rebuilt on another backend without reading the files again). Refuses, naming the file: a model.json
 * that is not a TF.js model, a shard that is missing, and shards whose byte count differs from what the
 * weightsManifest's specs add up to (a truncated or mismatched weights file).
 */
export async function readTfjsArtifacts(files: ModelFiles, modelJsonName: string): Promise<tf.io.ModelArtifacts> {
  const json = await readJson(files, modelJsonName);
  if (json === null) throw new TesseraError('corrupt-file', `The manifest names ${modelJsonName} as the model, which is not in ${files.location}.`);
  const modelJson = json as tf.io.ModelJSON;
  if (typeof modelJson !== 'object' || !modelJson.modelTopology) {
    throw new TesseraError('corrupt-file', `${modelJsonName} in ${files.location} is not a TF.js model (it has no modelTopology).`);
  }
  const groups = modelJson.weightsManifest ?? [];
  if (!Array.isArray(groups)) throw new TesseraError('corrupt-file', `${modelJsonName}: weightsManifest must be a list of weight groups.`);
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: Uint8Array[] = [];
    for (const group of manifest) {
      const names = (group.paths ?? []).map(shardName);
      const shards: Uint8Array[] = [];
      for (const name of names) {
        const bytes = name.includes('/') ? null : await files.read(name);
        if (!bytes) throw new TesseraError('corrupt-file', `${modelJsonName} names the weights file ${name}, which is missing from ${files.location}.`);
        shards.push(bytes);
      }
      const sizes = group.weights.map(entryBytes);
      const actual = shards.reduce((a, s) => a + s.byteLength, 0);
      if (sizes.every((s) => s !== undefined)) {
        const expected = (sizes as number[]).reduce((a, b) => a + b, 0);
        if (actual !== expected) {
          const what = actual < expected ? 'truncated' : 'longer than its model.json says (a mismatched file)';
          throw new TesseraError(
            'truncated',
            `The weights file ${names.join(', ')} is ${what}: it holds ${actual.toLocaleString('en')} bytes, but ${modelJsonName}'s weightsManifest describes ${expected.toLocaleString('en')}.`,
          );
        }
      }
      specs.push(...group.weights);
      buffers.push(...shards);
    }
    return [specs, concatBytes(buffers).buffer];
  });
}
