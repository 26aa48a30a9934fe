import { describe, expect, it } from 'vitest';
import { fallbackOrder } from '../../../src/inference/worker/choose-backend';

describe('fallbackOrder: where a model goes when its backend fails', () => {
  it('puts the chosen backend first, then those that ran the model by speed, then wasm and cpu, then those stopped early', () => {
    const rates = [
      { backend: 'wasm' as const, imagesPerSecond: 3.8 },
      { backend: 'webgpu' as const, imagesPerSecond: null, note: '0.2 GFLOP/s on a convolution probe' },
      { backend: 'webgl' as const, imagesPerSecond: 0.4 },
    ];
    expect(fallbackOrder('wasm', rates)).toEqual(['wasm', 'webgl', 'cpu', 'webgpu']);
    expect(fallbackOrder('webgpu', rates)).toEqual(['webgpu', 'wasm', 'webgl', 'cpu']);
    expect(fallbackOrder('webgl', [])).toEqual(['webgl', 'wasm', 'cpu']);
  });
});
