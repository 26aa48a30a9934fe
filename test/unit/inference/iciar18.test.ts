import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesFromMap, openModel, predict, type Model } from '../../../src/inference';
import { preprocessBatch } from '../../../src/inference/preprocess-batch';
import { filesFromDirectory } from '../../../src/inference/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { expectClose, useCpu } from './helpers';
import { ICIAR18_PATCHES, readPatch, type Iciar18Record } from './iciar18-patches';

// ../shared/fixtures/models/iciar18-breast-tfjs: a real TF.js layers model (camicroscope's IRRCNN for
// the ICIAR 2018 BACH breast classes) with a WSInfer config.json. Test material only, never shipped.
// The CPU backend's probabilities are recorded in reference/iciar18-cpu.json (TESSERA_RECORD=1 writes
// them); the browser test checks WebGPU against the same file.
const RECORD = join(dirname(fileURLToPath(import.meta.url)), 'reference', 'iciar18-cpu.json');
const DIR = fixture('models', 'iciar18-breast-tfjs');

describe.skipIf(!HAVE_FIXTURES)(`ICIAR 2018 TF.js fixture model${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  let model: Model;
  beforeAll(async () => {
    await useCpu();
    model = await openModel(await filesFromDirectory(DIR));
  });
  afterAll(() => model?.dispose());

  it('loads through its WSInfer config.json as it is', () => {
    expect(model.manifest.format).toBe('tfjs-layers');
    expect(model.manifest.output.classes.map((c) => c.name)).toEqual(['Normal', 'Benign', 'InSitu', 'Invasive']);
    expect(model.inputShape).toEqual([128, 128, 3]);
    // Its last Dense layer has softmax built in: taken off, so softmax is applied once and raw is the logits.
    expect(model.strippedActivation).toBe('softmax');
  });

  // The CPU backend runs this model at a few seconds per patch: each run gets its own, generous, time.
  const images = () => Promise.all(ICIAR18_PATCHES.map(readPatch));
  const recorded = JSON.parse(readFileSync(RECORD, 'utf8')) as Iciar18Record;
  const fresh: { probabilities: number[][]; unscaled: number[][] } = { probabilities: [], unscaled: [] };

  it('predicts on real H&E patches on the CPU backend: the recorded probabilities', { timeout: 300_000 }, async () => {
    const before = tf.memory().numTensors;
    const results = await predict(model, await images(), { batchSize: 4, raw: true });
    expect(tf.memory().numTensors).toBe(before);
    for (const r of results) {
      expectClose([r.probabilities.reduce((a, b) => a + b, 0)], [1], 1e-6);
      const e = Array.from(r.raw!).map(Math.exp);
      expectClose(r.probabilities, e.map((v) => v / e.reduce((a, b) => a + b, 0)), 1e-6);
    }
    fresh.probabilities = results.map((r) => Array.from(r.probabilities));
    expect(recorded.patches.map(({ probabilities: _, unscaledProbabilities: __, ...p }) => p)).toEqual([...ICIAR18_PATCHES]);
    if (!process.env.TESSERA_RECORD) recorded.patches.forEach((p, i) => expectClose(fresh.probabilities[i], p.probabilities, 1e-6));
  });

  it('and with 0-255 pixels straight into the model, where its outputs differ between patches', { timeout: 300_000 }, async () => {
    const before = tf.memory().numTensors;
    const batch = await preprocessBatch(await images(), { ...model.manifest, input: { ...model.manifest.input, scale: 1 } }, { batchSize: 4 });
    const out = model.predict(batch);
    const v = Array.from(await out.data());
    tf.dispose([batch, out]);
    expect(tf.memory().numTensors).toBe(before);
    fresh.unscaled = ICIAR18_PATCHES.map((_, i) => v.slice(i * 4, i * 4 + 4));
    if (!process.env.TESSERA_RECORD) recorded.patches.forEach((p, i) => expectClose(fresh.unscaled[i], p.unscaledProbabilities, 1e-6));
  });

  afterAll(() => {
    if (!process.env.TESSERA_RECORD || fresh.unscaled.length === 0 || fresh.probabilities.length === 0) return;
    const record: Iciar18Record = {
      about: 'Probabilities of ../shared/fixtures/models/iciar18-breast-tfjs on real H&E patches, TF.js CPU backend in Node, written by iciar18.test.ts with TESSERA_RECORD=1',
      tfjs: tf.version.tfjs,
      backend: tf.getBackend(),
      classes: model.manifest.output.classes.map((c) => c.name),
      patches: ICIAR18_PATCHES.map((p, i) => ({ ...p, probabilities: fresh.probabilities[i], unscaledProbabilities: fresh.unscaled[i] })),
    };
    writeFileSync(RECORD, `${JSON.stringify(record, null, 1)}\n`);
  });

  describe('refusals on the real model', () => {
    const files = () => Object.fromEntries(['config.json', 'model.json', 'group1-shard1of1.bin'].map((n) => [n, new Uint8Array(readFileSync(join(DIR, n)))]));
    const config = JSON.parse(readFileSync(join(DIR, 'config.json'), 'utf8'));

    it('a truncated weights file', async () => {
      const f = files();
      f['group1-shard1of1.bin'] = f['group1-shard1of1.bin'].slice(0, 1_000_000);
      await expect(openModel(filesFromMap(f, DIR))).rejects.toThrow(/The weights file group1-shard1of1\.bin is truncated: it holds 1,000,000 bytes, but model\.json's weightsManifest describes 2,347,408/);
    });

    it('a missing shard', async () => {
      const { 'group1-shard1of1.bin': _, ...f } = files();
      await expect(openModel(filesFromMap(f, DIR))).rejects.toThrow(`model.json names the weights file group1-shard1of1.bin, which is missing from ${DIR}.`);
    });

    it('a config that disagrees with the model: input size, class count', async () => {
      const before = tf.memory().numTensors;
      const wrongSize = { ...config, patch_size_pixels: 224, transform: [{ name: 'Resize', arguments: { size: 224 } }, { name: 'ToTensor' }] };
      await expect(openModel(filesFromMap({ ...files(), 'config.json': JSON.stringify(wrongSize) }, DIR))).rejects.toThrow(
        'irrcnn: the manifest says input.size [224, 224] (height, width), but the model takes 128 x 128 pixels.',
      );
      const wrongClasses = { ...config, num_classes: 3, class_names: ['Normal', 'Benign', 'Invasive'] };
      await expect(openModel(filesFromMap({ ...files(), 'config.json': JSON.stringify(wrongClasses) }, DIR))).rejects.toThrow(
        'irrcnn: the manifest lists 3 classes (Normal, Benign, Invasive), but the model gives 4 outputs per image.',
      );
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
