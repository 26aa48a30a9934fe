import { TesseraError, afterQueuedTasks, throwIfAborted, toTesseraError } from '../../core';
import type { ModelInput } from '../preprocess/pixels-to-tensor';
import { isModelImage, type ImageFeed, type ImageRef, type RunGate } from '../predictor';

/** Reads one reference's pixels. */
export type ResolveRef = (ref: ImageRef, signal: AbortSignal) => Promise<ModelInput>;

export interface ReadAheadOptions {
  readAhead: number;
  signal: AbortSignal;
  /** A reference that could not be read; without it, the error ends the iteration. */
  onSkip?(index: number, error: TesseraError): void;
  /** While paused, no image is handed on (so no new batch starts). */
  gate?: RunGate;
}

/**
 * The feed's images in order, with up to `readAhead` reads in flight, so the next batch is read while
 * the model runs this one. `indexOf[i]` is the feed position of the i-th image yielded (skipped ones
 * take no image index).
 */
export function readAhead(feed: ImageFeed, resolve: ResolveRef, options: ReadAheadOptions): { images: AsyncGenerator<ModelInput>; indexOf: number[] } {
  const indexOf: number[] = [];
  const { signal } = options;
  async function* images(): AsyncGenerator<ModelInput> {
    const it = Symbol.asyncIterator in feed ? feed[Symbol.asyncIterator]() : feed[Symbol.iterator]();
    const reads: { index: number; image: Promise<ModelInput | TesseraError> }[] = [];
    let ended = false;
    let stopped = false;
    let failure: unknown = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      wake?.();
      wake = null;
    };
    let room: (() => void) | null = null;
    // Pulls references while fewer than readAhead reads are in flight: a feed that waits (a paused run)
    // holds up only the reads after it, never the images already read.
    const pump = (async () => {
      let position = 0;
      try {
        for (;;) {
          while (reads.length >= Math.max(1, options.readAhead)) await new Promise<void>((r) => (room = r));
          if (signal.aborted || stopped) return;
          const r = await it.next();
          if (r.done) return;
          const ref = r.value;
          const image = isModelImage(ref) ? Promise.resolve(ref) : resolve(ref, signal);
          reads.push({ index: position++, image: image.catch((e: unknown) => toTesseraError(e, 'An image could not be read.', 'corrupt-file')) });
          notify();
        }
      } catch (e) {
        failure = e;
      } finally {
        ended = true;
        notify();
      }
    })();
    try {
      for (;;) {
        throwIfAborted(signal);
        while (!reads.length && !ended) await new Promise<void>((r) => (wake = r));
        const next = reads.shift();
        (room as (() => void) | null)?.();
        room = null;
        if (!next) {
          if (failure) throw failure;
          return;
        }
        const image = await next.image;
        throwIfAborted(signal);
        if (image instanceof TesseraError) {
          if (!options.onSkip) throw image;
          options.onSkip(next.index, image);
          continue;
        }
        if (options.gate) {
          // A pause may be waiting in the message queue while images already read are handed on in
          // microtasks alone (a batch is gathered right after the last one's compute): let it land first,
          // or one more batch would start after Pause.
          await afterQueuedTasks();
          if (options.gate.paused) await options.gate.pass();
        }
        throwIfAborted(signal);
        indexOf.push(next.index);
        yield image;
      }
    } finally {
      stopped = true;
      (room as (() => void) | null)?.();
      void pump;
      void Promise.resolve(it.return?.()).catch(() => {});
    }
  }
  return { images: images(), indexOf };
}
