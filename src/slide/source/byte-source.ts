import { TesseraError, nextTask } from '../../core';
import type { ByteSource } from '../types';

/** A ByteSource that counts what it reads, so tests can prove a slide is never read whole. */
export interface CountingSource extends ByteSource {
  readonly bytesRead: number;
}

export function countingSource(inner: ByteSource): CountingSource {
  let count = 0;
  return {
    name: inner.name,
    size: inner.size,
    get bytesRead() {
      return count;
    },
    async read(offset, length, signal) {
      const bytes = await inner.read(offset, length, signal);
      count += bytes.length;
      return bytes;
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  };
}

/** Reads a range, refusing ranges past the end of the file: that is how truncated files show up. */
export async function readExactly(src: ByteSource, offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
  if (offset < 0 || length < 0 || offset + length > src.size) {
    throw new TesseraError(
      'truncated',
      `"${src.name}" ends before the data it points to: the file looks truncated (an incomplete download or copy). Copy it again and reopen it.`,
      `wanted bytes ${offset}..${offset + length} of ${src.size}`,
    );
  }
  return src.read(offset, length, signal);
}

/**
 * A File or Blob in the browser (or Node 20, which has Blob). Only the requested slices are read. In a
 * worker, FileReaderSync skips a round of promise and IPC bookkeeping (about 10% per tile, bench/README.md).
 * Each read of a Blob costs the browser a fixed ~0.6-1 ms (a slice registered, the file opened and read
 * in the browser process, bench/README.md's profile), so reads asked for together are coalesced.
 */
export function blobSource(blob: Blob, name = (blob as File).name ?? 'slide'): ByteSource {
  const syncReader = typeof FileReaderSync === 'function' ? new FileReaderSync() : null;
  const readRange = async (offset: number, length: number) => {
    const slice = blob.slice(offset, offset + length);
    return new Uint8Array(syncReader ? syncReader.readAsArrayBuffer(slice) : await slice.arrayBuffer());
  };
  return { name, size: blob.size, read: coalescedReads(readRange) };
}

/** Neighbouring reads this far apart are read as one (the gap's bytes cost less than a read's fixed cost). */
const COALESCE_GAP = 64 * 1024;
/** A coalesced read spans at most this many bytes. */
const COALESCE_SPAN = 1024 * 1024;
/**
 * A read asked for this soon after the last one finished (or while one is running, or while the worker
 * serves other requests: setReadBurstProbe) is part of a burst:
 * a worker handling a view's tile requests queued back to back asks again within ~0.1-0.3 ms, while one
 * tile at a time leaves a whole decode and a round trip to the page (over 1 ms) between reads.
 */
const BURST_MS = 0.5;

let othersServed: () => boolean = () => false;

/**
 * A slide worker says here whether it is serving other requests besides the one reading now: then more
 * reads may be queued behind it (a view's tiles), and the read waits one task to be coalesced with them.
 */
export function setReadBurstProbe(probe: () => boolean): void {
  othersServed = probe;
}

interface QueuedRead {
  offset: number;
  length: number;
  resolve(bytes: Uint8Array): void;
  reject(e: unknown): void;
}

/**
 * Coalesces reads that come in a burst: the first is read at once; the others wait one task (so that
 * requests already queued add theirs), then those whose bytes lie within `maxGap` of each other are served
 * by one read of the range that covers them. Each asker gets its own copy of its bytes. A read on its own
 * (one tile at a time) is read at once, without waiting.
 */
export function coalescedReads(
  readRange: (offset: number, length: number) => Promise<Uint8Array>,
  schedule: (run: () => void) => void = nextTask,
  maxGap = COALESCE_GAP,
  maxSpan = COALESCE_SPAN,
): (offset: number, length: number) => Promise<Uint8Array> {
  let queue: QueuedRead[] = [];
  let running = 0;
  let lastDone = -Infinity;
  const track = (p: Promise<Uint8Array>): Promise<Uint8Array> => {
    running++;
    return p.finally(() => {
      running--;
      lastDone = performance.now();
    });
  };
  const flush = () => {
    const batch = queue.sort((a, b) => a.offset - b.offset);
    queue = [];
    for (let i = 0; i < batch.length; ) {
      const start = batch[i].offset;
      let end = start + batch[i].length;
      let j = i + 1;
      while (j < batch.length && batch[j].offset - end <= maxGap && Math.max(end, batch[j].offset + batch[j].length) - start <= maxSpan) {
        end = Math.max(end, batch[j].offset + batch[j].length);
        j++;
      }
      const group = batch.slice(i, j);
      track(readRange(start, end - start)).then(
        (bytes) => {
          for (const r of group) r.resolve(group.length === 1 ? bytes : bytes.slice(r.offset - start, r.offset - start + r.length));
        },
        (e) => group.forEach((r) => r.reject(e)),
      );
      i = j;
    }
  };
  return (offset, length) => {
    const burst = queue.length > 0 || running > 0 || othersServed() || performance.now() - lastDone < BURST_MS;
    if (!burst) return track(readRange(offset, length));
    return new Promise<Uint8Array>((resolve, reject) => {
      if (!queue.length) schedule(flush);
      queue.push({ offset, length, resolve, reject });
    });
  };
}

/** A URL on any static server that honours HTTP Range requests. */
export async function urlSource(url: string, signal?: AbortSignal): Promise<ByteSource> {
  const name = decodeURIComponent(new URL(url, globalThis.location?.href).pathname.split('/').pop() || url);
  let size: number;
  try {
    const head = await fetch(url, { headers: { Range: 'bytes=0-0' }, signal });
    if (!head.ok) throw new TesseraError('network', `Could not open ${url}: the server answered ${head.status} ${head.statusText}.`);
    const range = head.headers.get('Content-Range');
    if (head.status !== 206 || !range) {
      await head.body?.cancel();
      throw new TesseraError(
        'unsupported',
        `The server at ${url} does not support HTTP Range requests, so the slide cannot be read tile by tile. Serve it from a server that does, or open the file from disk.`,
      );
    }
    size = Number(range.split('/')[1]);
    await head.arrayBuffer();
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    throw new TesseraError('network', `Could not reach ${url}. Check the address and that the server allows this page to read it.`, String(e));
  }
  return {
    name,
    size,
    async read(offset, length, sig) {
      if (length === 0) return new Uint8Array(0);
      const res = await fetch(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` }, signal: sig });
      if (res.status !== 206) throw new TesseraError('network', `The server stopped answering range requests for ${name} (status ${res.status}).`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}
