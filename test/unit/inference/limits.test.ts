import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError, mulberry32 } from '../../../src/core';
import { filesFromMap, modelLimits, openModel, parseModelLimits, setModelLimits, validateManifest, DEFAULT_MODEL_LIMITS } from '../../../src/inference';
import { filesFromDirectory } from '../../../src/inference/node';
import { loadOnnxModel } from '../../../src/inference/onnx';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { useCpu } from './helpers';
import { buildModel, ints, node, randomTensor } from './onnx/support/onnx-builder';
import { onnxRoot } from './onnx/support/onnx-descriptor';

// Hostile model folders (issue 15): made here from the shipped models (links, sparse giants, huge sizes,
// truncations, bit flips) and from small built ONNX graphs (tensor and constant bombs). Each ends in one
// of our errors, naming the value, the limit and the file, before anything big is allocated.

const MODELS = resolve(import.meta.dirname, '../../../models');
const NUCLEI = join(MODELS, 'nuclei-segmentation');
const TFJS = fixture('models', 'iciar18-breast-tfjs');
const HAVE_TFJS = HAVE_FIXTURES && existsSync(join(TFJS, 'model.json'));

const tmp = mkdtempSync(join(tmpdir(), 'tessera-limits-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(useCpu);

/**
 * A budget a bug would pass by orders of magnitude: the biggest thing a hostile case could make us
 * allocate is gigabytes (a 100000 px input, /dev/zero read to the end, a 2^40-element tensor).
 */
const PEAK_RSS_BYTES = 2.5 * 1024 ** 3;
function expectWithinMemory(): void {
  expect(process.resourceUsage().maxRSS * 1024, 'peak resident memory of this test process').toBeLessThan(PEAK_RSS_BYTES);
}

/** A copy of a shipped model folder in the temp dir, to be mutated. */
function copyModel(from: string, name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const f of ['tessera.json', 'model.onnx', 'config.json', 'model.json', 'group1-shard1of1.bin']) if (existsSync(join(from, f))) copyFileSync(join(from, f), join(dir, f));
  return dir;
}

async function refusal(p: Promise<unknown>): Promise<TesseraError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TesseraError);
  expectWithinMemory();
  return err as TesseraError;
}

async function openDir(dir: string) {
  return openModel(await filesFromDirectory(dir));
}

