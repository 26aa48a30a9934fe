import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../../../../src/core/errors';
import { loadOnnxModel } from '../../../../src/inference/onnx';
import { FIXTURE_DIR } from './support/fixtures';
import { buildModel, node, randomTensor, tensorProto } from './support/onnx-builder';
import { onnxRoot } from './support/onnx-descriptor';
import { existsSync } from 'node:fs';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function refusal(bytes: Uint8Array, name = 'model.onnx'): Promise<TesseraError> {
  const before = tf.memory().numTensors;
  const err = await loadOnnxModel(bytes, name).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TesseraError);
  expect(tf.memory().numTensors, 'nothing uploaded for a refused model').toBe(before);
  return err as TesseraError;
}

const relu = (opset: number, op = 'Relu', name?: string) =>
  buildModel({ opset, inputs: [{ name: 'x', shape: [1, 3] }], outputs: [{ name: 'y' }], nodes: [node(op, ['x'], ['y'], {}, name)] });

const broken = join(FIXTURE_DIR, 'broken');

describe('the importer refuses what it cannot run, at load, saying why', () => {
  it.skipIf(!existsSync(join(broken, 'unsupported-op.onnx')))('an unsupported operator, named with its node (fixture)', async () => {
    const err = await refusal(new Uint8Array(readFileSync(join(broken, 'unsupported-op.onnx'))), 'warp.onnx');
    expect(err.code).toBe('unsupported');
    expect(err.message).toMatch(/^Operator "GridSample" \(node "\/warp\/GridSample", #\d+\) is not supported by Tessera's ONNX importer\.$/);
  });

  it('an unsupported operator in a built graph: operator, node name and index', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 3] }],
      outputs: [{ name: 'y' }],
      nodes: [node('Relu', ['x'], ['a']), node('Relu', ['a'], ['b']), node('Hardmax', ['b'], ['c'], {}, '/head/Hardmax_7'), node('Celu', ['c'], ['y'])],
    });
    const err = await refusal(bytes);
    expect(err.message).toBe(
      'Operator "Hardmax" (node "/head/Hardmax_7", #2) is not supported by Tessera\'s ONNX importer. The model also uses "Celu", which is not supported either.',
    );
  });

  it.skipIf(!existsSync(join(broken, 'truncated.onnx')))('a truncated file (fixture)', async () => {
    const err = await refusal(new Uint8Array(readFileSync(join(broken, 'truncated.onnx'))), 'glomeruli.onnx');
    expect(err.code).toBe('corrupt-file');
    expect(err.message).toMatch(/^glomeruli\.onnx is damaged or incomplete \(.+\): export it again/);
  });

  it('truncated at every tenth of its length, garbage, and an empty file', async () => {
    const good = buildModel({
      inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [node('Conv', ['x', 'w'], ['y'])],
      initializers: { w: randomTensor([2, 2, 3, 3], 1) },
    });
    for (let k = 1; k < 10; k++) {
      const err = await refusal(good.subarray(0, Math.floor((good.length * k) / 10)));
      expect(['corrupt-file', 'unsupported']).toContain(err.code);
      expect(err.message).toMatch(/model\.onnx/);
    }
    expect((await refusal(new TextEncoder().encode('<html>404 Not Found</html>'))).code).toBe('corrupt-file');
    expect((await refusal(new Uint8Array(0))).message).toMatch(/model\.onnx is damaged or incomplete \(the file is empty\)/);
  });

  it.each([9, 10, 19, 20])('opset %i (outside 11..18)', async (opset) => {
    const err = await refusal(relu(opset));
    expect(err.code).toBe('unsupported');
    expect(err.message).toContain(`uses ONNX opset ${opset}, and Tessera reads opsets 11 to 18`);
  });

  it.each([11, 18])('opset %i loads', async (opset) => {
    const m = await loadOnnxModel(relu(opset));
    expect(m.opset).toBe(opset);
    m.dispose();
  });

  it('an operator from another domain', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 3] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'FusedGemm', inputs: ['x'], outputs: ['y'], domain: 'com.microsoft', name: 'fg' }],
      extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
    });
    const err = await refusal(bytes);
    expect(err.message).toBe('Operator "com.microsoft.FusedGemm" (node "fg", #0) is not supported by Tessera\'s ONNX importer.');
  });

  it('a known operator used in an unsupported way (cubic Resize, 3-D Conv)', async () => {
    const cubic = buildModel({
      inputs: [{ name: 'x', shape: [1, 1, 4, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [node('Resize', ['x', '', 's'], ['y'], { mode: 'cubic' }, 'up')],
      initializers: { s: { dims: [4], data: [1, 1, 2, 2] } },
    });
    expect((await refusal(cubic)).message).toBe(
      'Operator "Resize" (node "up", #0) uses mode "cubic" (nearest and linear are supported), which Tessera\'s ONNX importer does not support.',
    );
    const conv3d = buildModel({
      inputs: [{ name: 'x', shape: [1, 1, 4, 4, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [node('Conv', ['x', 'w'], ['y'], {}, 'c3')],
      initializers: { w: randomTensor([1, 1, 3, 3, 3], 2) },
    });
    expect((await refusal(conv3d)).message).toMatch(/^Operator "Conv" \(node "c3", #0\) has a 3-D kernel/);
  });

  it('weights in an external file', async () => {
    const ModelProto = onnxRoot.lookupType('onnx.ModelProto');
    const w = { ...tensorProto('w', randomTensor([2], 1)), rawData: undefined, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }] };
    const bytes = ModelProto.encode(
      ModelProto.fromObject({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        graph: {
          node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
          initializer: [w],
          input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } }],
          output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
        },
      }),
    ).finish();
    const err = await refusal(bytes, 'big.onnx');
    expect(err.message).toMatch(/^big\.onnx keeps the weights of tensor "w" in a separate file \(ONNX external data\)/);
  });

  it('a node reading a value nothing produces', async () => {
    const bytes = buildModel({ inputs: [{ name: 'x', shape: [1] }], outputs: [{ name: 'y' }], nodes: [node('Add', ['x', 'ghost'], ['y'], {}, 'add')] });
    expect((await refusal(bytes)).message).toMatch(/node "add", #0 reads "ghost", which no node, input or initializer gives/);
  });

  it('run(): wrong input name, wrong shape, disposed model', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'image', shape: ['N', 3, 8, 8] }],
      outputs: [{ name: 'y' }],
      nodes: [node('Relu', ['image'], ['y'])],
    });
    const m = await loadOnnxModel(bytes, 'net.onnx');
    const x = tf.zeros([1, 3, 8, 8]);
    expect(() => m.run({ input: x })).toThrow('net.onnx takes the input "image", but was given "input".');
    const y = tf.zeros([1, 8, 8, 4]);
    expect(() => m.run({ image: y }, { inputLayout: 'nhwc' })).toThrow(
      'Input "image" of net.onnx should have shape [N, 3, 8, 8] (N, C, H, W), but the image batch has shape [1, 4, 8, 8] given as NHWC [1, 8, 8, 4]',
    );
    const fixed = await loadOnnxModel(
      buildModel({ inputs: [{ name: 'image', shape: [1, 3, 8, 8] }], outputs: [{ name: 'y' }], nodes: [node('Relu', ['image'], ['y'])] }),
      'fixed.onnx',
    );
    const batch = tf.zeros([4, 3, 8, 8]);
    expect(() => fixed.run({ image: batch })).toThrow(
      'fixed.onnx was exported for batches of exactly 1 image (input "image"), but was given 4: run it with that batch size, or export it again with torch.onnx.export(..., dynamic_axes={"image": {0: "batch"}}).',
    );
    tf.dispose(batch);
    fixed.dispose();
    // A free batch dimension takes any size.
    tf.dispose(m.run({ image: tf.zeros([5, 3, 8, 8]) }));
    m.dispose();
    expect(() => m.run({ image: x })).toThrow(/net\.onnx was closed/);
    tf.dispose([x, y]);
  });
});

describe('a run that fails midway', () => {
  it('names the node, and leaks no tensor', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: ['N', 2, 4, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [
        node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }),
        node('Relu', ['c'], ['r']),
        node('Reshape', ['r', 's'], ['y'], {}, '/head/Reshape'),
      ],
      initializers: { w: randomTensor([2, 2, 3, 3], 1), s: { dims: [2], data: [-1, 30], type: 7 } },
    });
    const m = await loadOnnxModel(bytes, 'net.onnx');
    const x = tf.zeros([1, 2, 4, 4]);
    const before = tf.memory().numTensors;
    let err: unknown;
    try {
      m.run({ x });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).message).toMatch(/^The model could not run: operator "Reshape" \(node "\/head\/Reshape", #2\) failed \(cannot reshape \[1, 2, 4, 4\] to \[-1, 30\]\)/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });
});
