import { TesseraError } from '../../core/errors';
import type { CancelMessage, RequestMessage, RequestType, ResponseMessage, SlideRequests } from './messages';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** One worker and the requests it has not answered yet. */
class WorkerChannel {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor() {
    this.worker = new Worker(new URL('./slide-worker.ts', import.meta.url), { type: 'module', name: 'tessera-slide' });
    this.worker.onmessage = (e: MessageEvent<ResponseMessage>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.value);
      else p.reject(TesseraError.fromJSON(e.data.error));
    };
    this.worker.onerror = (e) => {
      const err = new TesseraError('internal', 'A slide worker stopped unexpectedly; reopen the slide.', e.message);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  get load(): number {
    return this.pending.size;
  }

  request<T extends RequestType>(type: T, params: SlideRequests[T]['params'], signal?: AbortSignal): Promise<SlideRequests[T]['result']> {
    if (signal?.aborted) return Promise.reject(new TesseraError('aborted', 'The operation was cancelled.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const msg: RequestMessage<T> = { id, type, params };
      this.worker.postMessage(msg);
      signal?.addEventListener(
        'abort',
        () => {
          if (!this.pending.has(id)) return;
          this.pending.delete(id);
          this.worker.postMessage({ id, type: 'cancel' } satisfies CancelMessage);
          reject(new TesseraError('aborted', 'The operation was cancelled.'));
        },
        { once: true },
      );
    });
  }
}

/** A fixed set of slide workers shared by every open slide (TIFF work and decoding stay off the main thread). */
export class SlideWorkerPool {
  readonly channels: WorkerChannel[];

  constructor(size = defaultPoolSize()) {
    this.channels = Array.from({ length: size }, () => new WorkerChannel());
  }

  get size(): number {
    return this.channels.length;
  }

  /** The least busy worker (fewest requests unanswered). */
  pick(): WorkerChannel {
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