describe('weights are regular files inside the model folder, read with a size cap', () => {
  it('a weights file that is a link to /dev/zero is refused before any byte is read', async () => {
    const dir = copyModel(NUCLEI, 'dev-zero');
    rmSync(join(dir, 'model.onnx'));
    symlinkSync('/dev/zero', join(dir, 'model.onnx'));
    const err = await refusal(openDir(dir));
    expect(err.message).toContain('model.onnx');
    expect(err.message).toContain('leads out of the model folder');
    expect(err.message).toContain('/dev/zero');
  });

  it('a link to a model outside the folder is refused; a link to a file inside it is read', async () => {
    const out = copyModel(NUCLEI, 'link-out');
    rmSync(join(out, 'model.onnx'));
    symlinkSync(join(NUCLEI, 'model.onnx'), join(out, 'model.onnx'));
    const err = await refusal(openDir(out));
    expect(err.message).toMatch(/model\.onnx in .*link-out is a link that leads out of the model folder/);

    const inside = copyModel(NUCLEI, 'link-in');
    copyFileSync(join(NUCLEI, 'model.onnx'), join(inside, 'real.bin'));
    rmSync(join(inside, 'model.onnx'));
    symlinkSync('real.bin', join(inside, 'model.onnx'));
    const bytes = await (await filesFromDirectory(inside)).read('model.onnx');
    // Buffer.equals: toEqual walks 2 MB element by element for tens of seconds.
    expect(Buffer.from(bytes!).equals(readFileSync(join(NUCLEI, 'model.onnx')))).toBe(true);
  });

  it('a dangling link and a link to a folder are refused, naming the file', async () => {
    const dir = copyModel(NUCLEI, 'dangling');
    rmSync(join(dir, 'model.onnx'));
    symlinkSync('nowhere.onnx', join(dir, 'model.onnx'));
    expect((await refusal(openDir(dir))).message).toMatch(/model\.onnx in .*dangling is a link to a file that does not exist/);
    const sub = copyModel(NUCLEI, 'to-folder');
    mkdirSync(join(sub, 'inner'));
    rmSync(join(sub, 'model.onnx'));
    symlinkSync('inner', join(sub, 'model.onnx'));
    expect((await refusal(openDir(sub))).message).toMatch(/model\.onnx in .*to-folder is not a regular file/);
  });

  it('a 3 GiB (sparse) weights file is refused from its size, naming the size and the limit', async () => {
    const dir = copyModel(NUCLEI, 'giant');
    truncateSync(join(dir, 'model.onnx'), 3 * 1024 ** 3);
    const err = await refusal(openDir(dir));
    expect(err.message).toContain('model.onnx');
    expect(err.message).toContain('3,221,225,472 bytes');
    expect(err.message).toContain('limit of 2,147,483,648 (maxWeightFileBytes)');
  });

  it('the limit is settable: a lower one refuses the shipped model, naming both numbers', async () => {
    const size = readFileSync(join(NUCLEI, 'model.onnx')).byteLength;
    const before = setModelLimits({ maxWeightFileBytes: 1_000_000 });
    try {
      const err = await refusal(openDir(NUCLEI));
      expect(err.message).toContain(`${size.toLocaleString('en')} bytes, over the limit of 1,000,000 (maxWeightFileBytes)`);
    } finally {
      setModelLimits(before);
    }
    expect(modelLimits().maxWeightFileBytes).toBe(DEFAULT_MODEL_LIMITS.maxWeightFileBytes);
    expect(parseModelLimits('maxInputSide=8192, maxWeightFileBytes=10')).toEqual({ maxInputSide: 8192, maxWeightFileBytes: 10 });
    expect(() => parseModelLimits('maxBogus=1')).toThrow(/"maxBogus" is not a model limit/);
    expect(() => setModelLimits({ maxInputSide: -1 })).toThrow(/positive whole number/);
  });

  it.skipIf(!HAVE_TFJS)('TF.js: a shard linked to /dev/zero and a truncated model.json are refused, naming the file', async () => {
    const dir = copyModel(TFJS, 'tfjs-zero');
    rmSync(join(dir, 'group1-shard1of1.bin'));
    symlinkSync('/dev/zero', join(dir, 'group1-shard1of1.bin'));
    expect((await refusal(openDir(dir))).message).toMatch(/group1-shard1of1\.bin in .*tfjs-zero is a link that leads out of the model folder/);

    const cut = copyModel(TFJS, 'tfjs-cut');
    const json = readFileSync(join(cut, 'model.json'));
    writeFileSync(join(cut, 'model.json'), json.subarray(0, json.length >> 1));
    expect((await refusal(openDir(cut))).message).toMatch(/model\.json in .*tfjs-cut is not valid JSON/);
  });

  it.skipIf(!HAVE_TFJS)('TF.js: a topology asking for 6.4 billion weights ends in our words, the library\'s in the detail', async () => {
    const dir = copyModel(TFJS, 'tfjs-bomb');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    json.modelTopology.model_config.config.layers.find((l: { class_name: string }) => l.class_name === 'Conv2D').config.filters = 1e8;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const err = await refusal(openDir(dir));
    expect(err.message).toMatch(/The TF\.js layers model could not be built from model\.json and its weights files: .*copy or export the model again\. \(model folder: .*tfjs-bomb\)/);
    expect(err.detail).toMatch(/Invalid typed array length/);
  });
});

