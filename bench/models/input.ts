/**
 * The benchmark's input, made the same way in the page and in Node (for ONNX Runtime and PyTorch):
 * 16 images of 3 x 224 x 224 in NCHW, values uniform in [-2, 2) from a seeded mulberry32. Batch b is the first b images.
 */
import { mulberry32 } from '../../test/support/seeded-random';

export const SIZE = 224;
export const INPUT_SEED = 20240612;

export function benchInput(batch: number, seed = INPUT_SEED): Float32Array {
  const random = mulberry32(seed);
  const out = new Float32Array(batch * 3 * SIZE * SIZE);
  for (let i = 0; i < out.length; i++) out[i] = random() * 4 - 2;
  return out;
}

/** (N, 3, H, W) → (N, H, W, 3), as Tessera's runtime feeds the model. */
export function nchwToNhwc(data: Float32Array, batch: number): Float32Array {
  const hw = SIZE * SIZE;
  const out = new Float32Array(data.length);
  for (let b = 0; b < batch; b++) {
    const src = b * 3 * hw;
    for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) out[(b * hw + p) * 3 + c] = data[src + c * hw + p];
  }
  return out;
}
