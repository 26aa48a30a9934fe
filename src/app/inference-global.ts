import * as tf from '@tensorflow/tfjs';
import { planSlideAnalysis, startSlideAnalysis, tileRegion } from '../analysis';
import * as inference from '../inference';
import { WASM_PATHS } from '../inference/browser';

/**
 * The model runtime as the app uses it: backends with the wasm binaries from the app's own origin.
 * Loaded lazily (TF.js is large), by the backend panel once the page is up. It also sits on
 * window.__tesseraInference for benchmarks and browser tests, beside window.__tessera.
 */
// The app serves the wasm binaries itself and may start TF.js's pthread workers (CSP allows blob: scripts).
const APP_BACKEND: Partial<inference.BackendConfig> = { wasmPaths: WASM_PATHS, wasmThreads: true };

export function startBackend(): Promise<inference.BackendInfo> {
  return inference.initBackend(APP_BACKEND);
}

export function chooseBackend(name: inference.BackendName): Promise<inference.BackendInfo> {
  return inference.switchBackend(name, APP_BACKEND);
}

/**
 * For benchmarks (bench/worker): the slide analysis as the app runs it, so a run can be driven with a
 * model opened here on the page (localPredictor), the in-page baseline the worker is compared with.
 */
const slideAnalysis = { planSlideAnalysis, startSlideAnalysis, tileRegion };

export const runtime = { ...inference, tf, startBackend, chooseBackend, slideAnalysis };

export type InferenceGlobal = typeof runtime;

declare global {
  interface Window {
    __tesseraInference?: InferenceGlobal;
  }
}

window.__tesseraInference = runtime;