describe('model input sizes', () => {
  it('an input size of 100000 (the model has free input dimensions) is refused before any allocation', async () => {
    const dir = copyModel(NUCLEI, 'huge-input');
    const manifest = JSON.parse(readFileSync(join(dir, 'tessera.json'), 'utf8'));
    manifest.input.size = [100000, 100000];
    writeFileSync(join(dir, 'tessera.json'), JSON.stringify(manifest));
    const bytesBefore = tf.memory().numBytes;
    const err = await refusal(openDir(dir));
    expect(err.message).toContain('input.size is [100000,100000], over the limit of 4096 pixels a side (maxInputSide)');
    expect(tf.memory().numBytes).toBe(bytesBefore);
    // A WSInfer config's patch size goes through the same check.
    expect(() => validateManifest({ spec_version: '1.0', architecture: 'x', num_classes: 2, class_names: ['a', 'b'], patch_size_pixels: 50000, spacing_um_px: 0.5, transform: [] }, { format: 'onnx', source: 'config.json' }))
      .toThrow(/config\.json: input\.size is \[50000,50000\], over the limit of 4096/);
  });
});

/** An ONNX model built small, then given an initializer whose dimensions say something else. */
function withInitializerDims(dims: number[]): Uint8Array {
  const bytes = buildModel({
    inputs: [{ name: 'x', shape: [1, 4] }],
    outputs: [{ name: 'y' }],
    nodes: [node('Add', ['x', 'w'], ['y'])],
    initializers: { w: randomTensor([1, 4], 3) },
  });
  const ModelProto = onnxRoot.lookupType('onnx.ModelProto');
  const msg = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as { graph: { initializer: { dims: number[] }[] } };
  msg.graph.initializer[0].dims = dims;
  return ModelProto.encode(ModelProto.fromObject(msg)).finish();
}

