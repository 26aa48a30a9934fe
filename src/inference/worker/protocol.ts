import type { SerializedError } from '../../core';
import type { RequestMap } from '../../core';
import type { BackendEvent, BackendInfo, BackendName } from '../backend-names';
import type { Manifest } from '../manifest';
import type { Prediction } from '../predict';
import type { ImageRef, RunOptions } from '../predictor';

/** A model's files as they can cross into a worker: a URL on the app's origin, picked Files, or bytes. */
export type ModelFilesSpec =
  | { kind: 'url'; base: string }
  | { kind: 'files'; files: File[]; location?: string }
  | { kind: 'map'; entries: Record<string, Uint8Array | ArrayBuffer | string>; location?: string };

/** Ports to the workers a run reads from (they answer readRegion for `slideId`, and decode). */
export interface SourcePorts {
  slide?: { slideId: number; ports: MessagePort[] };
  files?: { port: MessagePort };
}

/** How fast a backend ran the model: images per second over timed batches after one warm-up batch. */
export interface BackendRate {
  backend: BackendName;
  /** Images per second, or null when the backend could not start or took too long (see note). */
  imagesPerSecond: number | null;
  /** The adapter or wasm features it ran on, for people ("WebGPU · google swiftshader"). */
  description?: string;
  /** Why there is no rate, or that it was stopped early ("over 6 s for one batch"). */
  note?: string;
  /** GFLOP/s of the convolution probe (see InferenceRequests.probe). */
  probeGflops?: number;
  /** True when the backend is a software GPU (SwiftShader, llvmpipe): counted for what it measured. */
  software?: boolean;
}

export type RunEvent =
  | { kind: 'need'; count: number }
  | { kind: 'skip'; index: number; error: SerializedError }
  | { kind: 'batch'; predictions: Prediction[] };

/** Everything the page asks the inference worker (one worker holds one model). */
export interface InferenceRequests extends RequestMap {
  /**
   * Starts a backend (the first of `order` that works) and times a fixed convolution on it, before any
   * model is loaded: a cheap first look that spares the machine a model run on a backend that cannot win.
   */
  probe: { params: { order: BackendName[]; wasmPaths?: Record<string, string> }; result: { backend: BackendInfo; gflops: number } };
  /** Starts a backend (the first of `order` that works) and loads the model on it. */
  load: { params: { files: ModelFilesSpec; order: BackendName[]; wasmPaths?: Record<string, string> }; result: { manifest: Manifest; backend: BackendInfo; weightsDigest: string } };
  /** Times `batches` batches of `batchSize` synthetic images after one warm-up batch. */
  measure: { params: { batchSize: number; batches: number; maxMs: number }; result: { imagesPerSecond: number; warmupMs: number; batchMs: number[] } };
  /** Moves the model to another backend (falling back along `order` when it cannot start). */
  switchBackend: { params: { name: BackendName; order: BackendName[] }; result: BackendInfo };
  /** Runs the model over references the page feeds on demand (`need` events, `feed` requests); results come as `batch` events. */
  run: { params: { runId: number; options: Omit<RunOptions, 'sources' | 'onSkip' | 'gate'>; sources: SourcePorts; paused: boolean }; result: { images: number } };
  /** The page paused or resumed a run: no new batch starts while paused. */
  hold: { params: { runId: number; paused: boolean }; result: void };
  feed: { params: { runId: number; refs: ImageRef[]; done: boolean }; result: void };
  /** Never answered: backend events (fallbacks after a lost device) come back as its events. */
  watch: { params: null; result: never };
  /** Tests only: the worker throws an uncaught error, as a crashed worker does. */
  crash: { params: null; result: void };
  /** Tests only: destroys the WebGPU device, as a GPU reset or driver crash does (false when not on WebGPU). */
  loseDevice: { params: null; result: boolean };
}

export type WatchEvent = BackendEvent;
