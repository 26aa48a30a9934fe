import { TesseraError, toTesseraError, type SerializedError } from './errors';

/**
 * The one typed channel between the page and its workers, and between workers (DESIGN.md, core/): a map
 * of request types to their params and results, ids matched to answers, AbortSignal carried across as a
 * cancel message, transferables, errors as TesseraError, events pushed by the serving side, and shutdown
 * of a stateless worker when it has been idle a while. The slide pool, the patch decoder, the viewer's
 * resampler and the inference worker all speak it, over a Worker or a MessagePort alike.
 */

/** Request type → what it takes and what it answers (as maplibre's actor messages). */
export type RequestMap = { [type: string]: { params: unknown; result: unknown } };

/** Anything messages go through: a Worker, a MessagePort, a worker's own global scope. */
export interface Endpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  /** MessagePorts deliver messages only once started. */
  start?(): void;
}

type Wire =
  | { ch: 'req'; id: number; type: string; params: unknown }
  | { ch: 'cancel'; id: number }
  | { ch: 'res'; id: number; ok: true; value: unknown }
  | { ch: 'res'; id: number; ok: false; error: SerializedError }
  | { ch: 'ev'; id: number; value: unknown };

/** A value with the buffers to transfer along (moved, not copied; the sender loses them). */
export class Transfer<T> {
  constructor(readonly value: T, readonly transfer: Transferable[]) {}
}

export function withTransfer<T>(value: T, transfer: Transferable[]): Transfer<T> {
  return new Transfer(value, transfer);
}

/** What a handler gets besides its params: the request's cancellation, and a way to send events on the way. */
export interface RequestContext {
  signal: AbortSignal;
  /** Sends an event for this request before its answer (progress, results of a stream). */
  emit(value: unknown, transfer?: Transferable[]): void;
}

/**
 * The request types a map names (an interface that extends RequestMap also inherits its index signature:
 * that is left out, so handlers and requests are checked against the named types only).
 */
export type RequestType<M extends RequestMap> = keyof { [K in keyof M as string extends K ? never : K]: 0 } & string;

export type Handlers<M extends RequestMap> = {
  [K in RequestType<M>]: (params: M[K]['params'], context: RequestContext) => Promise<M[K]['result'] | Transfer<M[K]['result']>> | M[K]['result'] | Transfer<M[K]['result']>;
};

/**
 * Answers requests arriving at `endpoint` with `handlers` (in a worker: `serve(self, handlers)`; for a
 * second caller, the same handlers on a MessagePort it was handed). Returns the function that stops.
 */
export function serve<M extends RequestMap>(endpoint: Endpoint, handlers: Handlers<M>, fallback = 'The request could not be completed.'): () => void {
  const controllers = new Map<number, AbortController>();
  const listener = async (event: MessageEvent) => {
    const msg = event.data as Wire;
    if (!msg || typeof msg !== 'object') return;
    if (msg.ch === 'cancel') {
      controllers.get(msg.id)?.abort();
      return;
    }
    if (msg.ch !== 'req') return;
    const controller = new AbortController();
    controllers.set(msg.id, controller);
    const emit = (value: unknown, transfer: Transferable[] = []) => {
      if (!controller.signal.aborted) endpoint.postMessage({ ch: 'ev', id: msg.id, value } satisfies Wire, transfer);
    };
    try {
      const named = handlers as Record<string, (params: never, context: RequestContext) => unknown>;
      const handler = Object.hasOwn(named, msg.type) ? named[msg.type] : undefined;
      if (!handler) throw new TesseraError('internal', fallback, `no handler for "${msg.type}"`);
      const out = await handler(msg.params as never, { signal: controller.signal, emit });
      const [value, transfer] = out instanceof Transfer ? [out.value, out.transfer] : [out, []];
      endpoint.postMessage({ ch: 'res', id: msg.id, ok: true, value } satisfies Wire, transfer);
    } catch (e) {
      endpoint.postMessage({ ch: 'res', id: msg.id, ok: false, error: toTesseraError(e, fallback).toJSON() } satisfies Wire, []);
    } finally {
      controllers.delete(msg.id);
    }
  };
  endpoint.addEventListener('message', listener);
  endpoint.start?.();
  return () => {
    endpoint.removeEventListener('message', listener);
    for (const c of controllers.values()) c.abort();
  };
}

export interface RequestOptions {
  signal?: AbortSignal;
  transfer?: Transferable[];
  /** Events the handler emits before it answers. */
  onEvent?(value: unknown): void;
}

