/**
 * The benchmark's input, made the same way in the page and in Node (for ONNX Runtime and PyTorch):
 * 16 images of 3 x 224 x 224 in NCHW, values uniform in [-2, 2) from a seeded mulberry32 (the same
 * generator as bench/lib.ts, repeated here because that file is Node-only). Batch b is the first b images.
 */
export const SIZE = 224;
export const INPUT_SEED = 20240612;

export function benchInput(batch: number, seed = INPUT_SEED): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(batch * 3 * SIZE * SIZE);
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 4 - 2;
  }
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
