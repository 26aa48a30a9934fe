import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parity fixtures in test/fixtures/onnx (PyTorch exports with ONNX Runtime's outputs). */

export const FIXTURE_DIR = join(import.meta.dirname, '../../../../fixtures/onnx');

import type { FixtureOutput } from './activations';

export { activate, type FixtureOutput } from './activations';

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

