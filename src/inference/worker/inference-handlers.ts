import * as tf from '@tensorflow/tfjs';
import { TesseraError } from '../../core';
import { ChannelClient, type Endpoint, type Handlers } from '../../core';
import { currentBackend, initBackend, onBackendEvent, switchBackend } from '../backend';
import { predictFeed, resolveFrom } from '../local-predictor';
import type { Model } from '../model';
import { openModel } from '../load-model';
import { weightsDigest } from '../weights-digest';
import type { ModelFiles } from '../model-files';
import type { Prediction } from '../predict';
import { channelImageOf } from '../preprocess/pixels-to-tensor';
import type { ImageRef, RunGate } from '../predictor';
import { slideOverPorts } from '../../slide';
import type { ImageFileRequests } from '../sources/image-files';
import type { ResolveRef } from '../sources/read-ahead';
import { filesOfSpec } from './model-files-spec';
import { syntheticTiles } from './synthetic-tiles';
import type { InferenceRequests, RunEvent, SourcePorts } from './protocol';

/** Reads a run's references through the ports it was handed: regions from the slide workers, files from the decoder. */
function portResolver(sources: SourcePorts): { resolve: ResolveRef; close(): void } {
  const slide = sources.slide ? slideOverPorts(sources.slide) : null;
  const files = sources.files ? new ChannelClient<ImageFileRequests>(() => sources.files!.port as unknown as Endpoint, { crashMessage: 'The image decoder stopped; start the run again.' }) : null;
  const resolve: ResolveRef = async (ref, signal) => {
    if (!('kind' in ref)) return ref;
    if (ref.kind === 'region') {
      if (!slide) throw new TesseraError('internal', 'This run was given slide regions but no slide.');
      // A model naming slide channels gets their raw planes, not the composite on screen.
      if (ref.channels) return channelImageOf(await slide.readChannels(ref.level, ref.x, ref.y, ref.width, ref.height, ref.channels, signal));
      const img = await slide.readRegion(ref.level, ref.x, ref.y, ref.width, ref.height, signal);
      return { width: img.width, height: img.height, data: img.data, format: 'rgba' };
    }
    if (!files) throw new TesseraError('internal', 'This run was given image files but no decoder.');
    return files.request('decode', { file: ref.file, name: ref.name }, { signal });
  };
  return {
    resolve,
    close: () => {
      slide?.close();
      files?.close();
    },
  };
}

/**
 * References the page feeds on demand: the worker asks for more (`need`) when fewer than it wants are
 * waiting, so a paused run on the page stops the worker within the reads already in flight.
 */
class Feed implements AsyncIterable<ImageRef> {
  private readonly queue: ImageRef[] = [];
  private done = false;
  private asked = 0;
  private wake: (() => void) | null = null;

  constructor(private readonly ask: (count: number) => void, private readonly chunk: number) {}

