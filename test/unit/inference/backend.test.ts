import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  currentBackend, describeBackend, filesFromMap, initBackend, onBackendEvent, openModel, predict, switchBackend, validateBackendConfig, type BackendEvent,
} from '../../../src/inference';
import { backendGeneration, recoverBackend } from '../../../src/inference/backend';
import { expectClose, tesseraJson, testImage, tinyLayersModel } from './helpers';

tf.env().set('PROD', true);

// Node has neither WebGPU nor WebGL: the default order falls through to wasm, and says so.
describe('backends in Node', () => {
  it('starts the first backend that works (wasm here) and reports the ones it skipped', async () => {
    const events: BackendEvent[] = [];
    const stop = onBackendEvent((e) => events.push(e));
    const info = await initBackend();
    stop();
    expect(info).toEqual({ name: 'wasm', adapter: null, wasm: { simd: true, threads: 1 } });
    expect(tf.getBackend()).toBe('wasm');
    expect(currentBackend()).toEqual(info);
    expect(events.map((e) => (e.type === 'fallback' ? `${e.from} → ${e.to}` : `ready ${e.backend.name}`))).toEqual(['webgpu → wasm', 'webgl → wasm', 'ready wasm']);
    const first = events[0] as Extract<BackendEvent, { type: 'fallback' }>;
    expect(first.message).toBe('WebGPU is not available (this browser has no WebGPU); using WebAssembly instead.');
    expect(describeBackend(info)).toBe('WebAssembly · SIMD, one thread');
  });

  it('switches backend; a model loaded before rebuilds itself on the new one with the same results', async () => {
    await initBackend();
    const files = await tinyLayersModel({ size: [8, 8], channels: 3, classes: 3 });
    const model = await openModel(filesFromMap({ ...files, 'tessera.json': tesseraJson({}) }));
    expect(model.backend).toBe('wasm');
    const images = [testImage(8, 8, 'rgb', 1), testImage(8, 8, 'rgb', 2)];
    const onWasm = await predict(model, images);
    const generation = backendGeneration();
    expect((await switchBackend('cpu')).name).toBe('cpu');
    expect(backendGeneration()).toBe(generation + 1);
    const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    expect(() => model.predict(x)).toThrow(/was built on wasm but the backend is now cpu; call prepare\(\) first/);
    x.dispose();
    const onCpu = await predict(model, images);
    expect(model.backend).toBe('cpu');
    onWasm.forEach((p, i) => expectClose(onCpu[i].probabilities, p.probabilities, 1e-5));
    // The weights left on wasm were disposed with the old model.
    const cpuTensors = tf.memory().numTensors;
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThan(cpuTensors);
    expect(await recoverBackend(backendGeneration())).toBe(false);
  });

  it('falls back by itself when a backend fails to start, with the reason', async () => {
    tf.registerBackend('webgl', () => {
      throw new Error('no WebGL context here');
    }, 0);
    try {
      const events: BackendEvent[] = [];
      const stop = onBackendEvent((e) => events.push(e));
      const info = await switchBackend('webgl');
      stop();
      // The order after webgl is wasm, then cpu.
      expect(info.name).toBe('wasm');
      expect(events[0]).toEqual({
        type: 'fallback',
        from: 'webgl',
        to: 'wasm',
        reason: 'could not start (no WebGL context here)',
        message: 'WebGL could not start (no WebGL context here); using WebAssembly instead.',
      });
    } finally {
      tf.removeBackend('webgl');
    }
  });

  it('refuses an unknown backend name', () => {
    expect(() => validateBackendConfig({ order: ['webgpu', 'metal' as never] })).toThrow('Unknown backend "metal" (backends: webgpu, webgl, wasm, cpu).');
    expect(() => validateBackendConfig({ order: [] })).toThrow(/at least one/);
  });
});
