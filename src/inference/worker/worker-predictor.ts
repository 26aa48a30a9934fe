import { TesseraError, toTesseraError } from '../../core';
import { ChannelClient, type Endpoint } from '../../core';
import type { BackendEvent, BackendInfo, BackendName } from '../backend-names';
import type { Manifest } from '../manifest';
import type { Prediction } from '../predict';
import { DEFAULT_RUN_OPTIONS, isModelImage, type ImageFeed, type ImageRef, type Predictor, type RunOptions, type RunSources } from '../predictor';
import { WASM_PATHS } from '../browser/wasm-paths';
import type { InferenceRequests, ModelFilesSpec, RunEvent, SourcePorts } from './protocol';

/** A Predictor whose model runs in its own worker: the page sends references and receives results only. */
export interface WorkerPredictor extends Predictor {
  /** The backend the model runs on now (it changes on a fallback or a switch). */
  readonly backend: BackendInfo;
  /** Moves the model to `name` (falling back along `order` when it cannot start). */
  switchBackend(name: BackendName, order: BackendName[]): Promise<BackendInfo>;
  /** Times `batches` batches of `batchSize` after one warm-up batch. */
  measure(batchSize: number, batches: number, maxMs: number, signal?: AbortSignal): Promise<{ imagesPerSecond: number; warmupMs: number; batchMs: number[] }>;
  onBackendEvent(listener: (e: BackendEvent) => void): () => void;
  /** The worker died (device lost for good, out of memory, a crash): this predictor is finished. */
  onCrash(listener: (e: TesseraError) => void): () => void;
  readonly crashed: TesseraError | null;
  /**
   * After a crash: a new worker loads the model on the next backend of the order (not the one it died
   * on); runs go on from there. Resolves to the backend it now runs on.
   */
  recover(): Promise<BackendInfo>;
  /** Tests only: makes the worker throw an uncaught error, as a crashing worker does. */
  crashForTest(): Promise<void>;
  /** Tests only: destroys the worker's WebGPU device (true when it was on WebGPU). */
  loseDeviceForTest(): Promise<boolean>;
}

let nextRunId = 1;

export interface StartOptions {
  signal?: AbortSignal;
  /** Called with the backend's convolution probe before the model loads; may throw to stop there. */
  beforeLoad?(probe: { backend: BackendInfo; gflops: number }): void;
  /** Makes the worker's endpoint (a new inference worker; tests give a port served by inferenceHandlers). */
  open?(): Endpoint;
}

function inferenceWorker(): Endpoint {
  return new Worker(new URL('./inference-worker.ts', import.meta.url), { type: 'module', name: 'tessera-inference' }) as unknown as Endpoint;
}

/**
 * Starts an inference worker and loads the model there on the first backend of `order` that starts.
 * With `beforeLoad`, the backend is first timed on a fixed convolution (no model yet), and beforeLoad may
 * throw to stop there.
 */
export async function startWorkerPredictor(files: ModelFilesSpec, order: BackendName[], options: StartOptions = {}): Promise<WorkerPredictor> {
  const { signal, beforeLoad } = options;
  const client = new ChannelClient<InferenceRequests>(options.open ?? inferenceWorker, {
    crashMessage: 'The model stopped working (its worker ended: the GPU device was lost, memory ran out, or it crashed).',
  });
  const stopOnAbort = () => client.close();
  signal?.addEventListener('abort', stopOnAbort, { once: true });
  let loaded: { manifest: Manifest; backend: BackendInfo; weightsDigest: string };
  try {
    if (beforeLoad) beforeLoad(await client.request('probe', { order, wasmPaths: WASM_PATHS }, { signal }));
    loaded = await client.request('load', { files, order, wasmPaths: WASM_PATHS }, { signal });
  } catch (e) {
    client.close();
    throw e;
  } finally {
    signal?.removeEventListener('abort', stopOnAbort);
  }
  let backend = loaded.backend;
  let fallback = order;
  let crashed: TesseraError | null = null;
  const listeners = new Set<(e: BackendEvent) => void>();
  client.onCrash((e) => {
    crashed = e;
  });
  const watch = () =>
    void client.request('watch', null, {
      onEvent: (value) => {
        const e = value as BackendEvent;
        if (e.type === 'ready') backend = e.backend;
        for (const l of [...listeners]) l(e);
      },
    }).catch(() => {});
  watch();

  const predictor: WorkerPredictor = {
    manifest: loaded.manifest,
    weightsDigest: loaded.weightsDigest,
    get backend() {
      return backend;
    },
    get crashed() {
      return crashed;
    },
    async switchBackend(name, fallbackOrder) {
      fallback = fallbackOrder;
      backend = await client.request('switchBackend', { name, order: fallbackOrder });
      return backend;
    },
    async recover() {
      const dead = backend.name;
      const next = fallback.filter((n) => n !== dead);
      const reloaded = await client.request('load', { files, order: next.length ? next : ['cpu'], wasmPaths: WASM_PATHS });
      backend = reloaded.backend;
      fallback = next;
      crashed = null;
      watch();
      for (const l of [...listeners]) l({ type: 'ready', backend });
      return backend;
    },
    measure: (batchSize, batches, maxMs, s) => client.request('measure', { batchSize, batches, maxMs }, { signal: s }),
    onBackendEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onCrash: (listener) => client.onCrash(listener),
    crashForTest: () => client.request('crash', null),
    loseDeviceForTest: () => client.request('loseDevice', null),
    async *predictBatches(images, options, s) {
      // A worker that died between runs (nothing to pause): the next run loads the model again first.
      if (crashed) await predictor.recover();
      yield* runInWorker(client, images, options, s);
    },
    dispose: () => client.close(),
  };
  return predictor;
}