  push(refs: ImageRef[], done: boolean): void {
    this.queue.push(...refs);
    this.asked = Math.max(0, this.asked - refs.length);
    if (done) this.done = true;
    this.wake?.();
    this.wake = null;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ImageRef> {
    for (;;) {
      if (this.queue.length < this.chunk && !this.done && this.asked === 0) {
        this.asked = this.chunk;
        this.ask(this.chunk);
      }
      if (this.queue.length) {
        yield this.queue.shift()!;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((r) => (this.wake = r));
    }
  }
}

/** The worker's copy of the page's pause gate for one run. */
class SimpleGate implements RunGate {
  private open: (() => void) | null = null;
  private waiting: Promise<void> | null = null;

  constructor(paused: boolean) {
    this.set(paused);
  }

  get paused(): boolean {
    return this.waiting !== null;
  }

  set(paused: boolean): void {
    if (paused) this.waiting ??= new Promise<void>((r) => (this.open = r));
    else {
      this.open?.();
      this.waiting = null;
      this.open = null;
    }
  }

  pass(): Promise<void> {
    return this.waiting ?? Promise.resolve();
  }

  onChange(): () => void {
    return () => {};
  }
}

/** Buffers of the predictions, moved to the page rather than copied. */
function buffersOf(predictions: Prediction[]): Transferable[] {
  const out: Transferable[] = [];
  for (const p of predictions) {
    out.push(p.probabilities.buffer as ArrayBuffer);
    if (p.raw) out.push(p.raw.buffer as ArrayBuffer);
    // A detection model's cells: four columns of their own (detectCells builds them fresh per image).
    if (p.cells) for (const a of [p.cells.x, p.cells.y, p.cells.classIndex, p.cells.score]) out.push(a.buffer as ArrayBuffer);
  }
  return out;
}

/**
 * The inference worker's answers (inference-worker.ts serves them): one model per worker, on the backend
 * the page chose, runs fed by the page and read from the slide and decode workers directly.
 */
export function inferenceHandlers(): Handlers<InferenceRequests> {
  let model: Model | null = null;
  const feeds = new Map<number, Feed>();
  const gates = new Map<number, SimpleGate>();
  const loaded = () => {
    if (!model) throw new TesseraError('internal', 'No model is loaded in this worker.');
    return model;
  };

  return {
    async probe({ order, wasmPaths }) {
      tf.env().set('PROD', true);
      await initBackend({ order, wasmPaths, wasmThreads: true });
      return { backend: currentBackend()!, gflops: await convolutionProbe() };
    },

    async load({ files, order, wasmPaths }) {
      tf.env().set('PROD', true);
      await initBackend({ order, wasmPaths, wasmThreads: true });
      model?.dispose();
      // The digest is taken of the bytes the model was loaded from (kept only until then), not of a second read.
      const source = filesOfSpec(files);
      const read = new Map<string, Uint8Array>();
      const kept: ModelFiles = { ...source, read: async (name) => read.get(name) ?? source.read(name).then((b) => (b && read.set(name, b), b)) };
      model = await openModel(kept);
      return { manifest: model.manifest, backend: currentBackend()!, weightsDigest: await weightsDigest(kept, model.manifest) };
    },

    async measure({ batchSize, batches, maxMs }) {
      const m = loaded();
      const [h, w] = m.manifest.input.size;
      const run = async (n: number) => {
        const t0 = performance.now();
        for await (const _ of predictFeed(m, syntheticTiles(n, w, h), resolveFrom(), { batchSize, readAhead: batchSize })) void _;
        return performance.now() - t0;
      };
      const warmupMs = await run(batchSize);
      const batchMs: number[] = [];
      const start = performance.now();
      while (batchMs.length < batches && (batchMs.length === 0 || performance.now() - start < maxMs)) batchMs.push(await run(batchSize));
      const total = batchMs.reduce((a, b) => a + b, 0);
      return { imagesPerSecond: (batchMs.length * batchSize * 1000) / total, warmupMs, batchMs };
    },

    async switchBackend({ name, order }) {
      const info = await switchBackend(name, { order });
      await loaded().prepare();
      return info;
    },

    async run({ runId, options, sources, paused }, { signal, emit }) {
      const m = loaded();
      const ports = portResolver(sources);
      const feed = new Feed((count) => emit({ kind: 'need', count } satisfies RunEvent), Math.max(options.readAhead, options.batchSize));
      const gate = new SimpleGate(paused);
      feeds.set(runId, feed);
      gates.set(runId, gate);
      let images = 0;
      try {
        const onSkip = (index: number, error: TesseraError) => emit({ kind: 'skip', index, error: error.toJSON() } satisfies RunEvent);
        for await (const predictions of predictFeed(m, feed, ports.resolve, { ...options, onSkip, gate }, signal)) {
          images += predictions.length;
          emit({ kind: 'batch', predictions } satisfies RunEvent, buffersOf(predictions));
        }
        return { images };
      } finally {
        feeds.delete(runId);
        gates.get(runId)?.set(false);
        gates.delete(runId);
        ports.close();
      }
    },

    hold({ runId, paused }) {
      gates.get(runId)?.set(paused);
    },

    feed({ runId, refs, done }) {
      feeds.get(runId)?.push(refs, done);
    },

    watch(_params, { emit }) {
      onBackendEvent((e) => emit(e));
      return new Promise<never>(() => {});
    },

    loseDevice() {
      const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
      device?.destroy();
      return !!device;
    },

    crash() {
      setTimeout(() => {
        throw new Error('crash requested by a test');
      }, 0);
    },
  };
}


/**
 * GFLOP/s of five chained 3 x 3 convolutions (64 x 64 x 32 → 32), after one untimed pass, repeated for
 * about 300 ms: a few tens of milliseconds of work on any real GPU or CPU, so a software GPU (which
 * renders on the CPU, in the browser's GPU process, and holds every page's drawing while it computes)
 * shows itself without being given a whole model.
 */
async function convolutionProbe(): Promise<number> {
  const x = tf.randomUniform([1, 64, 64, 32], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomUniform([3, 3, 32, 32], -0.1, 0.1, 'float32', 2) as tf.Tensor4D;
  const pass = async () => {
    const y = tf.tidy(() => {
      let t = x;
      for (let i = 0; i < 5; i++) t = tf.conv2d(t, w, 1, 'same');
      return t;
    });
    await y.data();
    y.dispose();
  };
  try {
    await pass();
    let n = 0;
    const t0 = performance.now();
    while (n < 3 || (n < 50 && performance.now() - t0 < 300)) {
      await pass();
      n++;
    }
    const flops = 5 * 2 * 64 * 64 * 32 * 32 * 9 * n;
    return flops / ((performance.now() - t0) / 1000) / 1e9;
  } finally {
    x.dispose();
    w.dispose();
  }
}
