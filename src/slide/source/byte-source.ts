import { TesseraError } from '../../core';
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
 * A File or Blob in the browser (or Node 20, which has Blob). Only the requested slice is read. In a
 * worker, FileReaderSync skips a round of promise and IPC bookkeeping (about 10% per tile, bench/README.md).
 */
export function blobSource(blob: Blob, name = (blob as File).name ?? 'slide'): ByteSource {
  const syncReader = typeof FileReaderSync === 'function' ? new FileReaderSync() : null;
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      const slice = blob.slice(offset, offset + length);
      return new Uint8Array(syncReader ? syncReader.readAsArrayBuffer(slice) : await slice.arrayBuffer());
    },
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
