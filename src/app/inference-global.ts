import * as tf from '@tensorflow/tfjs';
import * as inference from '../inference';
import { WASM_PATHS } from '../inference/browser';

/**
 * The model runtime as the app uses it: backends with the wasm binaries from the app's own origin.
 * Loaded lazily (TF.js is large), by the backend panel once the page is up. It also sits on
 * window.__tesseraInference for benchmarks and browser tests, beside window.__tessera.
 */
export function startBackend(): Promise<inference.BackendInfo> {
  return inference.initBackend({ wasmPaths: WASM_PATHS });
}

export function chooseBackend(name: inference.BackendName): Promise<inference.BackendInfo> {
  return inference.switchBackend(name, { wasmPaths: WASM_PATHS });
}

export const runtime = { ...inference, tf, startBackend, chooseBackend };

export type InferenceGlobal = typeof runtime;

declare global {
  interface Window {
    __tesseraInference?: InferenceGlobal;
  }
}

window.__tesseraInference = runtime;