describe('tensor sizes in the ONNX importer', () => {
  it('an initializer of 2^40 elements, and one whose dimensions overflow, are refused before allocation', async () => {
    const big = await refusal(loadOnnxModel(withInitializerDims([2 ** 20, 2 ** 20]), 'bomb.onnx'));
    expect(big.message).toContain('bomb.onnx: tensor "w" has shape [1048576, 1048576], 1,099,511,627,776 elements, over the limit of 268,435,456 (maxTensorElements)');
    const overflow = await refusal(loadOnnxModel(withInitializerDims([2 ** 40, 2 ** 40, 2 ** 40]), 'bomb.onnx'));
    expect(overflow.message).toContain('more elements than can be counted');
    expect(overflow.message).toContain('bomb.onnx');
  });

  it('load-time bombs (ConstantOfShape, Range, Expand of a constant) are refused naming the node and the limit', async () => {
    const cos = buildModel({
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [node('ConstantOfShape', ['s'], ['c']), node('Add', ['x', 'c'], ['y'])],
      initializers: { s: ints([1_000_000, 1_000_000]) },
    });
    const a = await refusal(loadOnnxModel(cos, 'cos.onnx'));
    expect(a.message).toMatch(/ConstantOfShape.*has shape \[1000000, 1000000\].*over the limit of 67,108,864 \(maxConstantElements\)/);

    const range = buildModel({
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [node('Range', ['a', 'b', 'd'], ['r']), node('Add', ['x', 'r'], ['y'])],
      initializers: { a: ints([0], []), b: ints([1e12], []), d: ints([1], []) },
    });
    expect((await refusal(loadOnnxModel(range, 'range.onnx'))).message).toMatch(/Range.*maxConstantElements/);

    const expand = buildModel({
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [node('Expand', ['w', 's'], ['e']), node('Add', ['x', 'e'], ['y'])],
      initializers: { w: randomTensor([1, 4], 2), s: ints([100000, 100000, 4]) },
    });
    expect((await refusal(loadOnnxModel(expand, 'expand.onnx'))).message).toMatch(/Expand.*over the limit of 67,108,864 \(maxConstantElements\)/);
  });

  it('a Reshape to a huge shape is refused at load (a constant) and at run time (the input), in our words', async () => {
    const folded = buildModel({
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [node('Reshape', ['w', 's'], ['r']), node('Add', ['x', 'r'], ['y'])],
      initializers: { w: randomTensor([1, 4], 2), s: ints([1_000_000, 1_000_000]) },
    });
    expect((await refusal(loadOnnxModel(folded, 'reshape.onnx'))).message).toMatch(/Operator "Reshape" .* cannot be computed at load \(cannot reshape \[1, 4\] to \[1000000, 1000000\]\)/);
    const model = await loadOnnxModel(buildModel({ inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y' }], nodes: [node('Reshape', ['x', 's'], ['y'])], initializers: { s: ints([1_000_000, 1_000_000]) } }), 'reshape.onnx');
    const x = tf.ones([1, 4]);
    try {
      expect(() => model.run({ x })).toThrow(/The model could not run: operator "Reshape" .* failed \(cannot reshape \[1, 4\] to \[1000000, 1000000\]\)/);
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it('run-time bombs (Expand, Tile on the input with constant sizes) are refused before the backend allocates', async () => {
    for (const [op, arg] of [['Expand', ints([100000, 100000, 4])], ['Tile', ints([100000, 100000])]] as const) {
      const model = await loadOnnxModel(buildModel({
        inputs: [{ name: 'x', shape: [1, 4] }],
        outputs: [{ name: 'y' }],
        nodes: [node(op, ['x', 's'], ['y'])],
        initializers: { s: arg },
      }), `${op}.onnx`);
      try {
        const x = tf.ones([1, 4]);
        const err = (() => {
          try {
            model.run({ x });
          } catch (e) {
            return e;
          }
        })();
        x.dispose();
        expect(err, op).toBeInstanceOf(TesseraError);
        expect((err as TesseraError).message).toMatch(new RegExp(`The output of ${op} has shape .* over the limit of 268,435,456 \\(maxTensorElements\\)`));
        expectWithinMemory();
      } finally {
        model.dispose();
      }
    }
  });
});

/** Seeded (mulberry32): the same cases on every run, so a failure reproduces. */
const random = mulberry32;

describe('mutations of a shipped model end in the model loading or in our error', () => {
  const manifest = readFileSync(join(NUCLEI, 'tessera.json'));
  const onnx = new Uint8Array(readFileSync(join(NUCLEI, 'model.onnx')));

  /** Either a model (disposed at once) or a TesseraError that names the file or the folder. */
  async function loadsOrRefuses(bytes: Uint8Array, label: string): Promise<'loaded' | 'refused'> {
    const before = tf.memory().numTensors;
    const out = await openModel(filesFromMap({ 'tessera.json': manifest, 'model.onnx': bytes }, 'hostile/nuclei')).then(
      (m) => (m.dispose(), 'loaded' as const),
      (e: unknown) => e,
    );
    expectWithinMemory();
    expect(tf.memory().numTensors, `${label}: nothing left on the backend`).toBe(before);
    if (out === 'loaded') return out;
    expect(out, `${label}: ${String(out)}`).toBeInstanceOf(TesseraError);
    expect((out as TesseraError).message, label).toMatch(/model\.onnx|hostile\/nuclei/);
    expect((out as TesseraError).message, label).not.toMatch(/Offset is outside|Invalid typed array length|index out of range|undefined/);
    return 'refused';
  }

  it('truncations at seeded lengths are refused', async () => {
    const next = random(15);
    for (let i = 0; i < 6; i++) {
      const at = Math.floor(next() * onnx.length);
      expect(await loadsOrRefuses(onnx.subarray(0, at), `truncated at ${at}`), `truncated at ${at}`).toBe('refused');
    }
  }, 60_000);

  it('seeded bit flips load or are refused, never a library error', async () => {
    const next = random(1515);
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const bytes = onnx.slice();
      // Flips in the first 64 KiB hit the graph's structure (nodes, shapes), not only weight values.
      for (let k = 0; k < 4; k++) bytes[Math.floor(next() * Math.min(65536, bytes.length))] ^= 1 << Math.floor(next() * 8);
      outcomes.push(await loadsOrRefuses(bytes, `bit flips #${i}`));
    }
    expect(outcomes).toHaveLength(6);
  }, 60_000);
});
