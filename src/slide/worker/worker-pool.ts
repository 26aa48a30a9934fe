import { ChannelClient, type Endpoint } from '../../core';
import type { SlideRequests } from './messages';

/** One slide worker, as the page asks it (core's typed channel). */
export type SlideChannel = ChannelClient<SlideRequests>;

const CRASH_MESSAGE = 'A slide worker stopped unexpectedly; reopen the slide.';

function slideWorker(): Endpoint {
  return new Worker(new URL('./slide-worker.ts', import.meta.url), { type: 'module', name: 'tessera-slide' }) as unknown as Endpoint;
}

/**
 * A fixed set of slide workers shared by every open slide (TIFF work and decoding stay off the main
 * thread). No idle shutdown: a worker holds the slides opened on it. One that crashes is started afresh
 * on its next request (its slides must be opened there again: openSlideInBrowser does so).
 */
export class SlideWorkerPool {
  readonly channels: SlideChannel[];

  constructor(size = defaultPoolSize(), open: () => Endpoint = slideWorker) {
    this.channels = Array.from({ length: size }, () => new ChannelClient<SlideRequests>(open, { crashMessage: CRASH_MESSAGE }));
  }

  get size(): number {
    return this.channels.length;
  }

  /** The least busy worker (fewest requests unanswered). */
  pick(): SlideChannel {
    return this.channels.reduce((a, b) => (b.load < a.load ? b : a));
  }
}

function defaultPoolSize(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
  return Math.max(2, Math.min(4, cores));
}

let shared: SlideWorkerPool | null = null;

export function sharedSlideWorkerPool(): SlideWorkerPool {
  return (shared ??= new SlideWorkerPool());
}
