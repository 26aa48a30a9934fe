import { TesseraError } from '../core';
import type { Model } from './model';
import { predictBatches, type Prediction } from './predict';
import { channelImageOf } from './preprocess/pixels-to-tensor';
import { DEFAULT_RUN_OPTIONS, type ImageFeed, type Predictor, type RunOptions, type RunSources } from './predictor';
import { readAhead, type ResolveRef } from './sources/read-ahead';

/**
 * Runs `model` over a feed of references on this thread: reads run ahead of the model, unreadable
 * images go to onSkip, and each prediction's index is its reference's position in the feed. The
 * inference worker and localPredictor share it.
 */
export async function* predictFeed(model: Model, feed: ImageFeed, resolve: ResolveRef, options: Partial<RunOptions> = {}, signal?: AbortSignal): AsyncGenerator<Prediction[]> {
  const o = { ...DEFAULT_RUN_OPTIONS, ...options };
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) stop();
  try {
    const { images, indexOf } = readAhead(feed, resolve, { readAhead: o.readAhead, signal: controller.signal, onSkip: o.onSkip, gate: o.gate });
    for await (const batch of predictBatches(model, images, { batchSize: o.batchSize, raw: o.raw, stainMatrix: o.stainMatrix, signal: controller.signal })) {
      yield batch.map((p) => ({ ...p, index: indexOf[p.index] }));
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    stop(); // reads still in flight are cancelled when the consumer stops early
  }
}

/** Reads references from the run's sources on this thread (Node, tests, the in-page baseline of the benchmark). */
export function resolveFrom(sources: RunSources = {}): ResolveRef {
  return async (ref, signal) => {
    if (!('kind' in ref)) return ref;
    if (ref.kind === 'region') {
      if (!sources.slide) throw new TesseraError('internal', 'This run was given slide regions but no slide.');
      if (ref.channels) {
        if (!sources.slide.readChannels) throw new TesseraError('invalid-argument', 'This model takes named slide channels, but the slide has no separate channels (it is not a multi-channel fluorescence slide).');
        return channelImageOf(await sources.slide.readChannels(ref.level, ref.x, ref.y, ref.width, ref.height, ref.channels, signal));
      }
      const img = await sources.slide.readRegion(ref.level, ref.x, ref.y, ref.width, ref.height, signal);
      return { width: img.width, height: img.height, data: img.data, format: 'rgba' };
    }
    if (!sources.files?.decodeFile) throw new TesseraError('internal', 'This run was given image files but no decoder.');
    return sources.files.decodeFile(ref.file, ref.name, signal);
  };
}

/** A Predictor on this thread's TF.js backend: the CLI's, and the tests'. */
export function localPredictor(model: Model): Predictor {
  return {
    manifest: model.manifest,
    predictBatches: (images, options = {}, signal) => predictFeed(model, images, resolveFrom(options.sources), options, signal),
    dispose: () => model.dispose(),
  };
}
