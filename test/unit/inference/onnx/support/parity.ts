import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
export { maxAbsDiff, toNhwc } from '../../../../support/arrays';
import { maxAbsDiff, toNhwc } from '../../../../support/arrays';
import { loadOnnxModel } from '../../../../../src/inference/onnx';

ort.env.logLevel = 'error';

/** Runs the same bytes in ONNX Runtime (the reference) and in Tessera, and compares the outputs. */

export interface Feed {
  dims: number[];
  data: Float32Array | number[];
  type?: 'float32' | 'int64';
}

export async function runOrt(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<Record<string, { dims: number[]; data: Float32Array }>> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, f] of Object.entries(feeds)) {
    ortFeeds[k] =
      f.type === 'int64'
        ? new ort.Tensor('int64', BigInt64Array.from(Array.from(f.data, (v) => BigInt(v))), f.dims)
        : new ort.Tensor('float32', Float32Array.from(f.data), f.dims);
  }
  const res = await session.run(ortFeeds);
  const out: Record<string, { dims: number[]; data: Float32Array }> = {};
  for (const [k, t] of Object.entries(res)) {
    out[k] = { dims: [...t.dims], data: Float32Array.from(t.data as ArrayLike<number | bigint>, Number) };
  }
  await session.release();
  return out;
}



/**
 * With ONNX_DUMP_DIR set, each parity case is also written out (model, inputs, ORT's outputs) so the same
 * cases can be replayed on WebGPU/WebGL in Chromium (see the importer's report for the harness).
 */
let dumped = 0;
function dumpCase(bytes: Uint8Array, feeds: Record<string, Feed>, ref: Record<string, { dims: number[]; data: Float32Array }>): void {
  const root = process.env.ONNX_DUMP_DIR;
  if (!root) return;
  const dir = join(root, `${process.pid}-${dumped++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), bytes);
  const meta = {
    test: expect.getState().currentTestName,
    inputs: Object.entries(feeds).map(([name, f]) => ({ name, dims: f.dims, type: f.type ?? 'float32', data: Array.from(f.data) })),
    outputs: Object.entries(ref).map(([name, r]) => ({ name, dims: r.dims, data: Array.from(r.data) })),
  };
  writeFileSync(join(dir, 'case.json'), JSON.stringify(meta));
}

export interface ParityOptions {
  tolerance?: number;
  /** Also run with the 4-D inputs given as NHWC. */
  nhwc?: boolean;
}

/** Asserts Tessera's outputs equal ORT's (shape and values), and that the run leaks no tensor. */
export async function expectParity(bytes: Uint8Array, feeds: Record<string, Feed>, opts: ParityOptions = {}): Promise<number> {
  const tol = opts.tolerance ?? 1e-5;
  const ref = await runOrt(bytes, feeds);
  dumpCase(bytes, feeds, ref);
  const model = await loadOnnxModel(bytes, 'test.onnx');
  let worst = 0;
  const layouts: ('nchw' | 'nhwc')[] = opts.nhwc ? ['nchw', 'nhwc'] : ['nchw'];
  for (const layout of layouts) {
    const inputs: Record<string, tf.Tensor> = {};
    for (const [k, f] of Object.entries(feeds)) {
      const dtype = f.type === 'int64' ? 'int32' : 'float32';
      const nhwc = layout === 'nhwc' && f.dims.length === 4;
      const data = nhwc ? toNhwc(Float32Array.from(f.data), f.dims) : f.data;
      const dims = nhwc ? [f.dims[0], f.dims[2], f.dims[3], f.dims[1]] : f.dims;
      inputs[k] = tf.tensor(Array.from(data), dims, dtype);
    }
    const before = tf.memory().numTensors;
    const out = model.run(inputs, { inputLayout: layout });
    expect(Object.keys(out).sort()).toEqual(Object.keys(ref).sort());
    for (const [k, r] of Object.entries(ref)) {
      expect(out[k].shape, `output ${k} shape`).toEqual(r.dims);
      const d = maxAbsDiff(out[k].dataSync() as Float32Array, r.data);
      expect(d, `output ${k} (${layout} input): max abs diff`).toBeLessThanOrEqual(tol);
      worst = Math.max(worst, d);
    }
    Object.values(out).forEach((t) => t.dispose());
    expect(tf.memory().numTensors, 'tensors left after run').toBe(before);
    Object.values(inputs).forEach((t) => t.dispose());
  }
  model.dispose();
  return worst;
}
