import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parity fixtures in test/fixtures/onnx (PyTorch exports with ONNX Runtime's outputs). */

export const FIXTURE_DIR = join(import.meta.dirname, '../../../../fixtures/onnx');

export interface FixtureOutput {
  name: string;
  shape: number[];
  activation: 'softmax' | 'sigmoid' | 'none';
  axis?: number;
  file: string;
}

export interface Fixture {
  name: string;
  dir: string;
  opset: number;
  input: { name: string; shape: number[]; file: string };
  outputs: FixtureOutput[];
  tolerance: number;
}

export function listFixtures(): Fixture[] {
  if (!existsSync(FIXTURE_DIR)) return [];
  return readdirSync(FIXTURE_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(FIXTURE_DIR, d.name, 'meta.json')) && existsSync(join(FIXTURE_DIR, d.name, 'model.onnx')))
    .map((d) => {
      const meta = JSON.parse(readFileSync(join(FIXTURE_DIR, d.name, 'meta.json'), 'utf8'));
      return { ...meta, name: d.name, dir: join(FIXTURE_DIR, d.name), tolerance: meta.tolerance ?? 1e-4 } as Fixture;
    })
    .filter((f) => f.input && f.outputs);
}

export function readFloats(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export const modelBytes = (f: Fixture) => new Uint8Array(readFileSync(join(f.dir, 'model.onnx')));
export const inputData = (f: Fixture) => readFloats(join(f.dir, f.input.file));
export const referenceOutput = (f: Fixture, o: FixtureOutput) => readFloats(join(f.dir, o.file));

/** The output activation named in meta.json, in float64: softmax over `axis`, sigmoid, or none. */
export function activate(data: ArrayLike<number>, o: FixtureOutput): Float64Array {
  const out = Float64Array.from(data);
  if (o.activation === 'sigmoid') return out.map((v) => 1 / (1 + Math.exp(-v)));
  if (o.activation !== 'softmax') return out;
  const axis = o.axis ?? 1;
  const dim = o.shape[axis];
  const inner = o.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = out.length / (dim * inner);
  for (let a = 0; a < outer; a++)
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => (a * dim + k) * inner + i;
      let max = -Infinity;
      for (let k = 0; k < dim; k++) max = Math.max(max, out[at(k)]);
      let sum = 0;
      for (let k = 0; k < dim; k++) sum += Math.exp(out[at(k)] - max);
      for (let k = 0; k < dim; k++) out[at(k)] = Math.exp(out[at(k)] - max) / sum;
    }
  return out;
}