export interface ClientOptions {
  /** Said to the person when the other side dies (a worker's uncaught error, a crash). */
  crashMessage: string;
  /** A worker idle (nothing unanswered) this long is terminated, and started again on the next request. */
  idleMs?: number;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onEvent?(value: unknown): void;
}

/**
 * The asking side. `open` makes the endpoint (a new Worker, or a port handed over): it is called on the
 * first request, and again after an idle shutdown. A worker that dies rejects everything unanswered
 * with a TesseraError of code "crashed" and is started afresh on the next request.
 */
export class ChannelClient<M extends RequestMap> {
  private endpoint: Endpoint | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private crashListeners = new Set<(e: TesseraError) => void>();

  constructor(private readonly open: () => Endpoint, private readonly options: ClientOptions) {}

  /** Requests not answered yet (for picking the least busy of a pool). */
  get load(): number {
    return this.pending.size;
  }

  /** Whether the endpoint is up now (false before the first request and after an idle shutdown). */
  get started(): boolean {
    return this.endpoint !== null;
  }

  /** Called when the other side dies; returns the function that stops listening. */
  onCrash(listener: (e: TesseraError) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  request<K extends RequestType<M>>(type: K, params: M[K]['params'], options: RequestOptions = {}): Promise<M[K]['result']> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new TesseraError('aborted', 'The operation was cancelled.'));
    const endpoint = this.connect();
    const id = this.nextId++;
    this.stopIdleTimer();
    return new Promise((resolve, reject) => {
      const abort = () => {
        if (!this.pending.delete(id)) return;
        endpoint.postMessage({ ch: 'cancel', id } satisfies Wire, []);
        reject(new TesseraError('aborted', 'The operation was cancelled.'));
        this.startIdleTimer();
      };
      const done = () => signal?.removeEventListener('abort', abort);
      this.pending.set(id, {
        resolve: (v) => (done(), resolve(v as M[K]['result'])),
        reject: (e) => (done(), reject(e)),
        onEvent: options.onEvent,
      });
      signal?.addEventListener('abort', abort, { once: true });
      try {
        endpoint.postMessage({ ch: 'req', id, type, params } satisfies Wire, options.transfer ?? []);
      } catch (e) {
        this.pending.delete(id);
        done();
        reject(toTesseraError(e, 'The request could not be sent to its worker.'));
      }
    });
  }

  /** Ends the worker (or closes the port); anything unanswered is rejected as cancelled. */
  close(): void {
    this.stopIdleTimer();
    this.shutdown(new TesseraError('aborted', 'The operation was cancelled.'));
  }

  private connect(): Endpoint {
    if (this.endpoint) return this.endpoint;
    const endpoint = this.open();
    endpoint.addEventListener('message', (e: MessageEvent) => this.receive(e.data as Wire));
    const target = endpoint as unknown as EventTarget;
    target.addEventListener('error', (e: Event) => {
      // A worker's uncaught error: it may still be alive, but what it was doing is lost.
      e.preventDefault?.();
      this.crash((e as ErrorEvent).message || 'uncaught error');
    });
    target.addEventListener('messageerror', () => this.crash('a message could not be read'));
    endpoint.start?.();
    this.endpoint = endpoint;
    return endpoint;
  }

  private receive(msg: Wire): void {
    if (!msg || typeof msg !== 'object') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.ch === 'ev') {
      p.onEvent?.(msg.value);
      return;
    }
    if (msg.ch !== 'res') return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(TesseraError.fromJSON(msg.error));
    this.startIdleTimer();
  }

  private crash(detail: string): void {
    const error = new TesseraError('crashed', this.options.crashMessage, detail);
    this.shutdown(error);
    for (const l of [...this.crashListeners]) l(error);
  }

  private shutdown(error: TesseraError): void {
    const endpoint = this.endpoint;
    this.endpoint = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
    if (endpoint) closeEndpoint(endpoint);
  }

  private startIdleTimer(): void {
    if (this.options.idleMs === undefined || this.pending.size > 0 || !this.endpoint) return;
    this.stopIdleTimer();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.pending.size === 0) this.shutdown(new TesseraError('aborted', 'The operation was cancelled.'));
    }, this.options.idleMs);
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  private stopIdleTimer(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}

function closeEndpoint(endpoint: Endpoint): void {
  const e = endpoint as { terminate?: () => void; close?: () => void };
  if (typeof e.terminate === 'function') e.terminate();
  else if (typeof e.close === 'function') e.close();
}