/** Ports for the run's sources, opened now and moved to the worker with the run request. */
async function sourcePorts(sources: RunSources = {}): Promise<{ ports: SourcePorts; transfer: Transferable[] }> {
  const ports: SourcePorts = {};
  const transfer: Transferable[] = [];
  if (sources.slide) {
    if (!sources.slide.connectPorts) throw new TesseraError('internal', 'This slide cannot be read from another worker.');
    ports.slide = await sources.slide.connectPorts();
    transfer.push(...ports.slide.ports);
  }
  if (sources.files) {
    if (!sources.files.connectPort) throw new TesseraError('internal', 'This decoder cannot be used from another worker.');
    ports.files = { port: sources.files.connectPort() };
    transfer.push(ports.files.port);
  }
  return { ports, transfer };
}

/**
 * The page's half of a run: references go to the worker as it asks for them (so a feed that waits, a
 * paused analysis, holds the worker up), and batches of predictions come back as events.
 */
async function* runInWorker(client: ChannelClient<InferenceRequests>, images: ImageFeed, options: Partial<RunOptions> = {}, signal?: AbortSignal): AsyncGenerator<Prediction[]> {
  const { sources, onSkip, gate, ...rest } = { ...DEFAULT_RUN_OPTIONS, ...options };
  const runId = nextRunId++;
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) stop();
  const it = Symbol.asyncIterator in images ? images[Symbol.asyncIterator]() : images[Symbol.iterator]();
  const results: Prediction[][] = [];
  let failure: unknown = null;
  let finished = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const fail = (e: unknown) => {
    failure ??= e;
    finished = true;
    controller.abort();
    notify();
  };

  let feeding = Promise.resolve();
  const feed = (count: number) => {
    feeding = feeding.then(async () => {
      const refs: ImageRef[] = [];
      const transfer: Transferable[] = [];
      let done = false;
      try {
        while (refs.length < count) {
          const r = await it.next();
          if (r.done) {
            done = true;
            break;
          }
          refs.push(r.value);
          if (isModelImage(r.value)) transfer.push(r.value.data.buffer as ArrayBuffer);
        }
      } catch (e) {
        fail(e);
        return;
      }
      if (controller.signal.aborted) return;
      await client.request('feed', { runId, refs, done }, { transfer }).catch(fail);
    });
  };

  try {
    const { ports, transfer } = await sourcePorts(sources);
    const stopMirroring = gate?.onChange((paused) => void client.request('hold', { runId, paused }).catch(() => {}));
    controller.signal.addEventListener('abort', () => stopMirroring?.(), { once: true });
    const run = client.request('run', { runId, options: rest, sources: ports, paused: gate?.paused ?? false }, {
      signal: controller.signal,
      transfer,
      onEvent: (value) => {
        const e = value as RunEvent;
        if (e.kind === 'need') feed(e.count);
        else if (e.kind === 'batch') {
          results.push(e.predictions);
          notify();
        } else {
          const error = TesseraError.fromJSON(e.error);
          try {
            if (!onSkip) throw error;
            onSkip(e.index, error);
          } catch (thrown) {
            fail(thrown);
          }
        }
      },
    });
    run.then(() => {
      finished = true;
      notify();
    }, fail);
    for (;;) {
      while (!results.length && !finished) await new Promise<void>((r) => (wake = r));
      if (results.length) {
        yield results.shift()!;
        continue;
      }
      if (failure) throw failure;
      if (signal?.aborted) throw new TesseraError('aborted', 'The operation was cancelled.');
      return;
    }
  } catch (e) {
    throw toTesseraError(e, 'The model could not run.');
  } finally {
    signal?.removeEventListener('abort', stop);
    controller.abort();
    void Promise.resolve(it.return?.()).catch(() => {});
  }
}
